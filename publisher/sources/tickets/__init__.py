"""Trouble tickets: events from the CLI, a webhook or a ticket feed become a threaded post series.

The daemon imports this module (it is in ``SOURCE_MODULES``) and schedules
:func:`producers`: a pump every few seconds (it closes coalescing windows and
releases each thread's next post once the one before it has gone out) and a
poll per ticket feed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from apscheduler.triggers.interval import IntervalTrigger

from publisher.context import Context
from publisher.engine.producers import Producer
from publisher.sources.tickets.feed import poll_feed
from publisher.sources.tickets.ingest import pump_all, record_event
from queue_db import tickets as ticket_db

#: Seconds between pumps: the longest a reply waits after its turn has come.
PUMP_SECONDS = 5

__all__ = ["producers", "pump_all", "record_event"]


def _poller(feed_id: int) -> Callable[[Context, datetime], int]:
    def fire(ctx: Context, fire_time: datetime) -> int:
        return poll_feed(ctx, feed_id).posts_made

    return fire


def producers(ctx: Context) -> list[Producer]:
    """The ticket pump and one poll per ticket feed.

    The pump is there even before posting is configured (it then does nothing).
    A running daemon picks up a new feed at its next look (or at once on SIGHUP).
    """
    with ctx.tx() as tx:
        feeds = [(f.id, f.every_minutes) for f in ticket_db.feeds(tx) if f.id is not None]
    out = [Producer("tickets:pump", IntervalTrigger(seconds=PUMP_SECONDS), pump_all)]
    for feed_id, minutes in feeds:
        out.append(
            Producer(
                f"ticket-feed:{feed_id}",
                IntervalTrigger(minutes=minutes),
                _poller(feed_id),
                version=f"{feed_id}:{minutes}",
            )
        )
    return out
