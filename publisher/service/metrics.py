"""Collecting reach: each sent delivery's public figures, read from its network in batches.

The schedule asks at about +1 h, +24 h and +7 days after sending
(``metrics.collect_after_minutes``), then never again. Every channel that
implements :class:`channels.base.Measures` is asked in batches of its own
``metrics_batch``; a :class:`~channels.errors.RateLimited` answer stops that
channel until its reset (the others carry on), and a post the network no
longer returns is marked gone and never asked for again. ``oyez metrics
collect`` (:func:`collect_now`) asks for every sent delivery inside the window,
whatever the schedule.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, MutableMapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from itertools import groupby

from channels.base import Figures, Measures
from channels.errors import ChannelError, RateLimited
from publisher.context import Context
from publisher.context.serialise import JSONView
from publisher.errors import ChannelProblem
from publisher.service.background import Periodic
from publisher.service.channels import build_channel
from queue_db import channels as channel_db
from queue_db import metrics as metric_db
from queue_db.channels import ChannelRecord
from queue_db.metrics import Target, Values

log = logging.getLogger("oyez.metrics")

#: How long a channel rests after a 429 that named no reset time, or another failure.
DEFAULT_REST = timedelta(minutes=15)
#: How long after the last scheduled collection a never-measured post is still asked for.
LATE_GRACE = timedelta(days=1)

#: Called as figures come in: (deliveries done, deliveries to do).
Progress = Callable[[int, int], None]
#: Channel id → until when it must not be asked (a 429's reset).
Rests = MutableMapping[int, datetime]


@dataclass(frozen=True)
class ChannelCollection(JSONView):
    """What one channel answered in one collection."""

    channel: str
    #: Sent deliveries it was due to be asked about.
    asked: int
    #: Deliveries whose figures were stored.
    measured: int
    #: Deliveries the network no longer has (deleted, retracted there): never asked again.
    gone: int
    #: Calls of the channel's ``metrics`` (each at most ``metrics_batch`` ids).
    calls: int
    #: Set when the network said wait: nothing more is asked of it until then.
    rate_limited_until: datetime | None = None
    error: str | None = None


@dataclass(frozen=True)
class Collection(JSONView):
    collected_at: datetime
    channels: tuple[ChannelCollection, ...]

    @property
    def measured(self) -> int:
        return sum(c.measured for c in self.channels)


def next_due(sent_at: datetime, now: datetime, after_minutes: Sequence[int]) -> datetime | None:
    """The first scheduled collection of a post sent at ``sent_at`` still ahead of ``now``."""
    for minutes in sorted(after_minutes):
        when = sent_at + timedelta(minutes=minutes)
        if when > now:
            return when
    return None


def collect_due(ctx: Context, rests: Rests | None = None) -> Collection:
    """Collect what the schedule asks for now (the daemon calls this)."""
    now = ctx.clock()
    after = sorted(ctx.settings.metrics.collect_after_minutes)
    if not after:
        return Collection(now, ())
    with ctx.tx() as tx:
        targets = metric_db.targets(
            tx,
            sent_since=now - timedelta(minutes=after[-1]) - LATE_GRACE,
            now=now,
            first_due_before=now - timedelta(minutes=after[0]),
        )
    return _collect(ctx, targets, now, {} if rests is None else rests, None)


def collect_now(ctx: Context, progress: Progress | None = None) -> Collection:
    """Figures of every sent delivery inside the window (``metrics.window_days``), now."""
    now = ctx.clock()
    since = now - timedelta(days=ctx.settings.metrics.window_days)
    with ctx.tx() as tx:
        targets = metric_db.targets(tx, sent_since=since, now=now)
    return _collect(ctx, targets, now, {}, progress)


def _collect(
    ctx: Context, targets: list[Target], now: datetime, rests: Rests, progress: Progress | None
) -> Collection:
    with ctx.tx() as tx:
        rows = channel_db.by_ids(tx, sorted({t.channel_id for t in targets}))
    done, total = 0, len(targets)
    if progress is not None:
        progress(0, total)
    results = []
    for channel_id, group in groupby(targets, key=lambda t: t.channel_id):
        batch = list(group)

        def step(n: int) -> None:
            nonlocal done
            done += n
            if progress is not None:
                progress(done, total)

        result = _collect_channel(ctx, rows[channel_id], batch, now, rests, step)
        if result is not None:
            results.append(result)
    if progress is not None:
        progress(total, total)
    return Collection(now, tuple(results))


def _collect_channel(
    ctx: Context,
    row: ChannelRecord,
    targets: list[Target],
    now: datetime,
    rests: Rests,
    step: Callable[[int], None],
) -> ChannelCollection | None:
    """Ask one channel about ``targets``; None if the channel cannot measure."""
    resting = rests.get(row.id)
    if resting is not None and resting > now:
        step(len(targets))
        return ChannelCollection(row.name, len(targets), 0, 0, 0, rate_limited_until=resting)
    try:
        live = build_channel(ctx, row)
    except ChannelProblem as exc:
        step(len(targets))
        return ChannelCollection(row.name, len(targets), 0, 0, 0, error=str(exc))
    try:
        if not isinstance(live, Measures):
            step(len(targets))
            return None
        return _ask(ctx, row, live, targets, now, rests, step)
    finally:
        live.close()


def _ask(
    ctx: Context,
    row: ChannelRecord,
    live: Measures,
    targets: list[Target],
    now: datetime,
    rests: Rests,
    step: Callable[[int], None],
) -> ChannelCollection:
    after = ctx.settings.metrics.collect_after_minutes
    measured = gone = calls = 0
    rest: datetime | None = None
    error: str | None = None
    size = max(1, live.metrics_batch)
    for first in range(0, len(targets), size):
        chunk = targets[first : first + size]
        try:
            found = live.metrics([t.remote_id for t in chunk])
        except RateLimited as exc:
            rest = exc.reset_at if exc.reset_at and exc.reset_at > now else now + DEFAULT_REST
            rests[row.id] = rest
            log.warning("channel %s: rate limited while measuring, until %s", row.name, rest)
            step(len(targets) - first)
            break
        except ChannelError as exc:
            # A refusal or an outage: ask again on a later look, not on the next one.
            rests[row.id] = now + DEFAULT_REST
            error = str(exc)
            log.warning("channel %s: measuring failed: %s", row.name, error)
            step(len(targets) - first)
            break
        calls += 1
        figures = {
            t.delivery_id: (_values(found[t.remote_id]), next_due(t.sent_at, now, after))
            for t in chunk
            if t.remote_id in found
        }
        missing = [t.delivery_id for t in chunk if t.remote_id not in found]
        with ctx.tx() as tx:
            metric_db.record_many(tx, now, figures)
            metric_db.mark_gone(tx, missing, now)
        measured += len(figures)
        gone += len(missing)
        step(len(chunk))
    return ChannelCollection(row.name, len(targets), measured, gone, calls, rest, error)


def _values(figures: Figures) -> Values:
    return {k: (v if isinstance(v, int) and v >= 0 else None) for k, v in asdict(figures).items()}


class ReachCollector(Periodic):
    """A background thread of the daemon: collects due figures every ``every`` seconds.

    The first look comes ``first_after`` seconds after it starts. Rate limits
    are kept between looks, so a channel that said wait is not asked before its reset.
    """

    name = "oyez-metrics"

    def __init__(
        self, ctx: Context, *, every: float | None = None, first_after: float = 60.0
    ) -> None:
        every = ctx.settings.metrics.every_seconds if every is None else every
        super().__init__(every=every, first_after=first_after)
        self.ctx = ctx
        self.rests: dict[int, datetime] = {}

    def look(self) -> None:
        done = collect_due(self.ctx, self.rests)
        if done.measured:
            log.info("collected the figures of %d deliveries", done.measured)
