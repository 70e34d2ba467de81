"""Length per target channel, counted by the channel's own counter.

X's counter (twitter-text) costs about a millisecond a call, more than a
whole check may take; the channel's cheap upper bound (:attr:`Limits.bounds`)
settles nearly every post and the exact count only runs for posts near or
over the limit. A channel that threads long posts itself (:attr:`Limits.threads`)
takes a text whose numbered parts each fit.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from functools import cache
from typing import Literal

from pydantic import Field

from channels.base import Limits
from channels.length import default_limits
from channels.split import split_for_thread
from publisher.guidelines.model import LengthInfo, Severity, Target
from publisher.guidelines.post import Post
from publisher.guidelines.rules.base import Hit, Rule, RuleOptions


@cache
def _default_limits(kind: str) -> Limits:
    return default_limits(kind)


def limits_for(target: Target) -> Limits:
    """The target's own limits, or its kind's defaults."""
    return target.limits if target.limits is not None else _default_limits(target.kind)


def length_info(text: str, target: Target) -> LengthInfo:
    """The length as the target counts it; ``valid`` also needs the network to take the text."""
    limits = limits_for(target)
    length = limits.count(text)
    valid = length <= limits.max_length and limits.bytes_fit(text)
    if valid and limits.refuses is not None:
        valid = limits.refuses(text) is None
    return LengthInfo(length=length, limit=limits.max_length, valid=valid)


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


def _parts_fit(text: str, limits: Limits) -> bool:
    return all(limits.fits(part) for part in split_for_thread(text, limits, numbered=True))


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
                limits = replace(limits, max_length=own)
            refused = limits.refuses(post.text) if limits.refuses and post.text else None
            if refused is not None:  # never hidden by the cheap bounds below
                yield Hit(0, len(post.text), f"Not accepted by {target.name}: {refused}")
                continue
            if limits.fits(post.text):  # the cheap bounds first, the exact count if need be
                continue
            if limits.threads and _parts_fit(post.text, limits):
                continue  # posted as a numbered thread; compose previews the parts
            length = limits.count(post.text)
            if length <= limits.max_length and limits.max_bytes is not None:
                size = len(post.text.encode("utf-8"))
                yield Hit(
                    0,
                    len(post.text),
                    f"Too long for {target.name}: {size} of {limits.max_bytes} bytes"
                    f" ({length} characters)",
                )
                continue
            start = min(overflow_start(post.text, limits), max(len(post.text) - 1, 0))
            yield Hit(
                start,
                len(post.text),
                f"Too long for {target.name}: {length} of {limits.max_length} characters",
            )
