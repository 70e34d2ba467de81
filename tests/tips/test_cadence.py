"""Cadences on real databases: previews across clock changes, firing once, rotation as previewed."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from publisher.context import Context
from publisher.context.cron import CadenceTrigger
from publisher.engine.delivery import Deliverer
from publisher.errors import IllegalTransition, InvalidInput, NotFoundError
from publisher.service import channels, posts
from publisher.service.views import PostView
from publisher.sources.tips import cadences, fire_cadence, pools, producers
from queue_db import events as audit
from queue_db import posts as post_db
from queue_db.tables import Cadence
from tests.helpers import all_at_once, make_context, set_columns
from tests.tips.conftest import FIVE_TIPS

Write = Callable[[str, str], Path]
THREE_A_DAY = "0 9,13,17 * * *"
TZ = "Europe/Ljubljana"


@pytest.fixture
def pool(ctx: Context, write: Write) -> str:
    pools.import_tips(ctx, write("tips.yaml", FIVE_TIPS), "awareness")
    return "awareness"


def add(ctx: Context, name: str = "daily", **options: Any) -> cadences.CadenceView:
    settings: dict[str, object] = {
        "pool": "awareness",
        "cron": THREE_A_DAY,
        "timezone": TZ,
        "channels": ["csirt"],
        **options,
    }
    return cadences.add_cadence(ctx, name, **settings)  # type: ignore[arg-type]


def cadence_id(ctx: Context, name: str = "daily") -> int:
    return next(v.id for v in cadences.list_cadences(ctx) if v.name == name)


def tip_posts(ctx: Context) -> list[PostView]:
    return posts.list_posts(ctx, source="tip")


def test_preview_keeps_local_times_across_the_march_change(ctx: Context, pool: str) -> None:
    add(ctx)
    items = cadences.preview(ctx, "daily", count=9)
    assert [i.at.isoformat() for i in items] == [
        "2026-03-27T09:00:00+01:00",
        "2026-03-27T13:00:00+01:00",
        "2026-03-27T17:00:00+01:00",
        "2026-03-28T09:00:00+01:00",
        "2026-03-28T13:00:00+01:00",
        "2026-03-28T17:00:00+01:00",
        "2026-03-29T09:00:00+02:00",
        "2026-03-29T13:00:00+02:00",
        "2026-03-29T17:00:00+02:00",
    ]


def test_preview_keeps_local_times_across_the_october_change(ctx: Context, pool: str) -> None:
    add(ctx)
    items = cadences.preview(ctx, "daily", count=6, after=datetime(2026, 10, 24, 5, 0, tzinfo=UTC))
    assert [i.at.isoformat() for i in items] == [
        "2026-10-24T09:00:00+02:00",
        "2026-10-24T13:00:00+02:00",
        "2026-10-24T17:00:00+02:00",
        "2026-10-25T09:00:00+01:00",
        "2026-10-25T13:00:00+01:00",
        "2026-10-25T17:00:00+01:00",
    ]


def test_preview_of_a_pool_of_five_shows_no_repeat_in_any_five_consecutive_posts(
    ctx: Context, pool: str
) -> None:
    add(ctx)
    items = cadences.preview(ctx, "daily", count=30)
    ids = [i.tip_id for i in items]
    assert None not in ids
    assert all(len(set(ids[i : i + 5])) == 5 for i in range(len(ids) - 4))
    texts = {v.id: v.text for v in pools.list_tips(ctx)}
    assert all(i.text == texts[i.tip_id] for i in items if i.tip_id is not None)


def test_preview_leaves_out_skip_dates_and_follows_tip_windows(
    ctx: Context, pool: str, write: Write
) -> None:
    add(ctx, skip_dates=["2026-03-28", "2026-03-30..2026-03-31"])
    pools.add_tip(
        ctx,
        "awareness",
        "Only on the 29th.",
        valid_from=datetime(2026, 3, 29, 0, 0, tzinfo=UTC),
        valid_until=datetime(2026, 3, 30, 0, 0, tzinfo=UTC),
    )
    items = cadences.preview(ctx, "daily", count=9)
    days = sorted({i.at.date().isoformat() for i in items})
    assert days == ["2026-03-27", "2026-03-29", "2026-04-01"]
    windowed = [i for i in items if i.text == "Only on the 29th."]
    assert len(windowed) == 1
    assert windowed[0].at.date().isoformat() == "2026-03-29"


def test_firing_makes_one_scheduled_post_and_a_second_firing_makes_none(
    ctx: Context, pool: str
) -> None:
    add(ctx)
    at = datetime(2026, 3, 27, 8, 0, tzinfo=UTC)
    assert fire_cadence(ctx, cadence_id(ctx), at) == 1
    assert fire_cadence(ctx, cadence_id(ctx), at) == 0
    (post,) = tip_posts(ctx)
    assert post.state == "scheduled"
    assert post.scheduled_at == at
    assert post.approved_by == "ana"  # signed off at import
    assert post.author == "oyez"
    with ctx.tx() as tx:
        row = post_db.get(tx, post.id)
    assert row.source_key == f"cadence:{cadence_id(ctx)}:20260327T0800"


def test_a_firing_armed_under_a_schedule_edited_since_posts_nothing(
    ctx: Context, pool: str
) -> None:
    add(ctx)
    old = datetime(2026, 3, 27, 8, 0, tzinfo=UTC)  # 09:00 in Ljubljana
    # Edited before the daemon looked again: now 10:30 only.
    set_columns(ctx, Cadence, cadence_id(ctx), cron="30 10 * * *")
    assert fire_cadence(ctx, cadence_id(ctx), old) == 0
    assert tip_posts(ctx) == []
    new = datetime(2026, 3, 27, 9, 30, tzinfo=UTC)
    assert fire_cadence(ctx, cadence_id(ctx), new) == 1
    assert [p.scheduled_at for p in tip_posts(ctx)] == [new]


def test_firings_follow_the_preview(ctx: Context, pool: str) -> None:
    add(ctx)
    expected = cadences.preview(ctx, "daily", count=12)
    for item in expected:
        assert fire_cadence(ctx, cadence_id(ctx), item.at) == 1
    made = sorted(tip_posts(ctx), key=lambda p: p.scheduled_at or datetime.min.replace(tzinfo=UTC))
    assert [p.text for p in made] == [i.text for i in expected]
    # And the preview goes on from where the firings stopped.
    ctx.clock = lambda: expected[-1].at
    following = cadences.preview(ctx, "daily", count=5)
    ids = [i.tip_id for i in expected[-4:]] + [following[0].tip_id]
    assert len(set(ids)) == 5


def test_two_cadences_on_one_pool_share_its_rotation(ctx: Context, pool: str) -> None:
    add(ctx, "morning", cron="0 9 * * *")
    add(ctx, "evening", cron="0 17 * * *")
    morning = cadences.preview(ctx, "morning", count=5)
    evening = cadences.preview(ctx, "evening", count=5)
    merged = sorted([*morning, *evening], key=lambda i: i.at)
    ids = [i.tip_id for i in merged]
    assert all(len(set(ids[i : i + 5])) == 5 for i in range(len(ids) - 4))


def test_workers_firing_at_once_make_one_post(db_url: str, ctx: Context, pool: str) -> None:
    add(ctx)
    cid = cadence_id(ctx)
    at = datetime(2026, 3, 27, 8, 0, tzinfo=UTC)
    workers = [make_context(db_url, "oyez") for _ in range(4)]
    made = all_at_once(workers, lambda worker: fire_cadence(worker, cid, at))
    assert sorted(made) == [0, 0, 0, 1]
    assert len(tip_posts(ctx)) == 1


def test_skip_dates_and_a_paused_cadence_make_no_post(ctx: Context, pool: str) -> None:
    add(ctx, skip_dates=["2026-03-27"])
    cid = cadence_id(ctx)
    assert fire_cadence(ctx, cid, datetime(2026, 3, 27, 8, 0, tzinfo=UTC)) == 0
    cadences.pause_cadence(ctx, "daily")
    assert fire_cadence(ctx, cid, datetime(2026, 3, 28, 8, 0, tzinfo=UTC)) == 0
    with pytest.raises(IllegalTransition, match="already paused"):
        cadences.pause_cadence(ctx, "daily")
    assert producers(ctx) == []
    cadences.resume_cadence(ctx, "daily")
    assert fire_cadence(ctx, cid, datetime(2026, 3, 28, 8, 0, tzinfo=UTC)) == 1
    assert len(tip_posts(ctx)) == 1


def test_tips_imported_for_review_wait_for_sign_off(ctx: Context, write: Write) -> None:
    pools.import_tips(ctx, write("t.yaml", "- text: Needs a look.\n"), "awareness", approve=False)
    add(ctx)
    fire_cadence(ctx, cadence_id(ctx), datetime(2026, 3, 27, 8, 0, tzinfo=UTC))
    (post,) = tip_posts(ctx)
    assert post.state == "in_review"


@pytest.mark.parametrize(("mode", "state"), [("hold", "in_review"), ("drop", "cancelled")])
def test_a_tip_with_an_error_finding_is_never_approved(
    db_url: str, tmp_path: Path, write: Write, mode: str, state: str
) -> None:
    ctx = make_context(db_url, "ana", guidelines={"automated_errors": mode})
    channels.add_channel(ctx, "csirt", "outbox", {"path": str(tmp_path / "o")})
    # A right-to-left override is a hidden-Unicode error in the default pack.
    pools.add_tip(ctx, "awareness", "Update your phone\u202e today.")
    add(ctx)
    fire_cadence(ctx, cadence_id(ctx), datetime(2026, 3, 27, 8, 0, tzinfo=UTC))
    (post,) = tip_posts(ctx)
    assert post.state == state
    assert post.approved_by is None
    ctx.close()


def test_a_removed_channel_fails_the_firing_without_using_up_a_tip(ctx: Context, pool: str) -> None:
    add(ctx, channels=["csirt", "csirt-mast"])
    channels.remove_channel(ctx, "csirt-mast")
    with pytest.raises(NotFoundError, match="csirt-mast"):
        fire_cadence(ctx, cadence_id(ctx), datetime(2026, 3, 27, 8, 0, tzinfo=UTC))
    assert all(v.served == 0 for v in pools.list_tips(ctx))


def test_a_claim_left_by_a_dead_worker_is_finished_by_the_next_firing(
    ctx: Context, pool: str
) -> None:
    from publisher.sources.tips import firing

    add(ctx)
    cid = cadence_id(ctx)
    at = datetime(2026, 3, 27, 8, 0, tzinfo=UTC)
    claim = firing._claim(ctx, cid, 1, firing.source_key(cid, at), at)
    assert claim is not None
    assert tip_posts(ctx) == []  # the worker died here
    assert fire_cadence(ctx, cid, at) == 1
    (post,) = tip_posts(ctx)
    assert post.text == claim.text
    assert post.state == "scheduled"


def test_removing_a_cadence_keeps_its_posts_and_its_firings_in_the_rotation(
    ctx: Context, pool: str
) -> None:
    add(ctx)
    fired = cadences.preview(ctx, "daily", count=2)
    for item in fired:
        assert fire_cadence(ctx, cadence_id(ctx), item.at) == 1
    assert cadences.remove_cadence(ctx, "daily") == 2
    assert cadences.list_cadences(ctx) == []
    assert sorted(p.text for p in tip_posts(ctx)) == sorted(i.text or "" for i in fired)
    assert sum(v.served for v in pools.list_tips(ctx)) == 2
    # A new cadence on the pool goes on with the rotation rather than start it again.
    add(ctx, "again")
    coming = {i.tip_id for i in cadences.preview(ctx, "again", count=3)}
    assert coming.isdisjoint(i.tip_id for i in fired)
    with ctx.tx() as tx:
        (logged,) = [e for e in audit.for_post(tx) if e.action == "cadence_removed"]
    assert (logged.actor, logged.detail["cadence"], logged.detail["firings"]) == ("ana", "daily", 2)


def test_removing_an_unknown_cadence_is_not_found(ctx: Context, pool: str) -> None:
    with pytest.raises(NotFoundError, match="no cadence named 'nope'"):
        cadences.remove_cadence(ctx, "nope")


def test_a_daemon_job_of_a_removed_cadence_fires_nothing_and_logs_at_info(
    ctx: Context, pool: str, caplog: pytest.LogCaptureFixture
) -> None:
    from publisher.sources.tips import firing

    add(ctx)
    cid = cadence_id(ctx)
    (job,) = producers(ctx)  # what a running daemon holds until it reloads
    cadences.remove_cadence(ctx, "daily")
    at = datetime(2026, 3, 27, 8, 0, tzinfo=UTC)
    with caplog.at_level(logging.INFO, logger="oyez.tips"):
        assert job.fire(ctx, at) == 0
        # A firing that read the cadence just before the removal claims no tip.
        assert firing._claim(ctx, cid, 1, firing.source_key(cid, at), at) is None
    assert [r.levelno for r in caplog.records] == [logging.INFO, logging.INFO]
    assert "was removed" in caplog.records[0].getMessage()
    assert tip_posts(ctx) == []
    assert all(v.served == 0 for v in pools.list_tips(ctx))


def test_a_due_tip_post_is_delivered_by_the_engine(ctx: Context, pool: str, tmp_path: Path) -> None:
    add(ctx)
    at = datetime(2026, 3, 27, 8, 0, tzinfo=UTC)
    fire_cadence(ctx, cadence_id(ctx), at)
    worker = replace(ctx, clock=lambda: at + timedelta(seconds=5))
    deliverer = Deliverer(worker, "test-worker")
    try:
        outcome = deliverer.run_once()
    finally:
        deliverer.close()
    assert outcome.sent == 1
    assert tip_posts(ctx)[0].state == "sent"
    assert len(list((tmp_path / "outbox" / "csirt").glob("*.json"))) == 1


def test_producers_give_one_trigger_per_running_cadence_in_its_zone(
    ctx: Context, pool: str
) -> None:
    add(ctx, "morning", cron="0 9 * * 1-5")
    add(ctx, "ny", cron="0 9 * * *", timezone="America/New_York")
    found = {p.id: p for p in producers(ctx)}
    assert set(found) == {"cadence:morning", "cadence:ny"}
    trig = found["cadence:ny"].trigger
    assert isinstance(trig, CadenceTrigger)
    assert trig.tz.key == "America/New_York"
    fire_at = trig.get_next_fire_time(None, datetime(2026, 3, 27, 6, 0, tzinfo=UTC))
    assert fire_at is not None
    assert found["cadence:ny"].fire(ctx, fire_at) == 1


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        ({"pool": "nope"}, InvalidInput, "no tip pool named 'nope'"),
        ({"cron": "0 9 * *"}, InvalidInput, "five fields"),
        ({"cron": "0 9 31 2 *"}, InvalidInput, "never fires"),
        ({"timezone": "Mars/Olympus"}, InvalidInput, "unknown time zone"),
        ({"channels": ["nope"]}, NotFoundError, "no channel named 'nope'"),
        ({"channels": []}, InvalidInput, "at least one channel"),
        ({"skip_dates": ["2026-02-30"]}, InvalidInput, "not a date"),
    ],
)
def test_bad_cadence_settings_are_refused(
    ctx: Context, pool: str, options: dict[str, object], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        add(ctx, "bad", **options)
    assert cadences.list_cadences(ctx) == []


def test_preview_count_is_bounded(ctx: Context, pool: str) -> None:
    add(ctx)
    with pytest.raises(InvalidInput, match="--count"):
        cadences.preview(ctx, "daily", count=0)
