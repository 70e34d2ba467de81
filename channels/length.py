"""Length, counted the way each network counts it."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import replace
from functools import lru_cache

import regex  # type: ignore[import-untyped]  # no stubs published

from channels.base import Limits

#: X counts every URL as this many characters (t.co wrapping).
URL_WEIGHT = 23

_URL = re.compile(r"https?://[^\s<>\"]+", re.IGNORECASE)
_DOT_IN_NAME = re.compile(r"\.[A-Za-z0-9]")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_MASTODON_MENTION = re.compile(r"(?<![\w/])@(\w+)@[\w.-]+\w", re.UNICODE)
_GRAPHEME = regex.compile(r"\X")


@lru_cache(maxsize=4096)
def x_length(text: str) -> int:
    """The weighted length X uses (twitter-text v3: URLs 23, most CJK 2, emoji 2, NFC)."""
    from twitter_text import parse_tweet

    return int(parse_tweet(text).weightedLength)


def _weight(text: str) -> int:
    """Every code point as 1 if ASCII, else 2: never less than X's weight for it."""
    return len(text) if text.isascii() else len(text) + sum(1 for ch in text if ord(ch) > 127)


def x_upper_bound(text: str) -> int:
    """A length X will never exceed for ``text``, in a few microseconds.

    X weighs a character 1 or 2 (ASCII always 1), an emoji sequence 2 and a
    link 23 instead of its characters. Counting every non-ASCII code point as
    2 over-counts characters and emoji. A link starts with ``http(s)://`` (at
    least 11 characters, ``http://a.co``) or is a bare domain with a dot (at
    least 4, ``a.co``), so each ``://`` adds at most 12 and each dot before a
    letter or digit at most 19 to the characters already counted.
    """
    text = unicodedata.normalize("NFC", text)
    schemes, dots = text.count("://"), len(_DOT_IN_NAME.findall(text))
    return _weight(text) + (URL_WEIGHT - 11) * schemes + (URL_WEIGHT - 4) * dots


def x_link_bound(text: str) -> int:
    """A tighter bound than :func:`x_upper_bound`, from twitter-text's own link finder."""
    from twitter_text.extract_urls import extract_urls_with_indices

    # The same text parse_tweet measures: NFC, one newline per line break.
    text = _LINE_BREAK.sub("\n", unicodedata.normalize("NFC", text))
    weight, last = 0, 0
    for entity in extract_urls_with_indices(text):
        start, end = entity["indices"]
        weight += _weight(text[last:start]) + URL_WEIGHT
        last = end
    return weight + _weight(text[last:])


#: X's cheap bounds, cheapest first: the link finder only runs when the first is too crude.
X_BOUNDS = (x_upper_bound, x_link_bound)


def x_valid(text: str) -> bool:
    from twitter_text import parse_tweet

    return bool(parse_tweet(text).valid)


def x_refuses(text: str) -> str | None:
    """Why X refuses ``text`` whatever its length, or ``None``.

    twitter-text calls a text invalid for its length (see :func:`x_length`),
    for being empty, and for the characters of its ``invalid_chars`` set
    (U+FFFE, U+FEFF, U+FFFF). Directional marks (U+202A-U+202E, U+2066-U+2069)
    are not among them: its conformance data counts them as valid.
    """
    from twitter_text.regexp.invalid_chars import invalid_chars

    if not text:
        return "X takes no post without text"
    found = invalid_chars.search(unicodedata.normalize("NFC", text))
    if found is None:
        return None
    return f"X refuses the character U+{ord(found.group()):04X} (at character {found.start() + 1})"


def x_limits(max_length: int = 280, count: Callable[[str], int] = x_length) -> Limits:
    """X's limits: weighted length with its cheap bounds, threads, and what it refuses."""
    return Limits(max_length=max_length, count=count, bounds=X_BOUNDS, refuses=x_refuses)


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
    "x": (280, "x", False),
    "mastodon": (500, "mastodon", False),
    "bluesky": (300, "grapheme", True),
    "facebook": (63206, "char", False),
    "webhook": (40000, "char", False),
    "outbox": (5000, "char", False),
}
_COUNTERS: dict[str, Callable[[str], int]] = {
    "x": x_length,
    "mastodon": mastodon_length,
    "grapheme": grapheme_length,
    "char": char_length,
}


#: Bluesky's limits: 300 graphemes *and* 3,000 UTF-8 bytes of text; images up to 2,000,000 bytes.
BLUESKY_GRAPHEMES = 300
BLUESKY_BYTES = 3000
BLUESKY_IMAGE_BYTES = 2_000_000


def bluesky_limits() -> Limits:
    """Bluesky's limits: graphemes and bytes (300 Devanagari graphemes can be 5,400 bytes)."""
    return Limits(
        max_length=BLUESKY_GRAPHEMES,
        count=grapheme_length,
        max_media=4,
        threads=True,
        max_bytes=BLUESKY_BYTES,
        max_media_bytes=BLUESKY_IMAGE_BYTES,
    )


def default_limits(kind: str) -> Limits:
    """The limits of a channel kind with default settings; unknown kinds count characters."""
    max_length, counter, threads = _DEFAULTS.get(kind, (40000, "char", False))
    if counter == "x":
        return x_limits(max_length)
    if kind == "bluesky":
        return bluesky_limits()
    return Limits(max_length=max_length, count=_COUNTERS[counter], threads=threads)


#: The setting that holds a channel's own length limit, by kind (``None``: the kind has none).
LENGTH_SETTING: dict[str, str] = {"x": "max_length", "outbox": "max_length"}
MASTODON_LENGTH_SETTING = "max_characters"


def configured_limits(
    kind: str, settings: Mapping[str, object], fetched: int | None = None
) -> Limits:
    """The limits a configured channel enforces, without building it (no credentials, no network).

    The channel's own length setting wins (``max_length``; a Mastodon channel's
    ``max_characters``), then a limit ``fetched`` from the network (a Mastodon
    instance's), then the kind's default. A webhook's limit follows its style.
    """
    base = default_limits(kind)
    key = MASTODON_LENGTH_SETTING if kind == "mastodon" else LENGTH_SETTING.get(kind)
    own = settings.get(key) if key else None
    if kind == "webhook":
        from channels.webhook import MAX_LENGTH

        own = MAX_LENGTH.get(str(settings.get("style", "json")))
    if isinstance(own, int) and not isinstance(own, bool) and own > 0:
        return replace(base, max_length=own)
    if fetched is not None and fetched > 0:
        return replace(base, max_length=fetched)
    return base
