"""Blog cross-posting from RSS and Atom feeds.

The daemon asks :func:`producers` for one producer per feed; each fires on
the feed's interval and polls it if it is due (a failing feed backs off by
pushing its next poll later, so some fires do nothing). Several workers may
fire the same feed: one claims the poll, the others skip it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from publisher.context import Context
from publisher.engine.producers import Producer
from publisher.errors import NotFoundError, OyezError
from queue_db import feeds as feed_db

log = logging.getLogger("oyez.feeds")

#: How long after the daemon starts an overdue feed is first polled.
START_DELAY = timedelta(seconds=5)


def producers(ctx: Context) -> list[Producer]:
    """One producer per feed, ``feed:<name>``, on an interval of the feed's ``--every``."""
    from apscheduler.triggers.interval import IntervalTrigger

    with ctx.tx() as tx:
        rows = feed_db.feeds(tx)
    soon = ctx.clock() + START_DELAY
    return [
        Producer(
            id=f"feed:{row.name}",
            # Aligned on the feed's due time, so an overdue feed is polled soon after start.
            trigger=IntervalTrigger(
                minutes=row.every_minutes,
                start_date=max(soon, row.next_poll_at or soon),
                timezone=UTC,
            ),
            fire=_firer(row.id),
            version=f"{row.id}:{row.every_minutes}",
            # ``oyez run --once``: poll it if it is due (the poll checks).
            catch_up=_firer(row.id),
        )
        for row in rows
        if row.id is not None
    ]


def _firer(feed_id: int) -> Callable[[Context, datetime], int]:
    def fire(ctx: Context, fire_time: datetime) -> int:
        return poll_due(ctx, feed_id)

    return fire


def poll_due(ctx: Context, feed_id: int) -> int:
    """Poll the feed if it is due and unclaimed; returns the posts made. Never raises for it."""
    from publisher.sources.feeds.poll import poll_feed

    try:
        result = poll_feed(ctx, feed_id, force=False)
    except NotFoundError:
        return 0  # removed since the daemon read the feeds
    except OyezError as exc:
        log.warning("feed %d: poll failed: %s", feed_id, exc)
        return 0
    return result.posts
