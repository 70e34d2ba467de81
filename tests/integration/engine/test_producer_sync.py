"""A running dispatcher keeps its producers in step with the database, without SIGHUP."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from apscheduler.triggers.interval import IntervalTrigger

from publisher.context import Context, open_context
from publisher.engine.producers import Producer, sync
from publisher.engine.runner import Dispatcher
from publisher.sources.tips.cadences import (
    add_cadence,
    pause_cadence,
    remove_cadence,
    resume_cadence,
)
from publisher.sources.tips.pools import add_tip
from tests.helpers import add_outbox
from tests.integration.engine.conftest import engine_settings
from tests.integration.engine.test_dispatcher import wait_for


def _noop(ctx: Context, when: datetime) -> int:
    return 0


def producer(pid: str, version: str = "") -> Producer:
    return Producer(pid, IntervalTrigger(minutes=5), _noop, version=version)


def test_an_unchanged_producer_keeps_its_armed_job_and_a_changed_one_is_armed_afresh() -> None:
    same, changed, gone = (
        producer("feed:a", "1:5"),
        producer("cadence:b", "2:0 9 * * *"),
        producer("x"),
    )
    fresh_same, fresh_changed, new = (
        producer("feed:a", "1:5"),
        producer("cadence:b", "2:0 10 * * *"),
        producer("feed:new", "3:5"),
    )

    plan = sync([same, changed, gone], [fresh_same, fresh_changed, new], complete=True)

    assert plan.keep[0] is same  # the very object whose job is armed
    assert [p.id for p in plan.keep] == ["feed:a", "cadence:b", "feed:new"]
    assert plan.arm == [fresh_changed, new]
    assert sorted(plan.cancel) == ["cadence:b", "x"]


def test_producers_of_a_module_that_failed_to_answer_are_kept_not_cancelled() -> None:
    armed = [producer("cadence:b", "2"), producer("feed:a", "1")]

    plan = sync(armed, [producer("feed:a", "1")], complete=False)

    assert {p.id for p in plan.keep} == {"cadence:b", "feed:a"}
    assert plan.cancel == []
    assert plan.arm == []


@pytest.fixture
def ctx(db_url: str, tmp_path: Path) -> Iterator[Context]:
    context = open_context(db_url, "alex", settings=engine_settings(db_url))
    add_outbox(context, "news", tmp_path / "news")
    add_tip(context, "security", "Lock your screen when you step away.")
    yield context
    context.close()


def test_a_running_dispatcher_arms_a_new_cadence_and_drops_a_paused_or_removed_one(
    ctx: Context,
) -> None:
    dispatcher = Dispatcher(ctx, sync_seconds=0.2)
    dispatcher.start()

    def armed() -> set[str]:
        return {job for job in dispatcher.scheduled() if job.startswith("producer:cadence:")}

    try:
        assert wait_for(lambda: "producer:tickets:pump" in dispatcher.scheduled())
        assert armed() == set()
        add_cadence(
            ctx, "morning", pool="security", cron="0 9 * * *", timezone="UTC", channels=["news"]
        )
        assert wait_for(lambda: armed() == {"producer:cadence:morning"})
        first = dispatcher.scheduled()["producer:cadence:morning"]
        pause_cadence(ctx, "morning")
        assert wait_for(lambda: armed() == set())
        resume_cadence(ctx, "morning")
        assert wait_for(lambda: armed() == {"producer:cadence:morning"})
        assert dispatcher.scheduled()["producer:cadence:morning"] == first
        remove_cadence(ctx, "morning")
        assert wait_for(lambda: armed() == set())
    finally:
        dispatcher.stop()


def test_a_producer_whose_job_was_dropped_is_armed_again_at_the_next_look(ctx: Context) -> None:
    add_cadence(
        ctx, "morning", pool="security", cron="0 9 * * *", timezone="UTC", channels=["news"]
    )
    dispatcher = Dispatcher(ctx, sync_seconds=0.2)
    dispatcher.start()
    try:
        assert wait_for(lambda: "producer:cadence:morning" in dispatcher.scheduled())
        first = dispatcher.scheduled()["producer:cadence:morning"]
        # APScheduler drops a date job it had to skip (its id was busy); nothing else would
        # bring the job back while the cadence itself is unchanged.
        dispatcher._clock.cancel("producer:cadence:morning")
        assert wait_for(lambda: dispatcher.scheduled().get("producer:cadence:morning") == first)
    finally:
        dispatcher.stop()
