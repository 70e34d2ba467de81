"""Crontab expressions read as crontab reads them, in a time zone, across clock changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger

from publisher.context.cron import fire_times, parse_cron, trigger
from publisher.errors import InvalidInput

LJUBLJANA = ZoneInfo("Europe/Ljubljana")
NEW_YORK = ZoneInfo("America/New_York")
FRIDAY = datetime(2026, 11, 6, 12, 0, tzinfo=LJUBLJANA)


def local(times: list[datetime]) -> list[str]:
    return [t.isoformat() for t in times]


@pytest.mark.parametrize("day", ["0", "7", "sun", "SUN"])
def test_weekday_zero_and_seven_mean_sunday_as_in_crontab(day: str) -> None:
    (first,) = fire_times(trigger(f"0 9 * * {day}", LJUBLJANA), FRIDAY, 1)
    assert first.strftime("%A %H:%M") == "Sunday 09:00"


def test_apscheduler_from_crontab_reads_weekday_zero_as_monday() -> None:
    # Why cron.py translates the weekday field itself: APScheduler 3 counts from Monday.
    raw = CronTrigger.from_crontab("0 9 * * 0", timezone=LJUBLJANA)
    assert raw.get_next_fire_time(None, FRIDAY).strftime("%A") == "Monday"


@pytest.mark.parametrize(
    ("field", "days"),
    [
        ("1-5", ["Mon", "Tue", "Wed", "Thu", "Fri"]),
        ("5-7", ["Fri", "Sat", "Sun"]),
        ("fri-sun", ["Fri", "Sat", "Sun"]),
        ("*/2", ["Sun", "Tue", "Thu", "Sat"]),
        ("1/3", ["Mon", "Thu"]),
        ("6,0", ["Sat", "Sun"]),
    ],
)
def test_weekday_ranges_lists_and_steps_count_from_sunday(field: str, days: list[str]) -> None:
    times = fire_times(trigger(f"0 9 * * {field}", LJUBLJANA), FRIDAY, 14)
    assert sorted({t.strftime("%a") for t in times}, key=days.index) == days


def test_day_of_month_and_weekday_together_fire_on_either_as_in_crontab() -> None:
    times = fire_times(trigger("0 9 13 * 5", LJUBLJANA), datetime(2026, 11, 1, tzinfo=UTC), 7)
    # Every Friday, and the 13th of December although it is a Sunday.
    assert [t.strftime("%a %d %b") for t in times] == [
        "Fri 06 Nov",
        "Fri 13 Nov",
        "Fri 20 Nov",
        "Fri 27 Nov",
        "Fri 04 Dec",
        "Fri 11 Dec",
        "Sun 13 Dec",
    ]


@pytest.mark.parametrize(
    ("day", "before", "after"),
    [(datetime(2026, 3, 28), "+01:00", "+02:00"), (datetime(2026, 10, 24), "+02:00", "+01:00")],
    ids=["march", "october"],
)
def test_three_a_day_keeps_its_local_times_across_the_clock_change(
    day: datetime, before: str, after: str
) -> None:
    times = fire_times(trigger("0 9,13,17 * * *", LJUBLJANA), day.replace(tzinfo=LJUBLJANA), 6)
    first, second = day.date(), (day + timedelta(days=1)).date()
    assert local(times) == [
        f"{d}T{h}:00:00{offset}"
        for d, offset in ((first, before), (second, after))
        for h in ("09", "13", "17")
    ]


@pytest.mark.parametrize("tz", [LJUBLJANA, NEW_YORK], ids=["ljubljana", "new-york"])
def test_fixed_time_in_the_repeated_hour_fires_once_when_clocks_fall_back(tz: ZoneInfo) -> None:
    start = (
        datetime(2026, 10, 20, tzinfo=tz) if tz is LJUBLJANA else datetime(2026, 10, 28, tzinfo=tz)
    )
    times = fire_times(trigger("30 1 * * *", tz), start, 14)
    days = [t.date() for t in times]
    assert len(days) == len(set(days)) == 14
    assert all(t.strftime("%H:%M") == "01:30" for t in times)


@pytest.mark.parametrize("tz", [LJUBLJANA, NEW_YORK], ids=["ljubljana", "new-york"])
def test_fixed_time_in_the_skipped_hour_fires_once_when_clocks_spring_forward(tz: ZoneInfo) -> None:
    start = datetime(2026, 3, 1, tzinfo=tz)
    times = fire_times(trigger("30 2 * * *", tz), start, 40)
    days = [t.date() for t in times]
    assert len(days) == len(set(days)) == 40
    assert days == [days[0] + timedelta(days=i) for i in range(40)]
    # On the day the hour is skipped the post goes out an hour later by the wall clock.
    assert sorted({t.strftime("%H:%M") for t in times}) == ["02:30", "03:30"]


def test_hourly_cron_fires_in_both_copies_of_the_repeated_hour() -> None:
    times = fire_times(
        trigger("30 * * * *", LJUBLJANA), datetime(2026, 10, 25, 1, 0, tzinfo=LJUBLJANA), 4
    )
    assert local(times) == [
        "2026-10-25T01:30:00+02:00",
        "2026-10-25T02:30:00+02:00",
        "2026-10-25T02:30:00+01:00",
        "2026-10-25T03:30:00+01:00",
    ]


def test_trigger_is_an_apscheduler_trigger_that_moves_past_a_repeated_hour() -> None:
    trig = trigger("30 * * * *", LJUBLJANA)
    assert isinstance(trig, BaseTrigger)
    second = datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=LJUBLJANA)
    # A scheduler hands back the local time it was given, fold and all.
    following = trig.get_next_fire_time(second, second)
    assert following is not None
    assert following.isoformat() == "2026-10-25T03:30:00+01:00"


def test_macros_are_read() -> None:
    assert parse_cron("@daily").minute == "0"
    (first,) = fire_times(trigger("@weekly", LJUBLJANA), FRIDAY, 1)
    assert first.strftime("%A %H:%M") == "Sunday 00:00"


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("0 9 * *", "five fields"),
        ("0 9 * * 8", "out of range"),
        ("0 25 * * *", "higher than the maximum"),
        ("0 9 * * 5-1", "runs backwards"),
        ("0 9 * * funday", "not 0-7 or sun-sat"),
        ("61 9 * * *", "cron"),
    ],
)
def test_bad_cron_is_refused_with_one_line(expr: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message) as info:
        parse_cron(expr)
    assert "\n" not in str(info.value)
