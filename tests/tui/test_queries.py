"""The read models behind the TUI, on real SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from publisher.context import Context, times
from publisher.engine.delivery import Deliverer
from publisher.errors import IllegalTransition, InvalidInput
from publisher.service import activity, channels, compose, deliveries, posts, queue, week
from publisher.service.queue import QueueQuery
from tests.tui.conftest import Clock


def _scheduled(ctx: Context, text: str, at_minutes: int, channel: str = "council") -> int:
    ctx.actor = "alex"
    post = posts.create_post(ctx, text, [channel])
    posts.submit_post(ctx, post.id)
    ctx.actor = "sam"
    posts.approve_post(ctx, post.id)
    ctx.actor = "alex"
    posts.schedule_post(ctx, post.id, ctx.clock() + timedelta(minutes=at_minutes))
    return post.id


def test_queue_pages_count_every_match_and_sort_by_time(tui_ctx: Context) -> None:
    ids = [_scheduled(tui_ctx, f"Post number {n}", 60 - n) for n in range(5)]
    posts.create_post(tui_ctx, "A draft about bins", ["csirt"])
    first = queue.queue_page(tui_ctx, QueueQuery(preset="scheduled"), offset=0, limit=2)
    second = queue.queue_page(tui_ctx, QueueQuery(preset="scheduled"), offset=2, limit=2)
    assert (first.total, second.total) == (5, 5)
    assert [r.id for r in first.rows + second.rows] == list(reversed(ids))[:4]
    newest = queue.queue_page(tui_ctx, QueueQuery(preset="scheduled", newest_first=True))
    assert [r.id for r in newest.rows] == ids
    upcoming = queue.queue_page(tui_ctx, QueueQuery())
    assert upcoming.total == 6
    assert upcoming.rows[-1].state == "draft"


def test_queue_pages_read_scheduled_posts_by_time_then_unscheduled_by_id_at_every_offset(
    tui_ctx: Context,
) -> None:
    # Two posts at the same minute: the id breaks the tie.
    timed = [
        _scheduled(tui_ctx, f"Timed {n}", minutes) for n, minutes in enumerate((90, 30, 30, 60))
    ]
    drafts = [posts.create_post(tui_ctx, f"Draft {n}", ["csirt"]).id for n in range(3)]
    expected = [timed[1], timed[2], timed[3], timed[0], *drafts]
    whole = queue.queue_page(tui_ctx, QueueQuery(), limit=100)
    assert [r.id for r in whole.rows] == expected
    for size in (1, 2, 3, 5):
        for offset in range(len(expected)):
            page = queue.queue_page(tui_ctx, QueueQuery(), offset=offset, limit=size)
            assert [r.id for r in page.rows] == expected[offset : offset + size], (offset, size)
            assert page.total == len(expected)
    drafts_only = queue.queue_page(tui_ctx, QueueQuery(preset="draft"), offset=1, limit=5)
    assert [r.id for r in drafts_only.rows] == drafts[1:]


def test_queue_filters_by_channel_source_and_text(tui_ctx: Context) -> None:
    _scheduled(tui_ctx, "Bins go out on Saturday", 30)
    tip = _scheduled(tui_ctx, "Tip: use a password manager", 40, channel="csirt")
    by_channel = queue.queue_page(tui_ctx, QueueQuery(channel="csirt"))
    assert [r.id for r in by_channel.rows] == [tip]
    assert by_channel.rows[0].channels == ("csirt",)
    by_text = queue.queue_page(tui_ctx, QueueQuery(search="PASSWORD"))
    assert [r.id for r in by_text.rows] == [tip]
    assert queue.queue_page(tui_ctx, QueueQuery(source="feed")).total == 0


def test_an_unknown_state_filter_is_refused_in_one_line(tui_ctx: Context) -> None:
    with pytest.raises(InvalidInput, match="unknown state filter 'soon'"):
        queue.queue_page(tui_ctx, QueueQuery(preset="soon"))


def test_the_change_marker_moves_when_another_user_changes_something(
    tui_ctx: Context,
) -> None:
    before = queue.change_marker(tui_ctx)
    assert queue.change_marker(tui_ctx) == before
    posts.create_post(tui_ctx, "Someone else's draft", ["council"])
    assert queue.change_marker(tui_ctx) != before


def test_a_failed_delivery_is_retried_and_a_pending_one_cancelled(
    tui_ctx: Context, clock: Clock, tmp_path: Path
) -> None:
    channels.add_channel(tui_ctx, "tiny", "outbox", {"path": str(tmp_path)})
    doomed = _scheduled(tui_ctx, "Longer than this outbox takes", 1, channel="tiny")
    # Lowered after sign-off (the checks would have caught it before), so delivery refuses it.
    channels.change_channel(tui_ctx, "tiny", {"max_length": "10"})
    waiting = _scheduled(tui_ctx, "Later today", 90)
    clock.advance(minutes=2)
    engine = Deliverer(tui_ctx, "test")
    engine.run_once()
    engine.close()
    [failed] = [a for a in activity.activity(tui_ctx) if a.post_id == doomed]
    assert failed.state == "failed"
    assert "longer than" in (failed.reason or "")
    assert deliveries.retry_delivery(tui_ctx, doomed, "tiny") == "failed"
    assert posts.get_post(tui_ctx, doomed).deliveries[0].state == "pending"
    with pytest.raises(IllegalTransition, match="only failed, expired or needs-attention"):
        deliveries.retry_delivery(tui_ctx, waiting, "council")
    assert deliveries.cancel_delivery(tui_ctx, waiting, "council") == "pending"
    assert posts.get_post(tui_ctx, waiting).deliveries[0].state == "cancelled"


def test_the_week_shows_open_slots_and_the_posts_in_them(tui_ctx: Context, clock: Clock) -> None:
    post = _scheduled(tui_ctx, "At nine", 60)  # 09:00 on the first day
    shown = week.week(tui_ctx, clock.now.replace(hour=0), 7)
    assert len(shown.slots["council"]) == 14
    assert [(p.post_id, p.channel, p.at) for p in shown.posts] == [
        (post, "council", clock.now.replace(hour=9))
    ]


def test_channel_health_counts_deliveries_by_state(tui_ctx: Context) -> None:
    _scheduled(tui_ctx, "Waiting", 30)
    health = {h.name: h for h in channels.channel_health(tui_ctx)}
    assert health["council"].counts == {"pending": 1}
    assert not health["council"].paused


def test_local_times_read_in_the_user_zone_and_bad_ones_say_how() -> None:
    at = times.parse_when("2026-07-01 09:30", "Europe/London")
    assert at.isoformat() == "2026-07-01T08:30:00+00:00"
    with pytest.raises(InvalidInput, match=r"e\.g\. 2026-12-01 09:30"):
        times.parse_when("tomorrow-ish", "UTC")


def test_a_long_post_previews_as_a_numbered_thread_where_the_channel_threads() -> None:
    parts = compose.thread_preview("One sentence here. " * 30, "bluesky")
    assert len(parts) > 1
    assert parts[0].endswith(f"1/{len(parts)}")
    assert compose.thread_preview("Short.", "bluesky") == ["Short."]


def test_a_long_post_previews_as_one_post_where_the_channel_refuses_it() -> None:
    text = "One sentence here. " * 30
    assert compose.thread_preview(text, "x") == [text.strip()]
