"""Guideline checks as the lifecycle runs them (the engine is :mod:`publisher.guidelines`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from publisher.service.context import Context


def run(
    ctx: Context, text: str, targets: Sequence[tuple[str, str]], source: str
) -> list[dict[str, Any]]:
    """Check ``text`` for ``targets`` (channel name, kind); return findings as dicts."""
    return []


def has_errors(findings: Sequence[dict[str, Any]]) -> bool:
    return any(f.get("severity") == "error" for f in findings)
