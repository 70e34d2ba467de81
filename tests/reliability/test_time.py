"""Time test: slots and cron cadences across the spring and autumn clock changes.

In three time zones (two northern, one southern), around both changes of
2026: every local day has each slot and each cadence firing exactly once. A
wall time the clocks skip happens as if they had not changed yet (01:30 in
London's missing hour is 02:30 summer time); a wall time that happens twice
happens at its first occurrence.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger

from publisher.context import Context, open_context
from publisher.context.calendar import Calendar, fire_times
from publisher.service import posts, slots
from queue_db.database import make_engine
from queue_db.migrate import upgrade
from tests.helpers import add_outbox
from tests.integration.engine.conftest import engine_settings


@dataclass(frozen=True)
class Change:
    zone: str
    day: date
    #: A wall time inside the hour skipped (spring) or repeated (autumn).
    odd: time
    spring: bool


CHANGES = [
    Change("Europe/London", date(2026, 3, 29), time(1, 30), spring=True),
    Change("Europe/London", date(2026, 10, 25), time(1, 30), spring=False),
    Change("America/New_York", date(2026, 3, 8), time(2, 30), spring=True),
    Change("America/New_York", date(2026, 11, 1), time(1, 30), spring=False),
    Change("Australia/Sydney", date(2026, 10, 4), time(2, 30), spring=True),
    Change("Australia/Sydney", date(2026, 4, 5), time(2, 30), spring=False),
]
IDS = [f"{c.zone}-{'spring' if c.spring else 'autumn'}" for c in CHANGES]
DAYS = 7


def local_days(change: Change) -> list[date]:
    return [change.day + timedelta(days=n) for n in range(-3, DAYS - 3)]


def window(change: Change) -> tuple[datetime, datetime]:
    zone = ZoneInfo(change.zone)
    first, last = local_days(change)[0], local_days(change)[-1]
    start = datetime.combine(first, time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    return start, end


@pytest.mark.parametrize("change", CHANGES, ids=IDS)
def test_each_slot_happens_once_a_day_across_the_clock_change(change: Change) -> None:
    times = ["00:30", change.odd.strftime("%H:%M"), "09:00", "16:00"]
    calendar = Calendar.of(
        change.zone, {d: times for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    )
    start, end = window(change)
    found = list(calendar.slot_times(start, end))
    assert found == sorted(set(found))
    zone = ZoneInfo(change.zone)
    per_day = Counter(t.astimezone(zone).date() for t in found)
    assert per_day == {d: 4 for d in local_days(change)}
    # 09:00 stays 09:00 on the wall clock on every day, whatever the offset.
    nine = [t.astimezone(zone) for t in found if t.astimezone(zone).time() == time(9)]
    assert len(nine) == DAYS


@pytest.mark.parametrize("change", CHANGES, ids=IDS)
def test_the_odd_wall_time_is_shifted_on_spring_days_and_taken_once_on_autumn_days(
    change: Change,
) -> None:
    zone = ZoneInfo(change.zone)
    calendar = Calendar.of(change.zone, {"mon": [], "sun": [change.odd.strftime("%H:%M")]})
    start, end = window(change)
    (moment,) = calendar.slot_times(start, end)
    local = moment.astimezone(zone)
    if change.spring:
        # The wall time did not exist: it happens one hour later on the new clock.
        assert local.time() == time(change.odd.hour + 1, change.odd.minute)
    else:
        # It existed twice: the first one, still on summer time.
        assert local.time() == change.odd
        assert local.fold == 0
        assert (
            moment.astimezone(zone).utcoffset()
            == datetime.combine(change.day - timedelta(days=1), change.odd, tzinfo=zone).utcoffset()
        )


@pytest.mark.parametrize("change", CHANGES, ids=IDS)
@pytest.mark.parametrize("hour", [0, 1, 2, 3, 9])
def test_a_daily_cron_cadence_fires_once_every_local_day(change: Change, hour: int) -> None:
    zone = ZoneInfo(change.zone)
    trigger = CronTrigger(hour=hour, minute=30, timezone=change.zone)
    start, end = window(change)
    fires = fire_times(trigger, start, end - timedelta(microseconds=1))
    per_day = Counter(f.astimezone(zone).date() for f in fires)
    assert per_day == {d: 1 for d in local_days(change)}
    gaps = {b - a for a, b in itertools.pairwise(fires)}
    assert gaps <= {timedelta(hours=23), timedelta(hours=24), timedelta(hours=25)}


@pytest.mark.parametrize("change", CHANGES, ids=IDS)
def test_a_weekday_cron_cadence_skips_nothing_and_doubles_nothing(change: Change) -> None:
    zone = ZoneInfo(change.zone)
    trigger = CronTrigger.from_crontab("30 8,12,17 * * *", timezone=change.zone)
    start, end = window(change)
    fires = fire_times(trigger, start, end)
    assert len(fires) == 3 * DAYS
    assert len(set(fires)) == len(fires)
    assert {f.astimezone(zone).strftime("%H:%M") for f in fires} == {"08:30", "12:30", "17:30"}


@pytest.mark.parametrize("change", CHANGES, ids=IDS)
def test_quiet_hours_end_at_the_local_time_on_the_day_of_the_change(change: Change) -> None:
    zone = ZoneInfo(change.zone)
    calendar = Calendar.of(change.zone, {}, {"start": "22:00", "end": "07:00"})
    evening = datetime.combine(change.day - timedelta(days=1), time(23), tzinfo=zone)
    opens = calendar.opens_at(evening.astimezone(UTC))
    assert opens.astimezone(zone).replace(tzinfo=None) == datetime.combine(change.day, time(7))


@pytest.fixture
def ctx(tmp_path: Path) -> Iterator[Context]:
    url = f"sqlite:///{tmp_path / 'time.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    context = open_context(url, "alex", settings=engine_settings(url))
    yield context
    context.close()


@pytest.mark.parametrize("change", CHANGES, ids=IDS)
def test_next_slot_scheduling_fills_one_slot_a_day_through_the_change(
    ctx: Context, tmp_path: Path, change: Change
) -> None:
    add_outbox(ctx, "desk", tmp_path / "desk")
    slots.set_slots(ctx, "desk", "all", "09:00," + change.odd.strftime("%H:%M"), change.zone)
    start, _ = window(change)
    ctx.clock = lambda: start
    scheduled = []
    for i in range(2 * DAYS):
        view = posts.create_post(ctx, f"Post {i}", ["desk"])
        posts.submit_post(ctx, view.id)
        posts.approve_post(ctx, view.id)
        done = slots.schedule_next_slot(ctx, view.id)
        assert done.scheduled_at is not None
        scheduled.append(done.scheduled_at)
    assert scheduled == sorted(set(scheduled))
    expected = [s.time for s in slots.slots_for(ctx, "desk", start, DAYS)]
    assert scheduled == expected
    assert all(s.post_id is not None for s in slots.slots_for(ctx, "desk", start, DAYS))
