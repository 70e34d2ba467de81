"""A poll's posts are made in one transaction; if it fails, the entries are taken one by one."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from publisher.context import Context
from publisher.errors import StorageProblem
from publisher.service import posts as lifecycle
from publisher.sources.feeds import posting
from publisher.sources.feeds.fetch import fetch
from publisher.sources.feeds.parse import parse
from publisher.sources.feeds.poll import poll_feed, record_success
from publisher.sources.feeds.subscriptions import FeedOptions, add_feed, poll_feeds
from queue_db import feeds as feed_db
from tests.feeds.conftest import LIMITS, OPEN, feed_posts
from tests.feeds.feedgen import items, rss
from tests.feeds.server import FeedServer, Route
from tests.helpers import make_context


@pytest.fixture
def reader(db_url: str) -> Iterator[Context]:
    """Another process's view of the database: it sees only what was committed."""
    other = make_context(db_url)
    yield other
    other.close()


def _subscribe(ctx: Context, server: FeedServer) -> None:
    server.serve("/feed.xml", Route(body=rss(items(2)), etag='"v1"'))
    add_feed(ctx, server.url("/feed.xml"), ["blog-out"], FeedOptions(name="blog"), limits=LIMITS)
    server.serve("/feed.xml", Route(body=rss(items(5)), etag='"v2"'))


def test_a_failure_part_way_leaves_nothing_half_made_and_each_entry_gets_one_post(
    ctx: Context, server: FeedServer, reader: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    _subscribe(ctx, server)
    seen_mid_batch: list[int] = []
    real_submit = lifecycle.submit
    calls = 0

    def failing_third(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 3:
            # Two posts are made in the open transaction: nobody else sees them yet.
            seen_mid_batch.append(len(feed_posts(reader)))
            raise StorageProblem("database is locked")
        return real_submit(*args, **kwargs)

    monkeypatch.setattr(lifecycle, "submit", failing_third)

    (result,) = poll_feeds(ctx, "blog", limits=LIMITS)

    assert seen_mid_batch == [0]
    assert (result.posts, result.waiting, result.error) == (3, 0, None)
    made = feed_posts(reader)
    assert len(made) == 3 == len({p.text for p in made})
    assert {p.state for p in made} == {"in_review"}
    with reader.tx() as tx:
        feed = feed_db.feed(tx, "blog")
        assert feed.id is not None
        assert feed_db.waiting_entries(tx, feed.id) == []


def test_a_post_another_worker_made_is_kept_and_the_other_entries_get_theirs(
    ctx: Context, server: FeedServer
) -> None:
    _subscribe(ctx, server)
    with ctx.tx() as tx:
        feed = feed_db.feed(tx, "blog")
    assert feed.id is not None
    # A worker recorded the three new entries and made the middle one's post, then died.
    fetched = fetch(feed.url, limits=LIMITS, access=OPEN)
    record_success(ctx, feed, fetched, parse(fetched.body), ctx.clock())
    with ctx.tx() as tx:
        middle = feed_db.waiting_entries(tx, feed.id)[1]
    lifecycle.create_post(
        ctx, "made by the other worker", ["blog-out"], source="feed",
        source_key=posting.source_key(feed, middle),
    )  # fmt: skip

    result = poll_feed(ctx, feed.id, limits=LIMITS)

    assert (result.posts, result.error) == (3, None)
    made = feed_posts(ctx)
    assert len(made) == 3 == len({p.text for p in made})
    assert "made by the other worker" in {p.text for p in made}
    assert {p.state for p in made} == {"in_review"}
