"""Word choice: terms a pack bans, and terms it prefers (with the fix)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Literal

from pydantic import Field, ValidationInfo, field_validator

from publisher.guidelines.post import Post
from publisher.guidelines.rules.base import (
    Hit,
    Rule,
    RuleOptions,
    Settings,
    check_regex,
    squash,
    terms_pattern,
)


class BannedOptions(RuleOptions):
    kind: Literal["banned"] = "banned"
    #: Treat each term as a regular expression instead of a literal phrase.
    regex: bool = False
    case_sensitive: bool = False
    #: Words or phrases that must not appear (whole words, any case unless ``case_sensitive``).
    terms: tuple[str, ...] = Field(min_length=1)

    @field_validator("terms")
    @classmethod
    def _terms_are_usable(cls, terms: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        for term in terms:
            if not term.strip():
                raise ValueError("a term is empty")
            if info.data.get("regex"):
                check_regex(term)
        return terms


class BannedRule(Rule[BannedOptions]):
    kind = "banned"
    options_model = BannedOptions

    def __init__(self, options: BannedOptions, settings: Settings) -> None:
        super().__init__(options, settings)
        flags = 0 if options.case_sensitive else re.IGNORECASE
        if options.regex:
            self._pattern = re.compile("|".join(f"(?:{t})" for t in options.terms), flags)
        else:
            self._pattern = terms_pattern(options.terms, case_sensitive=options.case_sensitive)

    def check(self, post: Post) -> Iterator[Hit]:
        for m in self._pattern.finditer(post.text):
            if m.end() > m.start():
                yield Hit(m.start(), m.end(), f"Avoid “{m.group()}”")


class PreferredOptions(RuleOptions):
    kind: Literal["preferred"] = "preferred"
    #: Term found -> term to use instead, e.g. ``{ "e-mail" = "email" }``.
    swap: dict[str, str] = Field(min_length=1)
    case_sensitive: bool = False

    @field_validator("swap")
    @classmethod
    def _no_empty_terms(cls, swap: dict[str, str]) -> dict[str, str]:
        if any(not k.strip() for k in swap):
            raise ValueError("a term to replace is empty")
        return swap


class PreferredRule(Rule[PreferredOptions]):
    kind = "preferred"
    options_model = PreferredOptions

    def __init__(self, options: PreferredOptions, settings: Settings) -> None:
        super().__init__(options, settings)
        self._pattern = terms_pattern(options.swap, case_sensitive=options.case_sensitive)
        self._swap = {
            squash(k) if not options.case_sensitive else k: v for k, v in options.swap.items()
        }

    def check(self, post: Post) -> Iterator[Hit]:
        for m in self._pattern.finditer(post.text):
            found = m.group()
            key = " ".join(found.split()) if self.options.case_sensitive else squash(found)
            preferred = self._swap.get(key)
            if preferred is None:
                continue
            fix = _match_case(found, preferred)
            yield Hit(m.start(), m.end(), f"Prefer “{preferred}” to “{found}”", fix)


def _match_case(found: str, preferred: str) -> str:
    """Carry the capitalisation of what was written over to its replacement."""
    if found.isupper() and len(found) > 1:
        return preferred.upper()
    if found[:1].isupper() and preferred[:1].islower():
        return preferred[:1].upper() + preferred[1:]
    return preferred
