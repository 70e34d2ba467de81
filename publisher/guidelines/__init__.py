"""Guideline checks for posts: a rule engine driven by TOML packs.

Typical use::

    pack = load_pack(None)                      # the default pack
    checker = Checker(pack, phone_region="GB")  # compile once
    findings = checker.check(text, targets=[Target("x", "x")], source="manual")
    if has_errors(findings): ...

This package imports no user interface; the CLI and the TUI show its results.
"""

from __future__ import annotations

from publisher.guidelines.checker import Checker
from publisher.guidelines.errors import GuidelineError, PackError
from publisher.guidelines.model import (
    SOURCES,
    Finding,
    LengthInfo,
    Severity,
    Source,
    Target,
    has_errors,
    worst,
)
from publisher.guidelines.pack import BUILTIN_PACKS, Pack, builtin_pack, load_pack, loads_pack
from publisher.guidelines.rules import RecentIndex

__all__ = [
    "BUILTIN_PACKS",
    "SOURCES",
    "Checker",
    "Finding",
    "GuidelineError",
    "LengthInfo",
    "Pack",
    "PackError",
    "RecentIndex",
    "Severity",
    "Source",
    "Target",
    "builtin_pack",
    "has_errors",
    "load_pack",
    "loads_pack",
    "worst",
]
