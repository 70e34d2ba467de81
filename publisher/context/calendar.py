"""Wall-clock time for channels and cadences: posting slots, quiet hours, blackout dates, cron.

People write times on the wall clock of a place ("Mon-Fri 09:00 Europe/London"),
but the queue stores instants in UTC. Every conversion here goes through one
rule, so nothing is skipped or doubled at a daylight-saving change:

* a wall time that does not exist (the hour the clocks skip in spring) happens
  as if the clocks had not changed yet, so 01:30 becomes 02:30 summer time;
* a wall time that happens twice (the hour repeated in autumn) happens once,
  at its first occurrence.

That is :pep:`495`'s ``fold=0``. APScheduler 3's own ``CronTrigger`` gets both
cases wrong (it fires twice in the repeated hour and can skip the day after the
spring change), so :func:`next_fire` evaluates cron fields on the wall clock
and converts with the rule above.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
#: Longest run of closed days :meth:`Calendar.opens_at` looks through.
MAX_CLOSED_DAYS = 400
#: How far around a wall time cron evaluation looks; wider than any DST shift.
_DST_MARGIN = timedelta(hours=3)


class CalendarError(ValueError):
    """A slot time, weekday, date or time zone that cannot be read."""


def parse_hhmm(text: str) -> time:
    """``"09:00"`` → ``time(9, 0)``; raises :class:`CalendarError` with one clear line."""
    match = _HHMM.match(text.strip())
    if not match:
        raise CalendarError(f"not a time of day: {text!r} (use HH:MM, e.g. 09:00)")
    return time(int(match.group(1)), int(match.group(2)))


def parse_weekdays(text: str) -> list[str]:
    """``"mon-fri"``, ``"sat,sun"``, ``"mon-wed,fri"`` or ``"all"`` → weekday names in order."""
    chosen: set[int] = set()
    for part in (p.strip().lower() for p in text.split(",")):
        if part in ("all", "daily", "*"):
            chosen.update(range(7))
            continue
        first, sep, last = part.partition("-")
        try:
            a = WEEKDAYS.index(first[:3]) if first else -1
            b = WEEKDAYS.index(last[:3]) if sep else a
        except ValueError:
            a = b = -1
        if a < 0 or b < 0 or len(first) < 3 or (sep and len(last) < 3):
            raise CalendarError(f"not a weekday or range: {part!r} (e.g. mon-fri or sat,sun)")
        span = range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)]
        chosen.update(span)
    if not chosen:
        raise CalendarError("no weekdays given (e.g. mon-fri)")
    return [WEEKDAYS[i] for i in sorted(chosen)]


def parse_zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise CalendarError(f"unknown time zone {name!r} (e.g. Europe/London)") from None


def instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of wall time ``at`` on ``day`` in ``zone`` (``fold=0``, see module doc)."""
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


@dataclass(frozen=True)
class Calendar:
    """When a channel posts: its slots, quiet hours and blackout dates, in its time zone."""

    zone: ZoneInfo
    #: Weekday index (0 = Monday) → slot times, sorted.
    slots: Mapping[int, tuple[time, ...]]
    #: ``(start, end)`` wall times; the window may run past midnight (22:00-07:00).
    quiet: tuple[time, time] | None = None
    blackout: frozenset[date] = frozenset()

    @classmethod
    def of(
        cls,
        timezone: str,
        slots: Mapping[str, Any] | None = None,
        quiet_hours: Mapping[str, Any] | None = None,
        blackout_dates: Iterable[str] = (),
    ) -> Calendar:
        """Read a channel's stored settings; raises :class:`CalendarError` on bad values."""
        table: dict[int, tuple[time, ...]] = {}
        for day, times in (slots or {}).items():
            if day not in WEEKDAYS:
                raise CalendarError(f"not a weekday: {day!r}")
            table[WEEKDAYS.index(day)] = tuple(sorted({parse_hhmm(str(t)) for t in times}))
        quiet = None
        if quiet_hours and quiet_hours.get("start") and quiet_hours.get("end"):
            quiet = (parse_hhmm(str(quiet_hours["start"])), parse_hhmm(str(quiet_hours["end"])))
        days = set()
        for text in blackout_dates:
            try:
                days.add(date.fromisoformat(str(text)))
            except ValueError:
                raise CalendarError(f"not a date: {text!r} (use YYYY-MM-DD)") from None
        return cls(parse_zone(timezone), table, quiet, frozenset(days))

    @property
    def has_slots(self) -> bool:
        return any(self.slots.values())

    # -- slots -------------------------------------------------------------------------

    def slot_times(self, start: datetime, end: datetime) -> Iterator[datetime]:
        """Every slot instant in ``[start, end)``, ascending, each once (UTC)."""
        if not self.has_slots:
            return
        first = start.astimezone(self.zone).date() - timedelta(days=1)
        last = end.astimezone(self.zone).date() + timedelta(days=1)
        found: set[datetime] = set()
        day = first
        while day <= last:
            for at in self.slots.get(day.weekday(), ()):
                moment = instant(day, at, self.zone)
                if start <= moment < end:
                    found.add(moment)
            day += timedelta(days=1)
        yield from sorted(found)

    # -- quiet hours and blackout dates --------------------------------------------------

    def _quiet_ends(self, moment: datetime) -> datetime | None:
        if self.quiet is None:
            return None
        start, end = self.quiet
        local = moment.astimezone(self.zone)
        clock = local.time().replace(tzinfo=None, fold=0)
        day = local.date()
        if start == end:
            return None
        if start < end:
            inside = start <= clock < end
            end_day = day
        else:  # the window runs past midnight
            inside = clock >= start or clock < end
            end_day = day + timedelta(days=1) if clock >= start else day
        if not inside:
            return None
        opens = instant(end_day, end, self.zone)
        return opens if opens > moment else None

    def _blackout_ends(self, moment: datetime) -> datetime | None:
        day = moment.astimezone(self.zone).date()
        if day not in self.blackout:
            return None
        while day in self.blackout:
            day += timedelta(days=1)
        return instant(day, time(0, 0), self.zone)

    def opens_at(self, moment: datetime) -> datetime:
        """``moment`` if the channel may post then, else the first instant after it that it may."""
        for _ in range(MAX_CLOSED_DAYS * 2):
            later = self._blackout_ends(moment) or self._quiet_ends(moment)
            if later is None:
                return moment
            moment = later
        raise CalendarError("the channel is closed (quiet hours or blackout) for over a year")

    def is_open(self, moment: datetime) -> bool:
        return self.opens_at(moment) == moment


