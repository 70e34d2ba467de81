"""Fixtures for tickets: a context on each real database with a movable clock, ticket posting set up."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import pytest

from publisher.context import Context
from publisher.engine.delivery import Deliverer
from publisher.service import posts
from publisher.sources.tickets import config, pump_all
from publisher.sources.tickets.events import parse_event
from publisher.sources.tickets.ingest import Recorded, record_event
from tests.fakes.server import FakeAPI
from tests.helpers import add_outbox, make_context, oyez

START = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
D = TypeVar("D", bound=FakeAPI)


@pytest.fixture(autouse=True)
def ticket_feeds_read_files(monkeypatch: pytest.MonkeyPatch) -> None:
    """The ticket-feed tests serve their feeds as local files: let feeds read them."""
    monkeypatch.setenv("OYEZ_FEEDS__ALLOW_FILES", "true")


class Clock:
    """A clock tests move by hand."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def tick(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def ctx(db_url: str, tmp_path: Path, clock: Clock) -> Iterator[Context]:
    context = make_context(db_url, "olga")
    context.clock = clock
    add_outbox(context, "ops", tmp_path / "outbox")
    config.configure(context, channels=["ops"], coalesce_seconds=0)
    yield context
    context.close()


def event(ctx: Context, ticket: str, status: str, **fields: str) -> Recorded:
    return record_event(ctx, parse_event({"id": ticket, "status": status, **fields}))


def deliver_all(ctx: Context, rounds: int = 20) -> None:
    """Run the engine and the ticket pump, round after round, until nothing is due (bounded)."""
    deliverer = Deliverer(ctx, "test-worker")
    try:
        for _ in range(rounds):
            outcome = deliverer.run_once()
            pump_all(ctx)
            if not outcome.sent and not posts.list_posts(ctx, states=["scheduled"]):
                return
    finally:
        deliverer.close()


def network_ticket_channel(db_url: str, name: str, double: FakeAPI, prefix: str) -> None:
    """``oyez channels add NAME`` on ``double`` (credentials from env:PREFIX), then
    send every ticket there, each event at once; both commands must succeed."""
    for args in (
        (
            "channels",
            "add",
            name,
            "--kind",
            double.kind,
            "--set",
            f"api_base_url={double.url}",
            "--set",
            f"credentials=env:{prefix}",
            "--set",
            "timeout=10",
        ),
        ("tickets", "config", "--to", name, "--coalesce", "0"),
    ):
        code, _, err = oyez(db_url, *args, actor="olga")
        assert code == 0, err


def started_with_env(double: D, prefix: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[D]:
    """``double`` running, its fake credentials in the environment under ``prefix``."""
    with double:
        for name, value in double.environ(prefix).items():
            monkeypatch.setenv(name, value)
        yield double
