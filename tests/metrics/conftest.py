"""Fixtures of the reach tests: a context on a controlled clock, channels on the API doubles."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from publisher.context import Context
from publisher.service import channels
from publisher.service.metrics import collect_now
from queue_db.deliveries import read
from queue_db.types import utcnow
from tests.archive.conftest import publish as archive_publish
from tests.fakes.fixtures import facebook_double, mastodon_double, x_double  # noqa: F401
from tests.fakes.mastodon import MastodonDouble
from tests.fakes.server import FakeAPI
from tests.fakes.x import XDouble
from tests.helpers import add_outbox, make_context


class Clock:
    """A clock the test moves; it starts at the real time, so 429 reset headers line up."""

    def __init__(self) -> None:
        self.now = utcnow().replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def ctx(db_url: str, tmp_path: Path, clock: Clock) -> Iterator[Context]:
    """Authors may approve their own posts; an outbox channel ``news`` (it cannot measure)."""
    context = make_context(db_url, approval={"allow_self": True})
    context.clock = clock
    context.environ = {}
    add_outbox(context, "news", tmp_path / "news")
    yield context
    context.close()


def connect(ctx: Context, double: FakeAPI, name: str | None = None) -> str:
    """Add a channel (named after the double's kind) that talks to the double."""
    ctx.environ = {**ctx.environ, **double.environ()}
    settings = {k: str(v) for k, v in double.channel_settings().items()}
    channels.add_channel(ctx, name or double.kind, double.kind, settings)
    return name or double.kind


def publish(ctx: Context, text: str, to: Sequence[str], source: str = "manual") -> int:
    """Create, approve and deliver a post at the clock's time; return its id."""
    return archive_publish(ctx, text, to, at=ctx.clock(), source=source)


def remote_ids(ctx: Context, post_id: int) -> dict[str, str]:
    """Channel name → the id the network gave the post."""
    with ctx.tx() as tx:
        return {c.name: d.remote_id or "" for d, c in read.of_post(tx, post_id)}


@pytest.fixture
def measured(
    ctx: Context,
    clock: Clock,
    x_double: XDouble,  # noqa: F811 (the fixture imported above)
    mastodon_double: MastodonDouble,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> Context:
    """Three weeks: two posts, a silent week (a holiday), one post; figures on X and Mastodon."""
    connect(ctx, x_double)
    connect(ctx, mastodon_double)
    for key, value in ctx.environ.items():
        monkeypatch.setenv(key, value)
    x_double.impressions = False  # only the second tier gives them: set per tweet below
    first = publish(ctx, "The library reopens on Monday.", ["x", "mastodon"])
    clock.advance(hours=3)
    second = publish(ctx, "New tip: check the sender.", ["x"], source="tip")
    clock.advance(days=14)
    third = publish(ctx, "Roadworks on Bridge Road.", ["x", "mastodon"], source="feed")
    ids = {p: remote_ids(ctx, p) for p in (first, second, third)}
    x_double.set_metrics(ids[first]["x"], like_count=10, retweet_count=2, reply_count=1)
    x_double.set_metrics(ids[second]["x"], like_count=1)
    x_double.set_metrics(ids[third]["x"], like_count=4, quote_count=1)
    mastodon_double.set_counts(ids[first]["mastodon"], favourites_count=6, reblogs_count=3)
    mastodon_double.set_counts(ids[third]["mastodon"], favourites_count=2)
    clock.advance(hours=1)
    ctx.settings.metrics.window_days = 30
    collect_now(ctx)
    return ctx
