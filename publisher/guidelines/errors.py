"""Errors the guideline engine raises. Each message is one line a person can act on."""

from __future__ import annotations


class GuidelineError(Exception):
    """Base of every error raised by :mod:`publisher.guidelines`."""


class PackError(GuidelineError):
    """A guideline pack cannot be used: malformed TOML, an unknown kind or key, a bad regex.

    ``str(error)`` is one line saying where: the file, the rule (id and position)
    and the key, e.g. ``council.toml: rule 'jargon' (#2): key 'terms': ...``.
    """

    def __init__(
        self,
        problem: str,
        *,
        origin: str,
        rule: str | None = None,
        index: int | None = None,
        key: str | None = None,
    ) -> None:
        self.problem = problem
        self.origin = origin
        self.rule = rule
        self.index = index
        self.key = key
        where = [origin]
        if rule is not None or index is not None:
            label = f"rule {rule!r}" if rule is not None else "rule"
            where.append(f"{label} (#{index})" if index is not None else label)
        if key:
            where.append(f"key {key!r}")
        super().__init__(": ".join([*where, problem]))
