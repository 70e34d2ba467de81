"""The daemon's side: one producer per feed, due-only polls, and workers racing on one feed."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from apscheduler.triggers.interval import IntervalTrigger

from publisher.context import Context
from publisher.context.calendar import next_fire
from publisher.engine.producers import SOURCE_MODULES
from publisher.service.posts import create_post
from publisher.sources.feeds import producers
from publisher.sources.feeds.fetch import fetch
from publisher.sources.feeds.parse import parse
from publisher.sources.feeds.poll import poll_feed, record_success
from publisher.sources.feeds.posting import source_key
from publisher.sources.feeds.subscriptions import FeedOptions, add_feed, remove_feed
from queue_db import feeds as feed_db
from tests.feeds.conftest import LIMITS, OPEN, feed_posts
from tests.feeds.feedgen import items, rss
from tests.feeds.server import FeedServer, Route
from tests.helpers import all_at_once, make_context


def _subscribe(ctx: Context, server: FeedServer, name: str = "blog", every: int = 15) -> None:
    server.serve(f"/{name}.xml", Route(body=rss(items(2)), etag='"1"'))
    add_feed(
        ctx,
        server.url(f"/{name}.xml"),
        ["blog-out"],
        FeedOptions(name=name, every_minutes=every),
        limits=LIMITS,
    )


def test_feeds_are_a_source_module_of_the_daemon() -> None:
    assert "publisher.sources.feeds" in SOURCE_MODULES


def test_one_producer_per_feed_on_its_interval(ctx: Context, server: FeedServer) -> None:
    _subscribe(ctx, server, "blog", every=15)
    _subscribe(ctx, server, "news", every=60)

    found = {p.id: p for p in producers(ctx)}

    assert set(found) == {"feed:blog", "feed:news"}
    trigger = found["feed:blog"].trigger
    assert isinstance(trigger, IntervalTrigger)
    assert trigger.interval == timedelta(minutes=15)


def test_fire_polls_a_due_feed_once_and_skips_it_until_due_again(
    ctx: Context, server: FeedServer
) -> None:
    _subscribe(ctx, server)
    (producer,) = producers(ctx)
    server.serve("/blog.xml", Route(body=rss(items(4)), etag='"2"'))
    with ctx.tx() as tx:  # make it due now
        row = feed_db.feed(tx, "blog")
        assert row.id is not None
        feed_db.update_feed(tx, row.id, next_poll_at=ctx.clock() - timedelta(seconds=1))
    before = len(server.requests_to("/blog.xml"))

    made = producer.fire(ctx, ctx.clock())
    again = producer.fire(ctx, ctx.clock())

    assert (made, again) == (2, 0)
    assert len(server.requests_to("/blog.xml")) == before + 1


def test_fire_for_a_removed_feed_does_nothing(ctx: Context, server: FeedServer) -> None:
    _subscribe(ctx, server)
    (producer,) = producers(ctx)
    remove_feed(ctx, "blog")
    assert producer.fire(ctx, ctx.clock()) == 0


def test_two_workers_polling_at_once_make_one_post_per_entry(
    ctx: Context, server: FeedServer, db_url: str, tmp_path: Path
) -> None:
    _subscribe(ctx, server)
    server.serve("/blog.xml", Route(body=rss(items(8)), etag='"2"'))
    with ctx.tx() as tx:
        feed_id = feed_db.feed(tx, "blog").id
    assert feed_id is not None
    workers = [make_context(db_url), make_context(db_url)]

    all_at_once(workers, lambda worker: poll_feed(worker, feed_id, limits=LIMITS))

    assert len(feed_posts(ctx)) == 6
    assert sorted(p.text for p in feed_posts(ctx)) == sorted({p.text for p in feed_posts(ctx)})


def test_a_fire_a_moment_before_the_due_time_still_polls(ctx: Context, server: FeedServer) -> None:
    _subscribe(ctx, server)
    (producer,) = producers(ctx)
    with ctx.tx() as tx:
        row = feed_db.feed(tx, "blog")
        assert row.id is not None
        feed_db.update_feed(tx, row.id, next_poll_at=ctx.clock() + timedelta(seconds=2))
    before = len(server.requests_to("/blog.xml"))

    producer.fire(ctx, ctx.clock())

    assert len(server.requests_to("/blog.xml")) == before + 1


def test_producers_fire_first_when_the_feed_is_due(ctx: Context, server: FeedServer) -> None:
    _subscribe(ctx, server, every=15)
    with ctx.tx() as tx:
        due = feed_db.feed(tx, "blog").next_poll_at
    assert due is not None

    (producer,) = producers(ctx)

    assert next_fire(producer.trigger, ctx.clock()) == due


def test_a_post_made_before_a_crash_is_finished_not_made_again(
    ctx: Context, server: FeedServer
) -> None:
    _subscribe(ctx, server)
    server.serve("/blog.xml", Route(body=rss(items(3)), etag='"2"'))
    with ctx.tx() as tx:
        feed = feed_db.feed(tx, "blog")
    # A worker recorded the new entry and made its post, then died before submitting it.
    fetched = fetch(feed.url, limits=LIMITS, access=OPEN)
    record_success(ctx, feed, fetched, parse(fetched.body), ctx.clock())
    with ctx.tx() as tx:
        assert feed.id is not None
        (entry,) = feed_db.waiting_entries(tx, feed.id)
    create_post(
        ctx,
        "made before the crash",
        ["blog-out"],
        source="feed",
        source_key=source_key(feed, entry),
    )

    assert feed.id is not None
    result = poll_feed(ctx, feed.id, limits=LIMITS)

    assert result.posts == 1
    (post,) = feed_posts(ctx)
    assert (post.text, post.state) == ("made before the crash", "in_review")
