"""The safe template language the sources share: ``{field}`` and ``{field:.N}``.

A template is parsed once into literal text and field references, and
rendering joins strings. Nothing here calls ``str.format`` on a template or a
value, so a placeholder can never reach into Python objects: ``{title.__class__}``,
``{link[0]}``, ``{0}`` and ``{title!r}`` are refused when the template is
parsed, and a value that looks like a template is copied as it is. The only
format spec is a length, ``.N``, which shortens the value at a word boundary
with an ellipsis (the ellipsis counts within N).

Each source chooses its fields, its size limit and whether lengths are
allowed (:class:`Syntax`), and words each :class:`Problem` for its own users.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from string import Formatter
from typing import Literal, NoReturn, TypeAlias

from publisher.errors import InvalidInput

ELLIPSIS = "…"
_LENGTH = re.compile(r"^\.(\d{1,5})$")


@dataclass(frozen=True)
class Field:
    """A placeholder: a field's name and, for ``{name:.N}``, the length N."""

    name: str
    limit: int | None = None


#: A parsed template is a sequence of these: literal text or a field.
Part: TypeAlias = str | Field


@dataclass(frozen=True)
class Syntax:
    """What one source's templates may contain."""

    fields: tuple[str, ...]
    #: The longest template accepted, in characters.
    max_chars: int
    #: Whether ``{field:.N}`` is allowed; without it, no format spec is.
    lengths: bool


ProblemKind = Literal["empty", "too long", "malformed", "unknown field", "conversion", "format"]


@dataclass(frozen=True)
class Problem:
    """Why a template was refused. ``name``, ``spec`` and ``conversion`` are the
    offending placeholder's (for the last three kinds); ``detail`` is the
    parser's own words (for ``malformed``)."""

    kind: ProblemKind
    name: str = ""
    spec: str = ""
    conversion: str = ""
    detail: str = ""


#: Words a :class:`Problem` as the one-line message of :class:`InvalidInput`.
Explain = Callable[[Problem], str]


def parse(source: str, syntax: Syntax, explain: Explain) -> tuple[Part, ...]:
    """``source`` as literal text and fields, in order.

    Raise :class:`InvalidInput` with ``explain(problem)`` for the first problem
    found: an empty or too long template, unbalanced braces, then, placeholder
    by placeholder, a field not in ``syntax.fields``, a conversion, or a format
    spec other than an allowed length.
    """

    def refuse(problem: Problem) -> NoReturn:
        raise InvalidInput(explain(problem))

    if not source.strip():
        refuse(Problem("empty"))
    if len(source) > syntax.max_chars:
        refuse(Problem("too long"))
    try:
        pieces = list(Formatter().parse(source))
    except ValueError as exc:
        refuse(Problem("malformed", detail=str(exc)))
    parts: list[Part] = []
    for literal, name, spec, conversion in pieces:
        if literal:
            parts.append(literal)
        if name is None:
            continue
        spec, conversion = spec or "", conversion or ""
        if name not in syntax.fields:
            refuse(Problem("unknown field", name, spec, conversion))
        if conversion:
            refuse(Problem("conversion", name, spec, conversion))
        limit = None
        if spec:
            match = _LENGTH.match(spec) if syntax.lengths else None
            if not match or int(match.group(1)) == 0:
                refuse(Problem("format", name, spec, conversion))
            limit = int(match.group(1))
        parts.append(Field(name, limit))
    return tuple(parts)


def render(parts: Sequence[Part], values: Mapping[str, str]) -> str:
    """The text: literals as they are, each field's value shortened to its length."""
    out: list[str] = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
            continue
        value = values[part.name]
        out.append(shorten(value, part.limit) if part.limit else value)
    return "".join(out)


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
