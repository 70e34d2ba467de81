"""``oyez run --once`` polls the feeds that are due, and only those."""

from __future__ import annotations

from datetime import timedelta

from publisher.context import Context
from publisher.engine.runner import Dispatcher
from publisher.sources.feeds.subscriptions import FeedOptions, add_feed
from queue_db import feeds as feed_db
from tests.feeds.conftest import LIMITS, feed_posts
from tests.feeds.feedgen import items, rss
from tests.feeds.server import FeedServer, Route


def test_run_once_polls_a_due_feed_and_leaves_one_not_due(ctx: Context, server: FeedServer) -> None:
    for name in ("due", "later"):
        server.serve(f"/{name}.xml", Route(body=rss(items(2)), etag='"1"'))
        add_feed(
            ctx, server.url(f"/{name}.xml"), ["blog-out"], FeedOptions(name=name), limits=LIMITS
        )
    with ctx.tx() as tx:
        for name, offset in (("due", -1), ("later", 600)):
            row = feed_db.feed(tx, name)
            assert row.id is not None
            feed_db.update_feed(tx, row.id, next_poll_at=ctx.clock() + timedelta(seconds=offset))
    server.serve("/due.xml", Route(body=rss(items(4)), etag='"2"'))
    server.serve("/later.xml", Route(body=rss(items(4)), etag='"2"'))
    before = {n: len(server.requests_to(f"/{n}.xml")) for n in ("due", "later")}

    Dispatcher(ctx, watch=False).run(once=True)

    after = {n: len(server.requests_to(f"/{n}.xml")) for n in ("due", "later")}
    assert after == {"due": before["due"] + 1, "later": before["later"]}
    assert len(feed_posts(ctx)) >= 2
