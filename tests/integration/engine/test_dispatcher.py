"""The dispatcher as the TUI and ``oyez run`` use it: alarms, wake-ups, producers, heartbeats."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.triggers.cron import CronTrigger

from publisher.context import Context, open_context
from publisher.engine.producers import Producer
from publisher.engine.runner import Dispatcher
from publisher.errors import OyezError
from publisher.service import posts
from publisher.service.status import status
from queue_db.types import utcnow
from tests.helpers import add_outbox
from tests.integration.engine.conftest import engine_settings

#: Upper bound for anything that should happen "soon"; never a speed assertion.
PATIENCE = 15.0


def wait_for(condition: Callable[[], bool], timeout: float = PATIENCE) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


@pytest.fixture
def ctx(db_url: str, tmp_path: Path) -> Iterator[Context]:
    context = open_context(db_url, "alex", settings=engine_settings(db_url, lease_seconds=3))
    add_outbox(context, "news", tmp_path / "news")
    yield context
    context.close()


@pytest.fixture
def other(db_url: str) -> Iterator[Context]:
    """A second connection pool, as another process (the CLI, the TUI) would have."""
    context = open_context(db_url, "sam", settings=engine_settings(db_url))
    yield context
    context.close()


def schedule(ctx: Context, text: str, at: datetime) -> int:
    view = posts.create_post(ctx, text, ["news"])
    posts.submit_post(ctx, view.id)
    posts.approve_post(ctx, view.id)
    return posts.schedule_post(ctx, view.id, at).id


def state_of(ctx: Context, post_id: int) -> str:
    return posts.get_post(ctx, post_id).state


def test_a_change_made_elsewhere_wakes_the_sleeping_dispatcher(
    ctx: Context, other: Context
) -> None:
    later = schedule(ctx, "Next week", utcnow() + timedelta(days=7))
    dispatcher = Dispatcher(ctx)
    dispatcher.start()
    try:
        assert wait_for(lambda: dispatcher.next_due is not None)
        soon = schedule(other, "Right now", utcnow())
        assert wait_for(lambda: state_of(other, soon) == "sent")
        assert state_of(other, later) == "scheduled"
    finally:
        dispatcher.stop()
    assert not dispatcher.running


def test_wake_makes_an_unwatched_dispatcher_look_now(ctx: Context) -> None:
    dispatcher = Dispatcher(ctx, watch=False)
    dispatcher.start()
    try:
        assert wait_for(lambda: "heartbeat" in dispatcher.scheduled())
        post_id = schedule(ctx, "Scheduled from the TUI", utcnow())
        dispatcher.wake()
        assert wait_for(lambda: state_of(ctx, post_id) == "sent")
    finally:
        dispatcher.stop()


def test_the_alarm_fires_at_the_due_time_not_before(ctx: Context) -> None:
    due = utcnow() + timedelta(seconds=3)  # room for a slow start before the first round
    post_id = schedule(ctx, "On the dot", due)
    dispatcher = Dispatcher(ctx, watch=False)
    dispatcher.start()
    try:
        assert wait_for(lambda: dispatcher.scheduled().get("dispatch") is not None)
        assert dispatcher.scheduled()["dispatch"] == due
        assert wait_for(lambda: state_of(ctx, post_id) == "sent")
    finally:
        dispatcher.stop()
    sent_at = posts.get_post(ctx, post_id).deliveries[0].sent_at
    assert sent_at is not None
    assert sent_at >= due


def test_a_producer_fired_by_two_workers_makes_one_post_per_fire_time(ctx: Context) -> None:
    fired: list[tuple[str, datetime]] = []

    def fire(context: Context, when: datetime) -> int:
        fired.append((threading.current_thread().name, when))
        try:
            view = posts.create_post(
                context,
                f"Tip for {when:%H:%M:%S}",
                ["news"],
                source="tip",
                source_key=f"cadence:test:{when.isoformat()}",
            )
        except OyezError:
            return 0  # the other worker made it
        return 1 if view else 0

    producer = Producer("cadence:test", CronTrigger(second="*", timezone="Europe/London"), fire)
    first = Dispatcher(ctx, producers=[producer], watch=False)
    second = Dispatcher(ctx, producers=[producer], watch=False)
    first.start()
    second.start()
    try:
        assert wait_for(lambda: len({w for _, w in fired}) >= 3)
    finally:
        first.stop()
        second.stop()
    times = {w for _, w in fired}
    assert all(w.microsecond == 0 for w in times)
    made = [p for p in posts.list_posts(ctx) if p.source == "tip"]
    assert len(made) == len(times)


def test_a_running_worker_shows_in_status_and_signs_off_when_stopped(ctx: Context) -> None:
    dispatcher = Dispatcher(ctx, watch=False)
    dispatcher.start()
    try:
        assert wait_for(lambda: [w.name for w in status(ctx).workers] == [dispatcher.name])
    finally:
        dispatcher.stop()
    assert status(ctx).workers == ()


def test_run_once_delivers_what_is_due_and_returns(ctx: Context) -> None:
    due = schedule(ctx, "Due", utcnow())
    later = schedule(ctx, "Later", utcnow() + timedelta(hours=1))
    total = Dispatcher(ctx).run(once=True)
    assert total.sent == 1
    assert (state_of(ctx, due), state_of(ctx, later)) == ("sent", "scheduled")
