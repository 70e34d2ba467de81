"""Inbox routing: the ``[[route]]`` tables of a guideline pack.

A route matches an inbox item's text by keyword (a word or phrase, any case;
a list means any of them) or by regular expression, and then tags it,
assigns it to a person, or marks it urgent (any of the three)::

    [[route]]
    keyword = ["food poisoning", "phishing"]
    tag = "csirt"
    assign = "csirt"
    urgent = true
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from publisher.guidelines.errors import PackError


class Route(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    #: A name for the route in events; defaults to its position.
    id: str = ""
    keyword: tuple[str, ...] = ()
    regex: str | None = None
    tag: str | None = None
    assign: str | None = None
    urgent: bool = False

    @field_validator("keyword", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return (value,) if isinstance(value, str) else value

    @field_validator("regex")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"not a regular expression: {exc}") from None
        return value

    @model_validator(mode="after")
    def _complete(self) -> Route:
        if bool(self.keyword) == (self.regex is not None):
            raise ValueError("a route needs a keyword or a regex (one of them)")
        if any(not k.strip() for k in self.keyword):
            raise ValueError("a keyword may not be empty")
        if not (self.tag or self.assign or self.urgent):
            raise ValueError("a route needs tag, assign or urgent = true")
        return self

    def matches(self, text: str) -> bool:
        if self.regex is not None:
            return re.search(self.regex, text, re.IGNORECASE) is not None
        folded = text.casefold()
        return any(k.casefold() in folded for k in self.keyword)


def parse_route(table: dict[str, Any], origin: str, index: int) -> Route:
    """A validated route; :class:`PackError` naming the table and key otherwise."""
    try:
        return Route.model_validate({"id": f"route-{index}", **table})
    except ValidationError as exc:
        error = exc.errors()[0]
        key = ".".join(str(part) for part in error["loc"]) or None
        problem = "unknown key" if error["type"] == "extra_forbidden" else error["msg"]
        problem = problem.removeprefix("Value error, ")
        raise PackError(problem, origin=origin, rule=f"route {index}", key=key) from None


@dataclass(frozen=True)
class Routing:
    """What the routes that matched say: tags, one assignee (the first), urgency."""

    tags: tuple[str, ...] = ()
    assignee: str | None = None
    urgent: bool = False
    matched: tuple[str, ...] = field(default=())


def route(routes: Sequence[Route], text: str) -> Routing:
    tags: list[str] = []
    assignee: str | None = None
    urgent = False
    matched: list[str] = []
    for r in routes:
        if not r.matches(text):
            continue
        matched.append(r.id)
        if r.tag and r.tag not in tags:
            tags.append(r.tag)
        assignee = assignee or r.assign
        urgent = urgent or r.urgent
    return Routing(tuple(tags), assignee, urgent, tuple(matched))
