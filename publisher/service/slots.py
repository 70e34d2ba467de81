"""Posting slots per channel: set them, list them, and schedule a post into the next free one.

A channel's slots are wall-clock times per weekday in its own time zone
(``Mon-Fri 09:00, 12:30, 16:00 Europe/London``). Quiet hours and blackout
dates close a channel; nothing non-urgent goes out then, and no slot inside
them is offered. Daylight-saving changes follow :mod:`publisher.context.calendar`:
no slot is skipped or doubled.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from publisher.context import Context
from publisher.context.calendar import (
    WEEKDAYS,
    Calendar,
    CalendarError,
    parse_hhmm,
    parse_weekdays,
    parse_zone,
    weekday_table,
)
from publisher.context.serialise import JSONView
from publisher.errors import InvalidInput
from publisher.service import posts
from publisher.service.views import PostView
from queue_db import channels as channel_db
from queue_db.channels import ChannelRecord
from queue_db.deliveries import read

#: How far ahead :func:`next_free_slot` looks.
HORIZON_DAYS = 366
#: Slots are looked for this many days at a time.
_WINDOW = timedelta(days=14)
MAX_LIST_DAYS = 366


@dataclass(frozen=True)
class Slot(JSONView):
    """One posting slot of a channel: when, and the post sitting in it (if any)."""

    time: datetime
    channel: str
    post_id: int | None
    #: False when quiet hours or a blackout date close the slot.
    open: bool = True


@dataclass(frozen=True)
class SlotTable(JSONView):
    """A channel's calendar settings, as stored."""

    channel: str
    timezone: str
    slots: dict[str, list[str]]
    quiet_hours: dict[str, str]
    blackout_dates: list[str]

    @classmethod
    def of(cls, row: ChannelRecord) -> SlotTable:
        ordered = {d: list(row.slots[d]) for d in WEEKDAYS if row.slots.get(d)}
        return cls(
            row.name, row.timezone, ordered, dict(row.quiet_hours), sorted(row.blackout_dates)
        )


@contextmanager
def _readable() -> Iterator[None]:
    try:
        yield
    except CalendarError as exc:
        raise InvalidInput(str(exc)) from None


def calendar_of(row: ChannelRecord) -> Calendar:
    """The channel's calendar; a stored value that cannot be read is an InvalidInput."""
    with _readable():
        return Calendar.of(row.timezone, row.slots, row.quiet_hours, row.blackout_dates)


# -- changing a channel's calendar ----------------------------------------------------------


def _change(ctx: Context, channel: str, action: str, **values: Any) -> SlotTable:
    with ctx.tx() as tx:
        row = channel_db.by_name(tx, channel)
        channel_db.change(tx, row.id, **values)
        tx.log(ctx.actor, action, channel_id=row.id, name=channel, **values)
        return SlotTable.of(channel_db.by_name(tx, channel))


def set_slots(
    ctx: Context, channel: str, weekdays: str, times: str, timezone: str | None = None
) -> SlotTable:
    """Set the slots of the given weekdays (others keep theirs); optionally the time zone."""
    with _readable():
        days = parse_weekdays(weekdays)
        table = weekday_table(days, times.split(","))
        if timezone is not None:
            parse_zone(timezone)
    with ctx.tx() as tx:
        current = dict(channel_db.by_name(tx, channel).slots)
    current.update(table)
    values: dict[str, Any] = {"slots": {d: current[d] for d in WEEKDAYS if current.get(d)}}
    if timezone is not None:
        values["timezone"] = timezone
    return _change(ctx, channel, "slots_set", **values)


def clear_slots(ctx: Context, channel: str, weekdays: str | None = None) -> SlotTable:
    """Remove the slots of the given weekdays (all of them when None)."""
    with _readable():
        days = parse_weekdays(weekdays) if weekdays else list(WEEKDAYS)
    with ctx.tx() as tx:
        current = dict(channel_db.by_name(tx, channel).slots)
    kept = {d: t for d, t in current.items() if d not in days}
    return _change(ctx, channel, "slots_cleared", slots=kept)


def set_quiet_hours(ctx: Context, channel: str, start: str | None, end: str | None) -> SlotTable:
    """Close the channel every day from ``start`` to ``end`` (may run past midnight); None clears."""
    if start is None and end is None:
        return _change(ctx, channel, "quiet_hours_set", quiet_hours={})
    if not start or not end:
        raise InvalidInput("quiet hours need both --from and --to (e.g. --from 22:00 --to 07:00)")
    with _readable():
        first, last = parse_hhmm(start), parse_hhmm(end)
    if first == last:
        raise InvalidInput("quiet hours must not start and end at the same time")
    quiet = {"start": first.strftime("%H:%M"), "end": last.strftime("%H:%M")}
    return _change(ctx, channel, "quiet_hours_set", quiet_hours=quiet)


