"""pytest fixtures that start a local API double and build a channel against it.

Import the fixtures you need into a ``conftest.py``::

    from tests.fakes.fixtures import x_double, x_channel  # noqa: F401

Outside pytest (or for a subprocess such as ``oyez run``), use the double directly::

    with XDouble() as x:
        settings = x.channel_settings(prefix="OYEZ_X", timeout=1.0)
        env = x.environ("OYEZ_X")          # fake credentials the double accepts
        x.faults.randomly(0.2, seed=3)     # 20 % of requests fail transiently
        ...
        x.texts()                          # what was published, oldest first
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from channels import registry
from channels.base import Channel, Rendered
from tests.fakes.bluesky import BlueskyDouble
from tests.fakes.facebook import FacebookDouble
from tests.fakes.linkedin import LinkedInDouble
from tests.fakes.mastodon import MastodonDouble
from tests.fakes.server import FakeAPI
from tests.fakes.webhook import WebhookDouble
from tests.fakes.x import XDouble

#: The double of every network channel kind.
DOUBLES: dict[str, type[FakeAPI]] = {
    "x": XDouble,
    "facebook": FacebookDouble,
    "mastodon": MastodonDouble,
    "bluesky": BlueskyDouble,
    "webhook": WebhookDouble,
    "linkedin": LinkedInDouble,
}
#: Client timeout for tests that expect answers: generous, because a starved CI
#: machine once took over 0.4 s to answer a 500 and turned it into a timeout.
TEST_TIMEOUT = 10.0
#: Client timeout for a channel that is sent a hang: each hang costs this much.
HANG_TIMEOUT = 0.5
#: How long a hang fault holds a request: well past HANG_TIMEOUT.
HANG_SECONDS = 3.0


def start_double(kind: str, **options: Any) -> FakeAPI:
    """Start the double of ``kind`` (stop it with ``.stop()``)."""
    options.setdefault("hang_seconds", HANG_SECONDS)
    return DOUBLES[kind](**options).start()


def build_channel(
    double: FakeAPI, *, timeout: float = TEST_TIMEOUT, prefix: str | None = None, **settings: Any
) -> Channel:
    """A channel of the double's kind, built through the registry with its fake credentials."""
    merged = {**double.channel_settings(prefix=prefix, timeout=timeout), **settings}
    return registry.build(double.kind, merged, double.environ(prefix))


@dataclass
class Harness:
    """One channel under test and a way to see what its network received."""

    kind: str
    channel: Channel
    published: Callable[[], list[str]]
    double: FakeAPI | None = None
    #: find_existing can answer found / not found (webhooks cannot tell).
    can_find: bool = True
    #: delete removes the post (most webhooks cannot).
    can_delete: bool = True
    cleanup: list[Callable[[], None]] = field(default_factory=list)


def _outbox_harness(folder: Path) -> Harness:
    channel = registry.build("outbox", {"path": str(folder)}, {})

    def published() -> list[str]:
        files = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime_ns)
        return [json.loads(p.read_text(encoding="utf-8"))["text"] for p in files]

    return Harness("outbox", channel, published)


def make_harness(kind: str, tmp_path: Path) -> Harness:
    """A harness for any registered kind; fails for a kind that has no double yet."""
    if kind == "outbox":
        return _outbox_harness(tmp_path / "outbox")
    if kind not in DOUBLES:
        pytest.fail(f"channel kind {kind!r} has no API double: add one to tests/fakes/")
    double = start_double(kind)
    channel = build_channel(double)
    harness = Harness(
        kind,
        channel,
        double.texts,
        double=double,
        can_find=kind != "webhook",
        can_delete=kind != "webhook",
    )
    harness.cleanup = [channel.close, double.stop]
    return harness


@contextmanager
def impatient(double: FakeAPI) -> Iterator[Channel]:
    """A channel that gives up after HANG_TIMEOUT: for tests that inject a hang."""
    channel = build_channel(double, timeout=HANG_TIMEOUT)
    try:
        yield channel
    finally:
        channel.close()


def _double(kind: str, **options: Any) -> Iterator[Any]:
    double = start_double(kind, **options)
    try:
        yield double
    finally:
        double.stop()


def _channel(double: FakeAPI) -> Iterator[Channel]:
    channel = build_channel(double)
    try:
        yield channel
    finally:
        channel.close()


@pytest.fixture
def x_double() -> Iterator[XDouble]:
    yield from _double("x")


@pytest.fixture
def x_channel(x_double: XDouble) -> Iterator[Channel]:
    yield from _channel(x_double)


@pytest.fixture
def facebook_double() -> Iterator[FacebookDouble]:
    yield from _double("facebook")


@pytest.fixture
def facebook_channel(facebook_double: FacebookDouble) -> Iterator[Channel]:
    yield from _channel(facebook_double)


@pytest.fixture
def mastodon_double() -> Iterator[MastodonDouble]:
    yield from _double("mastodon")


@pytest.fixture
def mastodon_channel(mastodon_double: MastodonDouble) -> Iterator[Channel]:
    yield from _channel(mastodon_double)


@pytest.fixture
def bluesky_double() -> Iterator[BlueskyDouble]:
    yield from _double("bluesky")


@pytest.fixture
def bluesky_channel(bluesky_double: BlueskyDouble) -> Iterator[Channel]:
    yield from _channel(bluesky_double)


@pytest.fixture
def webhook_double() -> Iterator[WebhookDouble]:
    yield from _double("webhook")


@pytest.fixture
def webhook_channel(webhook_double: WebhookDouble) -> Iterator[Channel]:
    yield from _channel(webhook_double)


@pytest.fixture
def linkedin_double() -> Iterator[LinkedInDouble]:
    yield from _double("linkedin")


@pytest.fixture
def linkedin_channel(linkedin_double: LinkedInDouble) -> Iterator[Channel]:
    yield from _channel(linkedin_double)


@pytest.fixture(params=sorted(DOUBLES))
def network(request: pytest.FixtureRequest) -> Iterator[tuple[FakeAPI, Channel]]:
    """Each network kind in turn: its started double and a ready channel."""
    double = start_double(request.param)
    channel = build_channel(double)
    try:
        yield double, channel
    finally:
        channel.close()
        double.stop()


@pytest.fixture(params=registry.kinds())
def harness(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Harness]:
    """Every registered channel kind in turn, ready to publish."""
    built = make_harness(request.param, tmp_path)
    try:
        yield built
    finally:
        for step in built.cleanup:
            step()


def publish_then_bury(double: Any, channel: Channel, others: int) -> tuple[Rendered, datetime]:
    """Publish a post, then let "other tools" post ``others`` more on the account
    (``double.post_as_account``); returns what was published and when the attempt began."""
    attempt = datetime.now(UTC)
    rendered = Rendered("k-lost", "Water main repair on Elm Street: expect low pressure.")
    channel.publish(rendered)
    for n in range(others):
        double.post_as_account(f"Posted from the web, number {n}.")
    return rendered, attempt
