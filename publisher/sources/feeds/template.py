"""The post template: ``{title}``, ``{link}``, ``{summary:.120}``, ``{author}``, ``{tags}``.

The language is safe by construction: a template is parsed once into literal
text and field references, and rendering joins strings. It never calls
``str.format`` on feed data, so there is no attribute access, no indexing and
no code: ``{title.__class__}`` or ``{link[0]}`` is refused when the feed is
added. The only format spec is a length, ``.N``, which shortens the value at
a word boundary with an ellipsis (the ellipsis counts within N).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from string import Formatter

from publisher.errors import InvalidInput
from publisher.sources.feeds.text import tidy

FIELDS = ("title", "link", "summary", "author", "tags")
DEFAULT = "{title} {link}"
MAX_TEMPLATE = 2000
_SPEC = re.compile(r"^\.(\d{1,5})$")
ELLIPSIS = "…"


@dataclass(frozen=True)
class Field:
    name: str
    limit: int | None = None


@dataclass(frozen=True)
class EntryText:
    """An entry's values, already sanitised to plain text."""

    title: str
    link: str
    summary: str
    author: str
    tags: tuple[str, ...] = ()


def shorten(text: str, limit: int) -> str:
    """``text`` in at most ``limit`` characters, cut at a word boundary with an ellipsis."""
    if len(text) <= limit:
        return text
    if limit <= len(ELLIPSIS):
        return ELLIPSIS[:limit]
    cut = text[: limit - len(ELLIPSIS)]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-–—") + ELLIPSIS


class Template:
    """A parsed template. Build it with :meth:`parse`; rendering never fails."""

    def __init__(self, parts: list[str | Field], source: str) -> None:
        self.parts = parts
        self.source = source

    @classmethod
    def parse(cls, source: str) -> Template:
        """Parse ``source``; raise :class:`InvalidInput` with one line naming the problem."""
        if not source.strip():
            raise InvalidInput("the template is empty (e.g. --template '{title} {link}')")
        if len(source) > MAX_TEMPLATE:
            raise InvalidInput(f"the template is longer than {MAX_TEMPLATE} characters")
        try:
            pieces = list(Formatter().parse(source))
        except ValueError as exc:
            raise InvalidInput(
                f"template {source!r}: {exc} (write {{{{ or }}}} for a brace)"
            ) from None
        parts: list[str | Field] = []
        for literal, name, spec, conversion in pieces:
            if literal:
                parts.append(literal)
            if name is None:
                continue
            if name not in FIELDS:
                raise InvalidInput(
                    f"template field {{{name}}} is not allowed: use only "
                    + ", ".join(f"{{{f}}}" for f in FIELDS)
                    + " (no attributes, indexes or code)"
                )
            if conversion:
                raise InvalidInput(f"template field {{{name}!{conversion}}}: no conversions")
            limit = None
            if spec:
                match = _SPEC.match(spec)
                if not match or int(match.group(1)) == 0:
                    raise InvalidInput(
                        f"template field {{{name}:{spec}}}: the only format is a length, "
                        f"e.g. {{{name}:.120}}"
                    )
                limit = int(match.group(1))
            parts.append(Field(name, limit))
        if not any(isinstance(p, Field) for p in parts):
            raise InvalidInput(f"template {source!r} uses no field: add {{title}} or {{link}}")
        return cls(parts, source)

    @property
    def fields(self) -> set[str]:
        return {p.name for p in self.parts if isinstance(p, Field)}

    def render(self, entry: EntryText, *, tags: tuple[str, ...] | None = None) -> str:
        """The post text; ``tags`` replaces the entry's hashtags when given."""
        values = {
            "title": entry.title,
            "link": entry.link,
            "summary": entry.summary,
            "author": entry.author,
            "tags": " ".join(entry.tags if tags is None else tags),
        }
        out: list[str] = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
                continue
            value = values[part.name]
            out.append(shorten(value, part.limit) if part.limit else value)
        return tidy("".join(out))

    def fit(self, entry: EntryText, fits: Callable[[str], bool]) -> str:
        """Render so that ``fits`` accepts the text, if it can be done.

        Hashtags go first, longest first (a later one among equals first); then
        the summary is shortened. If even that is not enough, the shortest
        version is returned and the length check on submission will say so.
        """
        tags = list(entry.tags) if "tags" in self.fields else []
        text = self.render(entry, tags=tuple(tags))
        while not fits(text) and tags:
            longest = max(range(len(tags)), key=lambda i: (len(tags[i]), i))
            del tags[longest]
            text = self.render(entry, tags=tuple(tags))
        if fits(text) or "summary" not in self.fields or not entry.summary:
            return text

        def with_summary(length: int) -> str:
            summary = shorten(entry.summary, length) if length > len(ELLIPSIS) else ""
            return self.render(replace(entry, summary=summary), tags=())

        best = with_summary(0)
        low, high = 0, len(entry.summary)
        # The longest summary that still fits, found by bisection.
        while low < high:
            middle = (low + high + 1) // 2
            candidate = with_summary(middle)
            if fits(candidate):
                best, low = candidate, middle
            else:
                high = middle - 1
        return best
