"""Length, counted the way each network counts it."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache

import regex  # type: ignore[import-untyped]  # no stubs published

from channels.base import Limits

#: X counts every URL as this many characters (t.co wrapping).
URL_WEIGHT = 23

_URL = re.compile(r"https?://[^\s<>\"]+", re.IGNORECASE)
_MASTODON_MENTION = re.compile(r"(?<![\w/])@(\w+)@[\w.-]+\w", re.UNICODE)
_GRAPHEME = regex.compile(r"\X")


@lru_cache(maxsize=4096)
def x_length(text: str) -> int:
    """The weighted length X uses (twitter-text v3: URLs 23, most CJK 2, emoji 2, NFC)."""
    from twitter_text import parse_tweet

    return int(parse_tweet(text).weightedLength)


def x_valid(text: str) -> bool:
    from twitter_text import parse_tweet

    return bool(parse_tweet(text).valid)


def mastodon_length(text: str) -> int:
    """Mastodon's count: code points, every URL as 23, ``@user@domain`` as ``@user``."""
    text = _MASTODON_MENTION.sub(lambda m: "@" + m.group(1), text)
    total = 0
    last = 0
    for match in _URL.finditer(text):
        total += len(text[last : match.start()]) + URL_WEIGHT
        last = match.end()
    return total + len(text[last:])


def grapheme_length(text: str) -> int:
    """User-perceived characters (extended grapheme clusters), as Bluesky counts them."""
    return len(_GRAPHEME.findall(unicodedata.normalize("NFC", text)))


def char_length(text: str) -> int:
    return len(text)


#: Limits of each built-in kind before a channel is configured (a Mastodon
#: instance may raise its own limit; the channel reads it from the instance).
_DEFAULTS: dict[str, tuple[int, str, bool]] = {
    "x": (280, "x", True),
    "mastodon": (500, "mastodon", True),
    "bluesky": (300, "grapheme", True),
    "facebook": (63206, "char", False),
    "webhook": (40000, "char", False),
    "outbox": (5000, "char", True),
}
_COUNTERS: dict[str, Callable[[str], int]] = {
    "x": x_length,
    "mastodon": mastodon_length,
    "grapheme": grapheme_length,
    "char": char_length,
}


def default_limits(kind: str) -> Limits:
    """The limits of a channel kind with default settings; unknown kinds count characters."""
    max_length, counter, threads = _DEFAULTS.get(kind, (40000, "char", False))
    return Limits(max_length=max_length, count=_COUNTERS[counter], threads=threads)
