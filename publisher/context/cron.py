"""Crontab expressions as crontab means them, on APScheduler 3 triggers.

Three things differ between crontab and APScheduler 3's ``CronTrigger``, and
this module makes them agree with crontab:

- Weekday numbers: crontab counts 0 (or 7) = Sunday, 1 = Monday; APScheduler 3
  counts 0 = Monday (its ``from_crontab`` passes the numbers straight through).
  The weekday field is expanded to a set of days and handed over by name.
- Day of month *and* weekday both restricted: crontab fires when *either*
  matches, APScheduler when both do. Such expressions become an ``OrTrigger``.
- Daylight saving: when the clock falls back, a fixed wall time (``30 2 * * *``)
  occurs twice and APScheduler fires twice; crontab fires once. The second
  occurrence is dropped unless the hour field is ``*`` (then every hour that
  happens is wanted). A wall time skipped in spring fires at the same instant
  one hour later on the wall clock, once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from itertools import islice
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger

from publisher.errors import InvalidInput

MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
#: Weekday names by crontab number (0 = Sunday); APScheduler takes the names.
DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_DOW_PART = re.compile(r"^(?:(\*)|([0-9a-z]+)(?:-([0-9a-z]+))?)(?:/(\d+))?$")
#: How far ahead a search for the next fire time may look before giving up.
_SEARCH_LIMIT = 1000


@dataclass(frozen=True)
class CronSpec:
    """A checked crontab expression: its five fields, weekdays translated."""

    expr: str
    minute: str
    hour: str
    day: str
    month: str
    #: crontab weekday numbers (0 = Sunday), or None for ``*``.
    weekdays: frozenset[int] | None

    def day_of_week(self) -> str:
        """The weekday field in APScheduler's terms (names, so numbering cannot mix up)."""
        if self.weekdays is None:
            return "*"
        return ",".join(DAY_NAMES[d] for d in sorted(self.weekdays))


def _day_number(token: str, expr: str) -> int:
    if token.isdigit():
        number = int(token)
        if number > 7:
            raise InvalidInput(f"weekday {token} out of range 0-7 in cron {expr!r}")
        return number % 7
    if token in DAY_NAMES:
        return DAY_NAMES.index(token)
    raise InvalidInput(f"weekday {token!r} is not 0-7 or sun-sat in cron {expr!r}")


def _weekdays(field: str, expr: str) -> frozenset[int] | None:
    if field == "*":
        return None
    days: set[int] = set()
    for part in field.lower().split(","):
        match = _DOW_PART.match(part)
        if not match:
            raise InvalidInput(f"cannot read weekday field {field!r} in cron {expr!r}")
        star, first, last, step_text = match.groups()
        step = int(step_text) if step_text else 1
        if step < 1:
            raise InvalidInput(f"weekday step must be at least 1 in cron {expr!r}")
        if star:
            start, end = 0, 6
        else:
            start = _day_number(first, expr)
            if last is None:
                end = 6 if step_text else start
            else:
                end = _day_number(last, expr)
                if end == 0 and start > 0:
                    end = 7  # Sunday closing a range: "5-7" and "fri-sun" run Friday to Sunday
            if end < start:
                raise InvalidInput(
                    f"weekday range {part!r} runs backwards in cron {expr!r} "
                    "(write 6,0 or sat,sun for a range across the week's end)"
                )
        days.update(d % 7 for d in range(start, end + 1, step))
    return frozenset(days)


def parse_cron(expr: str) -> CronSpec:
    """Check a crontab expression (five fields, or a macro such as ``@daily``)."""
    text = " ".join(expr.split())
    fields = MACROS.get(text.lower(), text).split()
    if len(fields) != 5:
        raise InvalidInput(
            f"cron {expr!r} needs five fields: minute hour day-of-month month weekday "
            '(e.g. "0 9,13,17 * * *")'
        )
    minute, hour, day, month, dow = fields
    spec = CronSpec(text, minute, hour, day, month.lower(), _weekdays(dow, expr))
    try:
        _inner(spec, ZoneInfo("UTC"))
    except ValueError as exc:
        raise InvalidInput(f"cron {expr!r}: {exc}") from None
    return spec


