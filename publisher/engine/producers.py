"""The producer contract sources implement, and keeping the armed producers in step.

A source module exposes ``producers(ctx) -> list[Producer]``. The daemon asks
every module listed in :data:`SOURCE_MODULES` at start, schedules each
producer on the APScheduler clock with its trigger, and calls
``fire(ctx, fire_time)``. The engine owns this contract; it imports the
source modules by name only, so it never depends on them.

A running daemon looks again every :data:`SYNC_SECONDS` (and at once on
SIGHUP): a cadence or feed added, resumed, changed, paused or removed since is
armed or dropped. A producer whose ``version`` is unchanged keeps the job it
has, so looking again never moves a firing or restarts a feed's interval.
``oyez run --once`` arms nothing: it calls each producer's ``catch_up`` once.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from publisher.context import Context

log = logging.getLogger("oyez.engine")

#: How often a running daemon asks the source modules for their producers again.
SYNC_SECONDS = 30.0
#: What to tell someone who just changed a cadence or a feed.
PICKED_UP = f"a running `oyez run` picks this up within {SYNC_SECONDS:.0f} s (at once on SIGHUP)"

#: Modules with a ``producers(ctx)`` function, imported by the daemon.
SOURCE_MODULES: list[str] = [
    "publisher.sources.feeds",
    "publisher.sources.tips",
    "publisher.sources.tickets",
    "publisher.sources.inbox",
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
    #: What ``oyez run --once`` calls with the time now: do what is due (the
    #: latest firing not made yet, a feed's poll if due); returns posts made.
    #: Idempotent, so a cron job running ``--once`` every minute misses nothing.
    catch_up: Callable[[Context, datetime], int] | None = None


def load_producers(ctx: Context, modules: Sequence[str] = ()) -> tuple[list[Producer], bool]:
    """Every producer of every source module, and whether every module answered.

    A module that fails is logged and skipped.
    """
    found: list[Producer] = []
    complete = True
    for name in modules or SOURCE_MODULES:
        try:
            module = importlib.import_module(name)
            found.extend(module.producers(ctx))
        except Exception:
            log.exception("source module %s could not list its producers; skipping it", name)
            complete = False
    return found, complete


def catch_up(ctx: Context, producers: Sequence[Producer], now: datetime) -> int:
    """Call every producer's ``catch_up`` (``oyez run --once``); the posts they made.

    One that fails is logged and the others go ahead.
    """
    made = 0
    for producer in producers:
        if producer.catch_up is None:
            continue
        try:
            made += producer.catch_up(ctx, now)
        except Exception:
            log.exception("producer %s failed to catch up at %s", producer.id, now.isoformat())
    return made


@dataclass(frozen=True)
class Sync:
    """What to do to go from the producers armed now to the ones just loaded."""

    #: The producers to hold from now on.
    keep: list[Producer]
    #: New or changed: arm these from now.
    arm: list[Producer]
    #: Ids of the jobs to drop: removed or changed producers.
    cancel: list[str]


def sync(current: Sequence[Producer], fresh: Sequence[Producer], *, complete: bool) -> Sync:
    """Compare by id and version. When a module failed to answer (``complete``
    is false), producers missing from ``fresh`` stay: a database hiccup must
    not cancel a cadence's next firing."""
    old = {p.id: p for p in current}
    keep: list[Producer] = []
    arm: list[Producer] = []
    cancel: list[str] = []
    for producer in fresh:
        was = old.pop(producer.id, None)
        if was is not None and was.version == producer.version:
            keep.append(was)
            continue
        if was is not None:
            cancel.append(was.id)
        keep.append(producer)
        arm.append(producer)
    if complete:
        cancel.extend(old)
    else:
        keep.extend(old.values())
    return Sync(keep, arm, cancel)
