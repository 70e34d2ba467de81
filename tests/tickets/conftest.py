"""Fixtures for tickets: a context on each real database with a movable clock, ticket posting set up."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from publisher.context import Context
from publisher.engine.delivery import Deliverer
from publisher.service import posts
from publisher.sources.tickets import config, pump_all
from publisher.sources.tickets.events import parse_event
from publisher.sources.tickets.ingest import Recorded, record_event
from tests.helpers import add_outbox, make_context

START = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


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
