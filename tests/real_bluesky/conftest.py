"""Fixtures for the tests against the reference Bluesky stack (marker ``real_bluesky``).

Without npm, redis-server or PostgreSQL binaries they skip with the reason;
with ``OYEZ_REQUIRE_BLUESKY=1`` (CI) a missing tool is a failure instead.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from typing import NoReturn

import httpx
import pytest

from channels import registry
from channels.base import Channel
from tests.fakes.fixtures import TEST_TIMEOUT, Harness
from tests.real_bluesky.stack import Account, Stack, missing, new_account, start_stack

PREFIX = "OYEZ_REAL_BSKY"


def _unavailable(reason: str) -> NoReturn:
    message = f"real Bluesky stack unavailable: {reason}"
    if os.environ.get("OYEZ_REQUIRE_BLUESKY") == "1":
        pytest.fail(message + " (OYEZ_REQUIRE_BLUESKY=1)")
    pytest.skip(message)


@pytest.fixture(scope="session")
def real_stack() -> Iterator[Stack]:
    reason = missing()
    if reason:
        _unavailable(reason)
    began = time.monotonic()
    try:
        stack = start_stack()
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        _unavailable(f"install failed (tests/real_bluesky/install.sh): {exc}")
    print(f"\nreal Bluesky stack ready in {time.monotonic() - began:.1f} s")
    try:
        yield stack
    finally:
        stack.stop()


@pytest.fixture
def account(real_stack: Stack) -> Account:
    return new_account(real_stack)


def real_channel(
    stack: Stack, account: Account, *, password: str | None = None, **extra: object
) -> Channel:
    settings: dict[str, object] = {"api_base_url": stack.pds_url, "credentials": f"env:{PREFIX}"}
    settings |= {"timeout": TEST_TIMEOUT, **extra}
    env = {
        f"{PREFIX}_HANDLE": account.handle,
        f"{PREFIX}_APP_PASSWORD": password or account.app_password,
    }
    return registry.build("bluesky", settings, env)


def records(stack: Stack, account: Account) -> list[dict[str, object]]:
    """The account's post records on its PDS (no AppView lag), oldest first."""
    answer = httpx.get(
        stack.pds_url + "/xrpc/com.atproto.repo.listRecords",
        params={"repo": account.did, "collection": "app.bsky.feed.post", "limit": 100},
        timeout=30,
    )
    answer.raise_for_status()
    return [r["value"] for r in reversed(answer.json()["records"])]


@pytest.fixture
def channel(real_stack: Stack, account: Account) -> Iterator[Channel]:
    built = real_channel(real_stack, account)
    try:
        yield built
    finally:
        built.close()


@pytest.fixture
def harness(real_stack: Stack, account: Account, channel: Channel) -> Harness:
    """The contract tests' harness, on the real stack (overrides tests/fakes' one)."""
    return Harness(
        "bluesky", channel, lambda: [str(r["text"]) for r in records(real_stack, account)]
    )
