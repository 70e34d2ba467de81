"""The checker: a pack compiled once, then run on every keystroke."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from publisher.guidelines.model import SOURCES, Finding, LengthInfo, Target
from publisher.guidelines.pack import Pack
from publisher.guidelines.post import Post, line_column
from publisher.guidelines.rules import KINDS, RecentIndex, Rule, Settings
from publisher.guidelines.rules.duplicates import NearDuplicateOptions
from publisher.guidelines.rules.length import length_info


class Checker:
    """Runs a pack's enabled rules over posts.

    Build one per pack and keep it: rules, regular expressions and the index
    of recent posts are compiled once. ``phone_region`` is the ISO country
    used to read phone numbers written without ``+country``.
    """

    def __init__(self, pack: Pack, *, phone_region: str = "GB") -> None:
        import phonenumbers

        region = phone_region.upper()
        if region not in phonenumbers.SUPPORTED_REGIONS:
            raise ValueError(f"unknown phone region {phone_region!r}")
        self.pack = pack
        self.settings = Settings(phone_region=region)
        self.rules: tuple[Rule[Any], ...] = tuple(
            KINDS[options.kind](options, self.settings) for options in pack.enabled_rules
        )
        duplicate_rules = [
            r.options for r in self.rules if isinstance(r.options, NearDuplicateOptions)
        ]
        self._shingle = duplicate_rules[0].shingle if duplicate_rules else 2
        #: Days of sent posts worth passing as ``recent`` (0 when no rule looks at them).
        self.recent_days = max((o.days for o in duplicate_rules), default=0)
        self._recent_key: tuple[str, ...] | None = None
        self._recent_index: RecentIndex | None = None

    def index_recent(self, texts: Sequence[str]) -> RecentIndex:
        """Index sent posts once; pass the result as ``recent`` to many checks."""
        return RecentIndex(texts, self._shingle)

    def _recent(self, recent: Sequence[str] | RecentIndex) -> RecentIndex | None:
        if isinstance(recent, RecentIndex):
            return recent
        if not recent:
            return None
        key = tuple(recent)
        if key != self._recent_key or self._recent_index is None:
            # Keystrokes re-check against the same recent posts: index them once.
            self._recent_key, self._recent_index = key, self.index_recent(key)
        return self._recent_index

    def check(
        self,
        text: str,
        targets: Sequence[Target] = (),
        source: str = "manual",
        recent: Sequence[str] | RecentIndex = (),
    ) -> list[Finding]:
        """Findings for ``text`` posted to ``targets`` from ``source``, sorted by position.

        ``recent`` holds the texts sent in the last :attr:`recent_days` days
        (or an index of them from :meth:`index_recent`).
        """
        if source not in SOURCES:
            raise ValueError(f"unknown source {source!r} (known: {', '.join(SOURCES)})")
        post = Post(text, targets, source, self._recent(recent))
        findings: list[Finding] = []
        for rule in self.rules:
            if not rule.applies(post):
                continue
            custom = rule.options.message
            for hit in rule.check(post):
                line, column = line_column(text, hit.start)
                message = hit.message
                if custom is not None:
                    message = custom.replace("{match}", text[hit.start : hit.end])
                findings.append(
                    Finding(
                        rule=rule.id,
                        severity=hit.severity or rule.severity,
                        message=message,
                        start=hit.start,
                        end=hit.end,
                        line=line,
                        column=column,
                        fix=hit.fix,
                    )
                )
        findings.sort(key=lambda f: (f.start, f.end, -f.severity.rank, f.rule))
        return findings

    def lengths(self, text: str, targets: Sequence[Target]) -> dict[str, LengthInfo]:
        """The length of ``text`` as each target counts it, by target name."""
        return {target.name: length_info(text, target) for target in targets}
