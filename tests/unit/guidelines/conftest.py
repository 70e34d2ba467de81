"""Checkers built once per test session: building one compiles a whole pack."""

from __future__ import annotations

import pytest

from publisher.guidelines import Checker, Finding, Target, builtin_pack, load_pack, loads_pack

X = [Target(name="x", kind="x")]


@pytest.fixture(scope="session")
def default_checker() -> Checker:
    return Checker(load_pack(None), phone_region="GB")


@pytest.fixture(scope="session")
def council_checker() -> Checker:
    return Checker(builtin_pack("example-council"), phone_region="GB")


def only(rule_toml: str, *, region: str = "GB") -> Checker:
    """A checker with just the rules in ``rule_toml`` (no default pack underneath)."""
    return Checker(loads_pack(rule_toml), phone_region=region)


def rules_of(findings: list[Finding]) -> list[str]:
    return [f.rule for f in findings]
