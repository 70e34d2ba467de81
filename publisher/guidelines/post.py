"""A post under check, with the pieces several rules need parsed once, on demand."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from publisher.guidelines.model import Target
    from publisher.guidelines.rules.duplicates import RecentIndex


class Span(NamedTuple):
    start: int
    end: int
    text: str


_URL = re.compile(r"(?:\bhttps?://|\bwww\.)[^\s<>\"'`]+", re.IGNORECASE)
_URL_TAIL = ".,;:!?'\")]}>"
# A hashtag needs a letter (``#1`` is a number) and is not part of a word or an HTML entity.
_HASHTAG = re.compile(r"(?<![\w#&/])#(?=\w*[^\W\d_])\w+")
# ``@user`` or ``@user@instance.social``; never the local part of an email address.
_MENTION = re.compile(r"(?<![\w@.+-])@\w+(?:@[\w-]+(?:\.[\w-]+)+)?")


def _trim_url(match: re.Match[str]) -> Span:
    url = match.group()
    while url and url[-1] in _URL_TAIL:
        # A closing parenthesis belongs to the URL when it closes one opened inside it.
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break
        url = url[:-1]
    return Span(match.start(), match.start() + len(url), url)


class Post:
    """The text under check and its context; parsed parts are computed once, when asked."""

    def __init__(
        self,
        text: str,
        targets: Sequence[Target],
        source: str,
        recent: RecentIndex | None = None,
    ) -> None:
        self.text = text
        self.targets = targets
        self.source = source
        self.recent = recent

    @cached_property
    def urls(self) -> list[Span]:
        if "://" not in self.text and "www." not in self.text.lower():
            return []
        return [_trim_url(m) for m in _URL.finditer(self.text)]

    @cached_property
    def hashtags(self) -> list[Span]:
        return self._outside_urls("#", _HASHTAG)

    @cached_property
    def mentions(self) -> list[Span]:
        return self._outside_urls("@", _MENTION)

    def _outside_urls(self, marker: str, pattern: re.Pattern[str]) -> list[Span]:
        if marker not in self.text:
            return []
        found = (Span(m.start(), m.end(), m.group()) for m in pattern.finditer(self.text))
        return [s for s in found if not any(u.start <= s.start < u.end for u in self.urls)]

    @cached_property
    def prose(self) -> str:
        """The text with links, mentions and hashtags blanked out (offsets unchanged)."""
        spans = [*self.urls, *self.mentions, *self.hashtags]
        if not spans:
            return self.text
        chars = list(self.text)
        for span in spans:
            chars[span.start : span.end] = " " * (span.end - span.start)
        return "".join(chars)

    def targets_for(self, channels: Sequence[str] | None) -> list[Target]:
        """The targets a rule restricted to ``channels`` (names or kinds) applies to."""
        if channels is None:
            return list(self.targets)
        return [t for t in self.targets if t.matches(channels)]


def line_column(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a code-point offset."""
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column
