"""The feed post template: ``{title}``, ``{link}``, ``{summary:.120}``, ``{author}``, ``{tags}``.

The language is :mod:`publisher.sources.templating`'s, safe by construction:
``{title.__class__}`` or ``{link[0]}`` is refused when the feed is added, and
feed data is never formatted as a template. The only format spec is a
length, ``.N``. What is the feed's own: its fields, that a template must use
one of them, and :meth:`Template.fit`, which drops hashtags and then shortens
the summary until the post fits its channels.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from publisher.errors import InvalidInput
from publisher.sources import templating
from publisher.sources.feeds.text import tidy
from publisher.sources.templating import ELLIPSIS, Field, Part, Problem, Syntax, shorten

FIELDS = ("title", "link", "summary", "author", "tags")
DEFAULT = "{title} {link}"
MAX_TEMPLATE = 2000
SYNTAX = Syntax(fields=FIELDS, max_chars=MAX_TEMPLATE, lengths=True)


@dataclass(frozen=True)
class EntryText:
    """An entry's values, already sanitised to plain text."""

    title: str
    link: str
    summary: str
    author: str
    tags: tuple[str, ...] = ()


def _explain(source: str, problem: Problem) -> str:
    name = problem.name
    match problem.kind:
        case "empty":
            return "the template is empty (e.g. --template '{title} {link}')"
        case "too long":
            return f"the template is longer than {MAX_TEMPLATE} characters"
        case "malformed":
            return f"template {source!r}: {problem.detail} (write {{{{ or }}}} for a brace)"
        case "unknown field":
            return (
                f"template field {{{name}}} is not allowed: use only "
                + ", ".join(f"{{{f}}}" for f in FIELDS)
                + " (no attributes, indexes or code)"
            )
        case "conversion":
            return f"template field {{{name}!{problem.conversion}}}: no conversions"
        case "format":
            return (
                f"template field {{{name}:{problem.spec}}}: the only format is a length, "
                f"e.g. {{{name}:.120}}"
            )


class Template:
    """A parsed template. Build it with :meth:`parse`; rendering never fails."""

    def __init__(self, parts: Sequence[Part], source: str) -> None:
        self.parts = tuple(parts)
        self.source = source

    @classmethod
    def parse(cls, source: str) -> Template:
        """Parse ``source``; raise :class:`InvalidInput` with one line naming the problem."""
        parts = templating.parse(source, SYNTAX, lambda problem: _explain(source, problem))
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
        return tidy(templating.render(self.parts, values))

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
