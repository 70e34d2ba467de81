"""Cadences: when a tip pool posts, where, and what the next posts will be.

A cadence is a crontab expression read in its own time zone (weekday 0 or 7 =
Sunday, as crontab has it), the channels it posts to, and local dates on which
it posts nothing. Its previews simulate the rotation exactly as firing will
run it, together with every other active cadence drawing on the same pool.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from publisher.context import Context, cron
from publisher.context.cron import CadenceTrigger, check_fires, parse_cron, trigger
from publisher.context.times import iso, zone
from publisher.errors import IllegalTransition, InvalidInput
from publisher.sources.tips.pools import check_name, is_active
from publisher.sources.tips.rotation import from_ledger
from queue_db import channels as channel_db
from queue_db import tips as tip_db
from queue_db.tips import CadenceRecord, TipPoolRecord, TipRecord

MAX_PREVIEW = 1000
MAX_SKIP_DATES = 2000


@dataclass(frozen=True)
class CadenceView:
    id: int
    name: str
    pool: str
    cron: str
    timezone: str
    channels: tuple[str, ...]
    skip_dates: tuple[str, ...]
    paused: bool
    #: The next fire time in the cadence's zone (skip dates skipped), if any.
    next_at: datetime | None
    served: int
    last_fired: datetime | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "pool": self.pool,
            "cron": self.cron,
            "timezone": self.timezone,
            "channels": list(self.channels),
            "skip_dates": list(self.skip_dates),
            "paused": self.paused,
            "next_at": iso(self.next_at),
            "served": self.served,
            "last_fired": iso(self.last_fired),
        }


@dataclass(frozen=True)
class PreviewItem:
    """One coming post: when (in the cadence's zone) and which tip (None if none is active)."""

    at: datetime
    tip_id: int | None
    text: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"at": self.at.isoformat(), "tip_id": self.tip_id, "text": self.text}


# -- skip dates ------------------------------------------------------------------------


def parse_skip_dates(text: str, source: str = "skip dates") -> list[str]:
    """One date per line (``YYYY-MM-DD``, or ``YYYY-MM-DD..YYYY-MM-DD``); ``#`` starts a comment."""
    dates: set[str] = set()
    problems: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        token = line.split()[0]
        first, _, last = token.partition("..")
        try:
            start = date.fromisoformat(first)
            end = date.fromisoformat(last) if last else start
        except ValueError:
            problems.append(f"{source}:{number}: {token!r} is not a date (YYYY-MM-DD)")
            continue
        if end < start or (end - start).days > 366:
            problems.append(f"{source}:{number}: range {token!r} runs backwards or over a year")
            continue
        dates.update((start + timedelta(days=i)).isoformat() for i in range((end - start).days + 1))
    if problems:
        raise InvalidInput("bad skip dates:\n  " + "\n  ".join(problems))
    if len(dates) > MAX_SKIP_DATES:
        raise InvalidInput(f"{source}: more than {MAX_SKIP_DATES} skip dates")
    return sorted(dates)


