"""Listening in the daemon: one producer per stream, firing on the stream's interval.

A fire polls the stream if it is due and unclaimed (:func:`publisher.service.
listening.poll_stream`), so several workers share a stream without polling
it twice; a rate-limited stream is not due until its reset. Paused streams
have no producer. Each fire also purges items past ``inbox.keep_days``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from publisher.context import Context
from publisher.engine.producers import Producer
from publisher.errors import NotFoundError, OyezError
from publisher.service import listening
from publisher.service.streams import list_streams

log = logging.getLogger("oyez.inbox")

#: How long after the daemon starts an overdue stream is first polled.
START_DELAY = timedelta(seconds=5)


def producers(ctx: Context) -> list[Producer]:
    """One producer per stream not paused, ``stream:<name>``, every ``--every`` minutes."""
    from apscheduler.triggers.interval import IntervalTrigger

    soon = ctx.clock() + START_DELAY
    return [
        Producer(
            id=f"stream:{view.name}",
            trigger=IntervalTrigger(
                minutes=view.every_minutes,
                start_date=max(soon, view.next_poll_at or soon),
                timezone=UTC,
            ),
            fire=_firer(view.name),
            version=f"{view.name}:{view.every_minutes}",
        )
        for view in list_streams(ctx)
        if not view.paused
    ]


def _firer(name: str) -> Callable[[Context, datetime], int]:
    def fire(ctx: Context, fire_time: datetime) -> int:
        try:
            return listening.poll_named(ctx, name)
        except NotFoundError:
            return 0  # removed since the daemon read the streams
        except OyezError as exc:
            log.warning("stream %s: round failed: %s", name, exc)
            return 0

    return fire