# -- cron cadences ------------------------------------------------------------------------


def _wall(moment: datetime, zone: Any) -> datetime:
    """The wall-clock reading of ``moment`` in ``zone``, as a UTC-labelled datetime."""
    return moment.astimezone(zone).replace(tzinfo=UTC, fold=0)


def _from_wall(wall: datetime, zone: Any) -> datetime:
    return wall.replace(tzinfo=None).replace(tzinfo=zone).astimezone(UTC)


def _wall_trigger(trigger: CronTrigger) -> CronTrigger:
    """The same cron fields evaluated on a clock that never changes (UTC), without jitter."""
    fields = {f.name: str(f) for f in trigger.fields}
    zone = trigger.timezone
    start = _wall(trigger.start_date, zone) if trigger.start_date else None
    end = _wall(trigger.end_date, zone) if trigger.end_date else None
    return CronTrigger(**fields, start_date=start, end_date=end, timezone=UTC)


def _cron_next(trigger: CronTrigger, after: datetime) -> datetime | None:
    zone = trigger.timezone
    wall = _wall_trigger(trigger)
    cursor = _wall(after, zone) - _DST_MARGIN
    best: datetime | None = None
    horizon: datetime | None = None
    # Wall times map to instants monotonically except across a spring gap, so
    # look a little past the first hit for an earlier instant.
    while True:
        candidate = wall.get_next_fire_time(None, cursor)
        if candidate is None or (horizon is not None and candidate > horizon):
            return best
        moment = _from_wall(candidate, zone)
        if moment > after and (best is None or moment < best):
            best = moment
            horizon = horizon or candidate + _DST_MARGIN
        cursor = candidate + timedelta(seconds=1)


def next_fire(trigger: Any, after: datetime) -> datetime | None:
    """The first nominal fire time of an APScheduler 3 trigger strictly after ``after`` (UTC).

    Nominal means without jitter, so every worker computes the same time and a
    producer's source key (producer id, fire time) is the same everywhere.
    Cron triggers follow the daylight-saving rule of this module.
    """
    if isinstance(trigger, CronTrigger):
        return _cron_next(trigger, after)
    moment = trigger.get_next_fire_time(None, after + timedelta(microseconds=1))
    if moment is None:
        return None
    moment = moment.astimezone(UTC)
    return moment if moment > after else None


def fire_times(trigger: Any, start: datetime, end: datetime) -> list[datetime]:
    """Every nominal fire time in ``(start, end]``, for previews and tests."""
    out: list[datetime] = []
    moment: datetime | None = start
    while moment is not None:
        moment = next_fire(trigger, moment)
        if moment is None or moment > end:
            break
        out.append(moment)
    return out


def weekday_table(weekdays: Sequence[str], times: Sequence[str]) -> dict[str, list[str]]:
    """A slots table for the given weekdays, times normalised to ``HH:MM`` and sorted."""
    parsed = sorted({parse_hhmm(t) for t in times if t.strip()})
    if not parsed:
        raise CalendarError("no slot times given (e.g. 09:00,12:30,16:00)")
    return {day: [t.strftime("%H:%M") for t in parsed] for day in weekdays}
