"""Ticket post templates: ``{field}`` placeholders only, checked when configured.

The language is :mod:`publisher.sources.templating`'s, without lengths: a
placeholder is one of :data:`FIELDS`, with no attribute access, indexing,
conversion or format spec, so a template can never reach into Python
objects. The rendered post is kept within :data:`MAX_LENGTH` characters by
shortening the ticket's text, then its title.
"""

from __future__ import annotations

import re
from string import Formatter

from publisher.errors import InvalidInput
from publisher.sources import templating
from publisher.sources.templating import Part, Problem, Syntax

FIELDS = ("id", "title", "status", "impact", "service", "text", "url", "updates")
FIRST = "[{id}] {impact}: {title}. Status: {status}.{updates}"
UPDATE = "[{id}] Update: {status}. {text}"
CLOSING = "[{id}] Resolved: {title}. {text}"
#: The tightest limit among the networks ticket posts go to (X: 280 weighted characters).
MAX_LENGTH = 280
MAX_TEMPLATE = 1000
SYNTAX = Syntax(fields=FIELDS, max_chars=MAX_TEMPLATE, lengths=False)
_SPACES = re.compile(r"[ \t]{2,}")


def _explain(what: str, problem: Problem) -> str:
    match problem.kind:
        case "empty":
            return f"the {what} is empty"
        case "too long":
            return f"the {what} is longer than {MAX_TEMPLATE} characters"
        case "malformed":
            return f"the {what} is malformed: {problem.detail} (write {{{{ for a literal brace)"
        case "unknown field" | "conversion" | "format":
            conversion = "!" + problem.conversion if problem.conversion else ""
            spec = ":" + problem.spec if problem.spec else ""
            return (
                f"the {what} has an unknown placeholder {{{problem.name}{conversion}{spec}}} "
                f"(known: {', '.join('{' + f + '}' for f in FIELDS)})"
            )


def _parse(template: str, what: str) -> tuple[Part, ...]:
    return templating.parse(template, SYNTAX, lambda problem: _explain(what, problem))


def check_template(template: str, what: str = "template") -> str:
    """Refuse a template with an unknown or unsafe placeholder, one clear line."""
    _parse(template, what)
    return template


def check_link_template(template: str) -> str:
    """A link per ticket, e.g. ``https://status.example.net/{id}`` (only ``{id}``)."""
    if not template:
        return template
    try:
        names = [n for _, n, _, _ in Formatter().parse(template) if n is not None]
    except ValueError as exc:
        raise InvalidInput(f"the link template is malformed: {exc}") from None
    if any(n != "id" for n in names) or not template.lower().startswith(("https://", "http://")):
        raise InvalidInput("the link template must be an http(s) URL with only {id} in it")
    return template


def _clean(text: str) -> str:
    lines = [_SPACES.sub(" ", line).strip() for line in text.splitlines()]
    return "\n".join(lines).strip()


def render(template: str, values: dict[str, str], limit: int = MAX_LENGTH) -> str:
    """Fill ``template``; shorten ``text`` then ``title`` until the post fits ``limit``.

    Raise :class:`InvalidInput` if ``template`` would not pass :func:`check_template`.
    """
    parts = _parse(template, "template")
    filled = {f: values.get(f, "") or "" for f in FIELDS}
    url = filled["url"]
    filled["updates"] = f" Updates: {url}" if url else ""
    text = _clean(templating.render(parts, filled))
    for name in ("text", "title"):
        over = len(text) - limit
        if over <= 0:
            break
        if filled[name]:
            filled[name] = templating.shorten(filled[name], max(0, len(filled[name]) - over))
            text = _clean(templating.render(parts, filled))
    return text if len(text) <= limit else text[: limit - 1] + "…"
