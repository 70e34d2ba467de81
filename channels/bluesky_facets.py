"""Rich-text facets for Bluesky: where the links and hashtags are, in UTF-8 bytes.

Bluesky does not find links in post text itself; a post carries facets that
point at byte ranges of the UTF-8 encoded text (not character offsets: an
``é`` before a link moves it by two bytes, an emoji by four).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import regex  # type: ignore[import-untyped]  # no stubs published

_LINK = regex.compile(r"https?://[^\s<>\"'`]+", regex.IGNORECASE)
_TAG = regex.compile(r"(?<!\S)[#＃]((?:(?![#＃])\S)+)")
_TRAILING = regex.compile(r"[\p{P}--[/\-_]]+$", regex.VERSION1)
MAX_TAG_LENGTH = 64


@dataclass(frozen=True)
class Facet:
    """A link or hashtag at ``byte_start:byte_end`` of the UTF-8 encoded text."""

    kind: Literal["link", "tag"]
    value: str
    byte_start: int
    byte_end: int


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def _trim_link(link: str) -> str:
    link = link.rstrip(".,;:!?")
    # A closing parenthesis ends a link unless the link opened one: "(see https://x.y/a)".
    while link.endswith(")") and link.count("(") < link.count(")"):
        link = link[:-1].rstrip(".,;:!?")
    return link


def find_facets(text: str) -> list[Facet]:
    """The links and hashtags in ``text``, in order, with UTF-8 byte offsets."""
    found: list[Facet] = []
    for match in _LINK.finditer(text):
        link = _trim_link(match.group(0))
        start = match.start()
        found.append(
            Facet("link", link, _byte_offset(text, start), _byte_offset(text, start + len(link)))
        )
    taken = [(f.byte_start, f.byte_end) for f in found]
    for match in _TAG.finditer(text):
        tag = _TRAILING.sub("", match.group(1))
        if not tag or tag.isdigit() or len(tag) > MAX_TAG_LENGTH:
            continue
        start = match.start()
        end = match.start(1) + len(tag)
        byte_start, byte_end = _byte_offset(text, start), _byte_offset(text, end)
        if any(s < byte_end and byte_start < e for s, e in taken):
            continue  # a "#fragment" inside a link is part of the link
        found.append(Facet("tag", tag, byte_start, byte_end))
    return sorted(found, key=lambda facet: facet.byte_start)
