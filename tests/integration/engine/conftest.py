"""Fixtures for the engine on real SQLite and PostgreSQL: a context, channels, a clock."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from channels import registry
from channels.base import Channel as ChannelImpl
from publisher.context import Context, open_context
from publisher.context.settings import DeliverySettings, Settings
from publisher.engine.delivery import Deliverer
from publisher.service import posts
from publisher.service.views import PostView
from queue_db.tables import Channel
from tests.fakes.fixtures import network  # noqa: F401  (a real network, for some tests)
from tests.helpers import add_outbox
from tests.integration.engine.scripted import ScriptedChannel, ScriptedNetwork

START = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@dataclass
class Clock:
    """A hand-driven clock for the context."""

    now: datetime = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@dataclass
class Engine:
    ctx: Context
    clock: Clock
    folder: Path
    networks: dict[str, ScriptedNetwork] = field(default_factory=dict)

    def build(self, row: Channel) -> ChannelImpl:
        if row.name in self.networks:
            return ScriptedChannel(self.networks[row.name])
        return registry.build(row.kind, row.settings, {})

    def scripted(self, name: str) -> ScriptedNetwork:
        """A channel named ``name`` whose network is scripted by the test."""
        add_outbox(self.ctx, name, self.folder / name)
        self.networks[name] = ScriptedNetwork()
        return self.networks[name]

    def deliverer(self, owner: str = "worker-a") -> Deliverer:
        return Deliverer(self.ctx, owner, build=self.build)

    def post(
        self,
        text: str,
        channels: list[str],
        *,
        at: datetime | None = None,
        source: str = "manual",
        urgent: bool = False,
        parent: int | None = None,
    ) -> PostView:
        """A post scheduled at ``at`` (default: now), through the real lifecycle."""
        view = posts.create_post(
            self.ctx, text, channels, source=source, urgent=urgent, thread_parent_id=parent
        )
        view = posts.submit_post(self.ctx, view.id)
        if view.state == "in_review":
            posts.approve_post(self.ctx, view.id)
        return posts.schedule_post(self.ctx, view.id, at or self.clock.now)

    def states(self, post_id: int) -> dict[str, str]:
        view = posts.get_post(self.ctx, post_id)
        return {d.channel: d.state for d in view.deliveries}


def engine_settings(db_url: str, **delivery: object) -> Settings:
    options: dict[str, object] = {"lease_seconds": 30, "max_backoff_seconds": 60}
    options.update(delivery)
    return Settings(
        database_url=db_url,
        approval={"allow_self": True},
        delivery=DeliverySettings(**options),
    )


@pytest.fixture
def engine(db_url: str, tmp_path: Path) -> Iterator[Engine]:
    clock = Clock()
    ctx = open_context(db_url, "alex", settings=engine_settings(db_url))
    ctx.clock = clock
    add_outbox(ctx, "news", tmp_path / "news")
    yield Engine(ctx, clock, tmp_path)
    ctx.close()