def check_fires(spec: CronSpec) -> None:
    """Refuse a cron that parses but never fires, such as ``0 9 31 2 *`` (31 February)."""
    if _inner(spec, ZoneInfo("UTC")).get_next_fire_time(None, datetime.now(UTC)) is None:
        raise InvalidInput(f"cron {spec.expr!r} never fires: no such date in any year")


def _cron(spec: CronSpec, tz: tzinfo, *, day: str, day_of_week: str) -> Any:
    return CronTrigger(
        minute=spec.minute,
        hour=spec.hour,
        day=day,
        month=spec.month,
        day_of_week=day_of_week,
        timezone=tz,
    )


def _inner(spec: CronSpec, tz: tzinfo) -> Any:
    if spec.day != "*" and spec.weekdays is not None:
        # crontab: restricted day-of-month OR restricted weekday.
        return OrTrigger(
            [
                _cron(spec, tz, day=spec.day, day_of_week="*"),
                _cron(spec, tz, day="*", day_of_week=spec.day_of_week()),
            ]
        )
    return _cron(spec, tz, day=spec.day, day_of_week=spec.day_of_week())


def _second_occurrence(moment: datetime) -> bool:
    """True for the repeated copy of a wall time when the clock falls back."""
    first = moment.replace(fold=0).utcoffset()
    second = moment.replace(fold=1).utcoffset()
    return first != second and moment.utcoffset() == second


class CadenceTrigger(BaseTrigger):  # type: ignore[misc]
    """An APScheduler 3 trigger that fires as crontab would, in a time zone."""

    __slots__ = ("every_hour", "inner", "spec", "tz")

    def __init__(self, spec: CronSpec, tz: ZoneInfo) -> None:
        self.spec = spec
        self.tz = tz
        self.inner = _inner(spec, tz)
        self.every_hour = spec.hour.startswith("*")

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        # Ask in UTC: APScheduler 3 adds to ``previous`` on the wall clock, which
        # loops forever on the repeated hour when the clock falls back.
        previous = previous_fire_time.astimezone(UTC) if previous_fire_time else None
        now = now.astimezone(UTC)
        if previous is not None:
            # APScheduler starts from min(now, previous + 1 µs) anyway; asking with
            # now == previous hands the previous fire time back across a fold.
            now = max(now, previous + timedelta(microseconds=1))
        for _ in range(_SEARCH_LIMIT):
            found: datetime | None = self.inner.get_next_fire_time(previous, now)
            if found is None:
                return None
            # APScheduler may hand back a wall time that does not exist (spring
            # forward); converting through UTC names the instant on the real clock.
            local = found.astimezone(UTC).astimezone(self.tz)
            if self.every_hour or not _second_occurrence(local):
                return local
            previous = found.astimezone(UTC)
            now = previous + timedelta(microseconds=1)
        return None

    def __repr__(self) -> str:
        return f"<CadenceTrigger {self.spec.expr!r} in {self.tz.key}>"


def trigger(expr: str, tz: ZoneInfo) -> CadenceTrigger:
    return CadenceTrigger(parse_cron(expr), tz)


def iter_fire_times(trig: CadenceTrigger, after: datetime) -> Iterator[datetime]:
    """Fire times strictly after ``after``, in the trigger's zone, for as long as there are any."""
    previous: datetime | None = None
    now = after.astimezone(UTC) + timedelta(microseconds=1)
    while True:
        moment = trig.get_next_fire_time(previous, now)
        if moment is None:
            return
        yield moment
        # Step on in UTC: wall-clock arithmetic loses the fold of a repeated hour.
        previous = moment.astimezone(UTC)
        now = previous + timedelta(microseconds=1)


def fire_times(trig: CadenceTrigger, after: datetime, count: int) -> list[datetime]:
    """The next ``count`` fire times strictly after ``after``, in the trigger's zone."""
    return list(islice(iter_fire_times(trig, after), count))


#: Fire times one scan looks through at most (a minutely cadence over months).
SCAN_LIMIT = 200_000


def upcoming(
    expr: str, tz: ZoneInfo, skip_dates: Iterable[str], after: datetime
) -> Iterator[datetime]:
    """Fire times of ``expr`` strictly after ``after``, dates in ``skip_dates`` left out."""
    skip = set(skip_dates)
    for moment in islice(iter_fire_times(trigger(expr, tz), after), SCAN_LIMIT):
        if moment.date().isoformat() not in skip:
            yield moment
