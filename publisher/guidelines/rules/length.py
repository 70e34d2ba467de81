"""Length per target channel, counted by the channel's own counter.

X's counter (twitter-text) costs about a millisecond a call, more than a
whole check may take; cheap upper bounds settle nearly every post and the
exact count only runs for posts near or over the limit.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import cache
from typing import Literal

from pydantic import Field

from channels.base import Limits
from channels.length import URL_WEIGHT, default_limits, x_length
from publisher.guidelines.model import LengthInfo, Severity, Target
from publisher.guidelines.post import Post
from publisher.guidelines.rules.base import Hit, Rule, RuleOptions

_DOT_IN_NAME = re.compile(r"\.[A-Za-z0-9]")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@cache
def _default_limits(kind: str) -> Limits:
    return default_limits(kind)


def limits_for(target: Target) -> Limits:
    """The target's own limits, or its kind's defaults."""
    return target.limits if target.limits is not None else _default_limits(target.kind)


def length_info(text: str, target: Target) -> LengthInfo:
    limits = limits_for(target)
    length = limits.count(text)
    return LengthInfo(length=length, limit=limits.max_length, valid=length <= limits.max_length)


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


def surely_fits(text: str, limits: Limits) -> bool:
    """True when ``text`` fits without running an expensive counter; False means 'count it'."""
    # The other built-in counters are cheap enough to run every time.
    if limits.count is not x_length:
        return False
    return x_upper_bound(text) <= limits.max_length or x_link_bound(text) <= limits.max_length


def overflow_start(text: str, limits: Limits) -> int:
    """Offset of the first character past the limit (binary search over prefixes)."""
    lo, hi = 0, len(text)
    while lo < hi:
        mid = (lo + hi) // 2
        if limits.count(text[: mid + 1]) > limits.max_length:
            hi = mid
        else:
            lo = mid + 1
    return lo


class LengthOptions(RuleOptions):
    kind: Literal["length"] = "length"
    severity: Severity = Severity.ERROR
    #: Tighter limits than the channels' own, by channel name or kind, e.g. ``{ x = 260 }``.
    max: dict[str, int] = Field(default_factory=dict)


class LengthRule(Rule[LengthOptions]):
    kind = "length"
    options_model = LengthOptions

    def check(self, post: Post) -> Iterator[Hit]:
        for target in post.targets_for(self.options.channels):
            limits = limits_for(target)
            own = self.options.max.get(target.name, self.options.max.get(target.kind))
            if own is not None and own < limits.max_length:
                limits = Limits(max_length=own, count=limits.count)
            if surely_fits(post.text, limits):
                continue
            length = limits.count(post.text)
            if length <= limits.max_length:
                continue
            start = min(overflow_start(post.text, limits), max(len(post.text) - 1, 0))
            yield Hit(
                start,
                len(post.text),
                f"Too long for {target.name}: {length} of {limits.max_length} characters",
            )