def read_skip_dates(path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InvalidInput(f"no such file: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"cannot read {path}: {exc}") from None
    return parse_skip_dates(text, path.name)


# -- times -----------------------------------------------------------------------------


def trigger_for(cadence: CadenceRecord) -> CadenceTrigger:
    return trigger(cadence.cron, zone(cadence.timezone))


def upcoming(cadence: CadenceRecord, after: datetime) -> Iterator[datetime]:
    """Fire times strictly after ``after``, in the cadence's zone, skip dates left out."""
    return cron.upcoming(cadence.cron, zone(cadence.timezone), cadence.skip_dates, after)


def _next(cadence: CadenceRecord, after: datetime) -> datetime | None:
    return next(upcoming(cadence, after), None)


# -- configuration ---------------------------------------------------------------------


def _view(
    cadence: CadenceRecord, pool: TipPoolRecord, counts: dict[int, dict[str, Any]], now: datetime
) -> CadenceView:
    assert cadence.id is not None
    stats = counts.get(cadence.id, {})
    return CadenceView(
        id=cadence.id,
        name=cadence.name,
        pool=pool.name,
        cron=cadence.cron,
        timezone=cadence.timezone,
        channels=tuple(cadence.channels),
        skip_dates=tuple(cadence.skip_dates),
        paused=cadence.paused,
        next_at=None if cadence.paused else _next(cadence, now),
        served=int(stats.get("served", 0)),
        last_fired=stats.get("last"),
    )


def add_cadence(
    ctx: Context,
    name: str,
    *,
    pool: str,
    cron: str,
    timezone: str,
    channels: Sequence[str],
    skip_dates: Sequence[str] = (),
) -> CadenceView:
    """Make a cadence; the pool and channels must exist, the cron and zone must parse."""
    check_name(name, "cadence")
    spec = parse_cron(cron)
    check_fires(spec)
    zone(timezone)
    if not channels:
        raise InvalidInput("a cadence needs at least one channel (--to CH[,CH…])")
    names = list(dict.fromkeys(c.strip() for c in channels))
    checked_dates = parse_skip_dates("\n".join(skip_dates), "--skip-dates")
    with ctx.tx() as tx:
        pool_row = tip_db.pool_named(tx, pool)
        if pool_row is None:
            raise InvalidInput(
                f"no tip pool named {pool!r}: import tips first (oyez tips import FILE --pool {pool})"
            )
        for channel in names:
            channel_db.by_name(tx, channel)
        assert pool_row.id is not None
        row = tip_db.add_cadence(
            tx,
            name=name,
            pool_id=pool_row.id,
            cron=spec.expr,
            timezone=timezone,
            channels=names,
            skip_dates=checked_dates,
            created_by=ctx.actor,
        )
        tx.log(ctx.actor, "cadence_added", cadence=name, pool=pool, cron=spec.expr, tz=timezone)
        return _view(row, pool_row, {}, ctx.clock())


def list_cadences(ctx: Context) -> list[CadenceView]:
    now = ctx.clock()
    with ctx.tx() as tx:
        counts = tip_db.cadence_counts(tx)
        return [_view(c, p, counts, now) for c, p in tip_db.cadences(tx)]


def _set_paused(ctx: Context, name: str, paused: bool) -> CadenceView:
    word = "paused" if paused else "resumed"
    with ctx.tx() as tx:
        row = tip_db.cadence_named(tx, name)
        assert row.id is not None
        if not tip_db.set_paused(tx, row.id, paused):
            raise IllegalTransition(
                f"cadence {name!r} is already {'paused' if paused else 'running'}"
            )
        row = replace(row, paused=paused)
        tx.log(ctx.actor, f"cadence_{word}", cadence=name)
        return _view(row, tip_db.pool_by_id(tx, row.pool_id), {}, ctx.clock())


def pause_cadence(ctx: Context, name: str) -> CadenceView:
    """Stop a cadence posting (a running daemon drops its job within 30 s, at once on SIGHUP)."""
    return _set_paused(ctx, name, True)


def resume_cadence(ctx: Context, name: str) -> CadenceView:
    return _set_paused(ctx, name, False)


def remove_cadence(ctx: Context, name: str) -> int:
    """Delete a cadence; the posts it made stay. Returns how many firings the ledger keeps.

    Its ledger rows stay, detached from it, because the pool's rotation reads
    them. A daemon that still holds the cadence's job fires nothing for it.
    """
    with ctx.tx() as tx:
        row = tip_db.cadence_named(tx, name)
        assert row.id is not None
        # The pool row first, as a firing takes it: a firing under way finishes
        # before the removal, and a later one finds no cadence.
        tip_db.lock_pool(tx, row.pool_id, ctx.clock())
        kept = tip_db.delete_cadence(tx, row.id)
        tx.log(ctx.actor, "cadence_removed", cadence=name, firings=kept)
        return kept


# -- preview ---------------------------------------------------------------------------


def history_size(tips: Sequence[TipRecord]) -> int:
    """How much of the ledger's tail the rotation needs to see."""
    return len(tips) + 1


def preview(
    ctx: Context, name: str, *, count: int = 10, after: datetime | None = None
) -> list[PreviewItem]:
    """The next ``count`` posts of a cadence: time (in its zone) and tip.

    The simulation includes every other running cadence on the same pool, since
    they draw from the same rotation. Dates to skip are left out.
    """
    if not 1 <= count <= MAX_PREVIEW:
        raise InvalidInput(f"--count must be between 1 and {MAX_PREVIEW}")
    start = after or ctx.clock()
    with ctx.tx() as tx:
        cadence = tip_db.cadence_named(tx, name)
        tips = tip_db.tips(tx, cadence.pool_id)
        ledger = tip_db.ledger_state(tx, cadence.pool_id, history_size(tips))
        others = [
            c
            for c, _ in tip_db.cadences(tx, pool_id=cadence.pool_id, active_only=True)
            if c.id != cadence.id
        ]
    rotation = from_ledger(cadence.pool_id, *ledger)
    streams = [upcoming(c, start) for c in [cadence, *others]]
    heap: list[tuple[datetime, int]] = []
    for index, stream in enumerate(streams):
        first = next(stream, None)
        if first is not None:
            heapq.heappush(heap, (first, index))
    by_id = {t.id: t for t in tips}
    out: list[PreviewItem] = []
    while heap and len(out) < count:
        moment, index = heapq.heappop(heap)
        eligible = [t.id for t in tips if t.id is not None and is_active(t, moment)]
        choice = rotation.choose(eligible)
        if choice is not None:
            rotation.record(*choice)
        if index == 0:
            tip = by_id.get(choice[0]) if choice else None
            out.append(PreviewItem(moment, tip.id if tip else None, tip.text if tip else None))
        following = next(streams[index], None)
        if following is not None:
            heapq.heappush(heap, (following, index))
    return out
