"""Reading slot tables, weekdays, quiet hours and blackout dates; backoff; dead workers."""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
from datetime import UTC, datetime, time, timedelta

import pytest
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from publisher.context.calendar import (
    Calendar,
    CalendarError,
    next_fire,
    parse_hhmm,
    parse_weekdays,
    weekday_table,
)
from publisher.engine.owners import dead_owners, worker_name
from publisher.engine.settle import backoff


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("mon-fri", ["mon", "tue", "wed", "thu", "fri"]),
        ("sat,sun", ["sat", "sun"]),
        ("Monday-Wednesday,fri", ["mon", "tue", "wed", "fri"]),
        ("fri-mon", ["mon", "fri", "sat", "sun"]),
        ("all", ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]),
    ],
)
def test_weekdays_are_read_as_people_write_them(text: str, days: list[str]) -> None:
    assert parse_weekdays(text) == days


@pytest.mark.parametrize("text", ["", "mo", "funday", "mon-xyz", "1-5"])
def test_unreadable_weekdays_are_refused(text: str) -> None:
    with pytest.raises(CalendarError):
        parse_weekdays(text)


def test_times_are_normalised_and_sorted() -> None:
    assert parse_hhmm(" 9:05 ") == time(9, 5)
    assert weekday_table(["mon"], ["16:00", "9:00", "09:00"]) == {"mon": ["09:00", "16:00"]}
    for bad in ("24:00", "9", "09:60", "noon"):
        with pytest.raises(CalendarError):
            parse_hhmm(bad)


def test_quiet_hours_past_midnight_open_in_the_morning() -> None:
    calendar = Calendar.of("UTC", quiet_hours={"start": "22:00", "end": "07:00"})
    night = datetime(2026, 6, 1, 23, 30, tzinfo=UTC)
    early = datetime(2026, 6, 2, 6, 59, tzinfo=UTC)
    assert calendar.opens_at(night) == datetime(2026, 6, 2, 7, 0, tzinfo=UTC)
    assert calendar.opens_at(early) == datetime(2026, 6, 2, 7, 0, tzinfo=UTC)
    noon = datetime(2026, 6, 2, 12, 0, tzinfo=UTC)
    assert calendar.opens_at(noon) == noon


def test_blackout_dates_run_into_quiet_hours() -> None:
    calendar = Calendar.of(
        "Europe/London",
        quiet_hours={"start": "00:00", "end": "08:00"},
        blackout_dates=["2026-12-25", "2026-12-26"],
    )
    christmas = datetime(2026, 12, 25, 10, tzinfo=UTC)
    assert calendar.opens_at(christmas) == datetime(2026, 12, 27, 8, tzinfo=UTC)


def test_a_long_run_of_blackout_dates_opens_the_day_after_it() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    days = [(start + timedelta(days=n)).date().isoformat() for n in range(800)]
    calendar = Calendar.of("UTC", blackout_dates=days)
    assert calendar.opens_at(start) == start + timedelta(days=800)


def test_interval_and_date_triggers_fire_strictly_after_the_given_time() -> None:
    start = datetime(2026, 6, 1, tzinfo=UTC)
    interval = IntervalTrigger(minutes=10, start_date=start, timezone=UTC)
    assert next_fire(interval, start) == start + timedelta(minutes=10)
    once = DateTrigger(run_date=start + timedelta(hours=1), timezone=UTC)
    assert next_fire(once, start) == start + timedelta(hours=1)
    assert next_fire(once, start + timedelta(hours=1)) is None


def test_backoff_grows_exponentially_with_jitter_and_is_capped() -> None:
    rng = random.Random(1)
    for attempts, ceiling in [(1, 5), (2, 10), (3, 20), (4, 40)]:
        wait = backoff(attempts, 3600, rng).total_seconds()
        assert ceiling / 2 <= wait <= ceiling
    assert backoff(30, 60, rng) <= timedelta(seconds=60)


def test_only_workers_of_this_host_whose_process_is_gone_count_as_dead() -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    host = socket.gethostname()
    me = worker_name()
    owners = [
        f"{host}:{gone.pid}:aaaaaa",
        f"{host}:{os.getpid()}:bbbbbb",
        f"elsewhere:{gone.pid}:cccccc",
        "garbage",
        me,
    ]
    assert dead_owners(owners, me) == [f"{host}:{gone.pid}:aaaaaa"]