def change_blackout(
    ctx: Context, channel: str, add: Sequence[str] = (), remove: Sequence[str] = ()
) -> SlotTable:
    """Add or remove blackout dates (YYYY-MM-DD, the channel's local dates)."""
    parsed_add, parsed_remove = _dates(add), _dates(remove)
    with ctx.tx() as tx:
        current = set(channel_db.by_name(tx, channel).blackout_dates)
    dates = sorted((current | parsed_add) - parsed_remove)
    return _change(ctx, channel, "blackout_set", blackout_dates=dates)


def _dates(texts: Sequence[str]) -> set[str]:
    out = set()
    for text in texts:
        try:
            out.add(date.fromisoformat(text.strip()).isoformat())
        except ValueError:
            raise InvalidInput(f"not a date: {text!r} (use YYYY-MM-DD)") from None
    return out


def slot_table(ctx: Context, channel: str) -> SlotTable:
    with ctx.tx() as tx:
        return SlotTable.of(channel_db.by_name(tx, channel))


# -- reading slots ----------------------------------------------------------------------------


def slots_for(ctx: Context, channel: str, start: datetime, days: int) -> list[Slot]:
    """The channel's slots in ``[start, start + days)``, each with the post sitting in it."""
    if not 1 <= days <= MAX_LIST_DAYS:
        raise InvalidInput(f"days must be between 1 and {MAX_LIST_DAYS}")
    end = start + timedelta(days=days)
    with ctx.tx() as tx:
        row = channel_db.by_name(tx, channel)
        assert row.id is not None
        booked = read.booked(tx, [row.id], start, end + timedelta(minutes=1))
    calendar = calendar_of(row)
    by_minute = {_minute(due): post_id for _, due, post_id in booked}
    return [
        Slot(t, channel, by_minute.get(_minute(t)), calendar.is_open(t))
        for t in calendar.slot_times(start, end)
    ]


def _minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def next_free_slot(
    ctx: Context, channel_names: list[str], after: datetime, *, ignore_post: int | None = None
) -> datetime:
    """The earliest slot at or after ``after`` that is free on all the given channels.

    A slot counts when every channel that has slots has it (channels without
    slots accept any time); it is free when no post of those channels is
    scheduled in it (``ignore_post`` excepted) and no channel is in quiet hours
    or a blackout date then.
    """
    if not channel_names:
        raise InvalidInput("the post has no channels: add some with --to")
    with ctx.tx() as tx:
        rows = [channel_db.by_name(tx, name) for name in dict.fromkeys(channel_names)]
    calendars = [calendar_of(row) for row in rows]
    slotted = [c for c in calendars if c.has_slots]
    if not slotted:
        names = ", ".join(r.name for r in rows)
        raise InvalidInput(
            f"no posting slots set for {names}: set them with "
            "`oyez slots set CHANNEL --weekdays mon-fri --times 09:00,12:30,16:00`"
        )
    ids = [r.id for r in rows if r.id is not None]
    start = after
    limit = after + timedelta(days=HORIZON_DAYS)
    while start < limit:
        end = min(start + _WINDOW, limit)
        common = set(slotted[0].slot_times(start, end))
        for calendar in slotted[1:]:
            common &= set(calendar.slot_times(start, end))
        with ctx.tx() as tx:
            taken = {
                _minute(due)
                for _, due, post_id in read.booked(tx, ids, start, end)
                if post_id != ignore_post
            }
        for moment in sorted(common):
            if _minute(moment) not in taken and all(c.is_open(moment) for c in calendars):
                return moment
        start = end
    names = ", ".join(r.name for r in rows)
    raise InvalidInput(
        f"no free slot common to {names} in the next {HORIZON_DAYS} days: "
        "give the channels a slot time in common, or schedule with --at"
    )


def schedule_next_slot(ctx: Context, post_id: int) -> PostView:
    """Schedule an approved (or move a scheduled) post into the earliest free slot."""
    view = posts.get_post(ctx, post_id)
    slot = next_free_slot(ctx, view.channels, ctx.clock(), ignore_post=post_id)
    return posts.schedule_post(ctx, post_id, slot)
