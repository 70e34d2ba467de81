"""The values the engine hands back: severities, findings, targets and lengths."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from channels.base import Limits

#: Where a post came from; tone bounds and rule filters are keyed by it.
Source = Literal["manual", "feed", "tip", "ticket"]
SOURCES: tuple[str, ...] = ("manual", "feed", "tip", "ticket")


class Severity(StrEnum):
    """How much a finding matters. Ordered: suggestion < warning < error."""

    SUGGESTION = "suggestion"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return _RANK[self]

    def __lt__(self, other: str) -> bool:
        return self.rank < Severity(other).rank

    def __le__(self, other: str) -> bool:
        return self.rank <= Severity(other).rank

    def __gt__(self, other: str) -> bool:
        return self.rank > Severity(other).rank

    def __ge__(self, other: str) -> bool:
        return self.rank >= Severity(other).rank


_RANK = {Severity.SUGGESTION: 0, Severity.WARNING: 1, Severity.ERROR: 2}


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing a rule found in a post.

    ``start``/``end`` are code-point offsets into the checked text (end
    exclusive); ``line`` and ``column`` are 1-based and point at ``start``.
    ``fix``, when not ``None``, is the text to put in place of the span.
    """

    rule: str
    severity: Severity
    message: str
    start: int
    end: int
    line: int
    column: int
    fix: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "severity": self.severity.value,
            "message": self.message,
            "start": self.start,
            "end": self.end,
            "line": self.line,
            "column": self.column,
            "fix": self.fix,
        }


@dataclass(frozen=True, slots=True)
class Target:
    """A channel a post is meant for.

    ``name`` is the configured channel's name (or its kind when unconfigured),
    ``kind`` the channel kind (``x``, ``mastodon``...). ``limits`` overrides the
    kind's default limits, e.g. a Mastodon instance with a higher limit.
    """

    name: str
    kind: str
    limits: Limits | None = None

    def matches(self, selectors: Iterable[str]) -> bool:
        """Whether a rule's ``channels`` list names this target, by name or by kind."""
        return any(s == self.name or s == self.kind for s in selectors)


@dataclass(frozen=True, slots=True)
class LengthInfo:
    """A post's length as one channel counts it."""

    length: int
    limit: int
    valid: bool

    def to_dict(self) -> dict[str, object]:
        return {"length": self.length, "limit": self.limit, "valid": self.valid}


def worst(findings: Iterable[Finding]) -> Severity | None:
    """The highest severity among ``findings``, or ``None`` when there are none."""
    return max((f.severity for f in findings), key=lambda s: s.rank, default=None)


def has_errors(findings: Iterable[Finding]) -> bool:
    """Whether any finding is error-level (such a post must not be approved as is)."""
    return any(f.severity is Severity.ERROR for f in findings)
