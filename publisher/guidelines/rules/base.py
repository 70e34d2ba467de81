"""What every rule kind shares: the common options, the hit a rule reports, the base class."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar, Generic, NamedTuple, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from publisher.guidelines.model import Severity, Source
from publisher.guidelines.post import Post


class RuleOptions(BaseModel):
    """Keys every ``[[rule]]`` table may have. Unknown keys are refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: Stable name of the rule; a pack that extends another overrides rules by id.
    id: str = Field(min_length=1)
    #: Which rule kind this is (``banned``, ``length``...).
    kind: str
    severity: Severity = Severity.WARNING
    #: Replaces the rule's own message; ``{match}`` stands for the text found.
    message: str | None = None
    enabled: bool = True
    #: Only for posts to these channels (configured names or kinds); all when absent.
    channels: tuple[str, ...] | None = None
    #: Only for posts from these sources; all when absent.
    sources: tuple[Source, ...] | None = None


class Hit(NamedTuple):
    """What a rule reports; the checker adds the rule id, severity, line and column."""

    start: int
    end: int
    message: str
    fix: str | None = None
    #: Set for a note below the rule's own severity (e.g. "not checked: …").
    severity: Severity | None = None


@dataclass(frozen=True)
class Settings:
    """What the caller of the checker decides, not the pack."""

    phone_region: str = "GB"


OptionsT = TypeVar("OptionsT", bound=RuleOptions)


class Rule(ABC, Generic[OptionsT]):
    """A compiled rule: built once per checker, then run on every post."""

    kind: ClassVar[str]
    options_model: ClassVar[type[RuleOptions]]

    def __init__(self, options: OptionsT, settings: Settings) -> None:
        self.options = options
        self.settings = settings

    @property
    def id(self) -> str:
        return self.options.id

    @property
    def severity(self) -> Severity:
        return self.options.severity

    def applies(self, post: Post) -> bool:
        sources = self.options.sources
        if sources is not None and post.source not in sources:
            return False
        channels = self.options.channels
        return channels is None or bool(post.targets_for(channels))

    @abstractmethod
    def check(self, post: Post) -> Iterable[Hit]:
        """Hits in any order; the checker sorts them."""


def terms_pattern(terms: Iterable[str], *, case_sensitive: bool) -> re.Pattern[str]:
    """One alternation matching any of ``terms`` as whole words, longest first.

    Spaces in a term match any run of whitespace, so a line break inside a
    phrase still matches.
    """
    parts = sorted({t.strip() for t in terms if t.strip()}, key=len, reverse=True)
    body = "|".join(r"\s+".join(re.escape(w) for w in p.split()) for p in parts)
    flags = 0 if case_sensitive else re.IGNORECASE
    return re.compile(rf"(?<![\w-])(?:{body})(?![\w-])", flags)


def squash(term: str) -> str:
    """A term's lookup key: lower case, single spaces."""
    return " ".join(term.lower().split())


def check_regex(pattern: str) -> re.Pattern[str]:
    """Compile ``pattern``; a bad one becomes a ValueError naming the problem."""
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"bad regular expression {pattern!r}: {exc}") from None
