"""Guideline checks as the lifecycle runs them (the engine is :mod:`publisher.guidelines`).

The pack is loaded once per (pack file, phone region) and reused; the texts
sent in the near-duplicate window are read from the archive on each check.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from publisher.context import Context
from publisher.errors import InvalidInput
from publisher.guidelines import SOURCES, Checker, PackError, RecentIndex, Target, load_pack
from queue_db.deliveries import read


@lru_cache(maxsize=8)
def _checker(pack: str, region: str) -> Checker:
    try:
        return Checker(load_pack(Path(pack) if pack else None), phone_region=region)
    except PackError as exc:
        raise InvalidInput(f"guideline pack: {exc}") from None


def checker_for(ctx: Context) -> Checker:
    """The Checker for this context's guideline settings (cached)."""
    g = ctx.settings.guidelines
    return _checker(g.pack, g.phone_region)


def recent_texts(ctx: Context, checker: Checker) -> list[str]:
    if not checker.recent_days:
        return []
    since = ctx.clock() - timedelta(days=checker.recent_days)
    with ctx.tx() as tx:
        return read.recent_sent_texts(tx, since)


def recent_index(ctx: Context) -> RecentIndex:
    """The sent texts of the near-duplicate window, indexed once for many checks."""
    checker = checker_for(ctx)
    return checker.index_recent(recent_texts(ctx, checker))


def run(
    ctx: Context,
    text: str,
    targets: Sequence[Target],
    source: str,
    *,
    recent: RecentIndex | None = None,
) -> list[dict[str, Any]]:
    """Check ``text`` for ``targets`` (with each channel's own limits); return findings as dicts.

    ``recent`` is :func:`recent_index`, when a caller checking many posts
    read the sent texts once; else they are read here.
    """
    checker = checker_for(ctx)
    findings = checker.check(
        text,
        targets=list(targets),
        source=source if source in SOURCES else "manual",
        recent=recent_texts(ctx, checker) if recent is None else recent,
    )
    return [f.to_dict() for f in findings]


def has_errors(findings: Sequence[dict[str, Any]]) -> bool:
    return any(f.get("severity") == "error" for f in findings)
