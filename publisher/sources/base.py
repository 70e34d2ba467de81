"""What the daemon needs from a source that creates posts on a schedule.

A source module exposes ``producers(ctx) -> list[Producer]``. The daemon asks
every module listed in :data:`SOURCE_MODULES` at start (and again when told
the configuration changed), schedules each producer on the APScheduler clock
with its trigger, and calls ``fire(ctx, fire_time)``. Firing must be
idempotent by a unique source key derived from (producer id, fire time), so
several workers firing the same producer create one post.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from publisher.service.context import Context

#: Modules with a ``producers(ctx)`` function, imported by the daemon.
SOURCE_MODULES: list[str] = [
    "publisher.sources.feeds",
    "publisher.sources.tips",
    "publisher.sources.tickets",
]


@dataclass(frozen=True)
class Producer:
    #: Unique and stable, e.g. ``cadence:morning-tips`` or ``feed:blog``.
    id: str
    #: An APScheduler 3 trigger (CronTrigger, IntervalTrigger…), in its own time zone.
    trigger: Any
    #: Called with the scheduled fire time (UTC); returns how many posts it made.
    fire: Callable[[Context, datetime], int]
    #: Changes when the producer must be armed afresh (a new schedule, a new row).
    #: A running daemon keeps the armed job of a producer whose version is the same.
    version: str = ""


def existing_post_id(ctx: Context, source_key: str) -> int | None:
    """The id of the post already made for ``source_key``, if any (a key makes one post)."""
    with ctx.tx() as tx:
        post = tx.post_by_source_key(source_key)
        return post.id if post else None
