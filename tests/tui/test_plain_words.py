"""What the screens say: text people typed is shown as typed, the crisis pause says what it holds,
the calendar acts on the post the person picked."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import col

from publisher.context import Context
from publisher.service import pause, posts
from publisher.tui.app import OyezApp
from publisher.tui.screens.calendar import CalendarScreen
from publisher.tui.screens.queue import QueueScreen
from publisher.tui.widgets.crisis_banner import CrisisBanner
from queue_db.tables import Post
from tests.tui.conftest import START, Clock, drive, make_ctx, wait_for


def _scheduled(ctx: Context, clock: Clock, text: str, hours: float) -> int:
    post = posts.create_post(ctx, text, ["council"])
    posts.submit_post(ctx, post.id)
    sam = make_ctx(ctx.settings.database_url, clock, actor="sam")
    try:
        posts.approve_post(sam, post.id)
    finally:
        sam.close()
    posts.schedule_post(ctx, post.id, START + timedelta(hours=hours))
    return post.id


def _shown(app: OyezApp, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


def test_a_pause_reason_in_brackets_is_shown_as_typed_and_the_banner_says_what_still_goes(
    tui_ctx: Context,
) -> None:
    pause.pause_all(tui_ctx, "[P1] mail outage")
    app = OyezApp(tui_ctx, poll_seconds=0)

    async def scenario(pilot: Any) -> None:
        await pilot.pause()
        banner = str(app.screen.query_one(CrisisBanner).render())
        assert "[P1] mail outage" in banner
        assert "scheduled posts held, urgent posts still go out" in banner
        assert "nothing is being published" not in banner

    drive(app, scenario, (80, 24))


def test_resuming_says_how_many_overdue_posts_go_out_and_offers_the_queue_first(
    tui_ctx: Context, clock: Clock
) -> None:
    _scheduled(tui_ctx, clock, "Library reopens on Monday.", 1)
    _scheduled(tui_ctx, clock, "Roadworks start tomorrow.", 1.5)
    pause.pause_all(tui_ctx, "major incident")
    clock.advance(hours=3)  # both are now overdue
    app = OyezApp(tui_ctx, poll_seconds=0)

    async def scenario(pilot: Any) -> None:
        await pilot.press("6")
        await pilot.pause()
        await pilot.press("R")
        await pilot.pause()
        question = _shown(app, ".dialog-label")
        assert "2 overdue deliveries go out now" in " ".join(question.split())
        await pilot.press("n")  # review them first
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen))
        assert app.crisis == "major incident"

    drive(app, scenario, (80, 24))


def test_calendar_keys_act_on_the_picked_post_and_a_sent_post_is_not_moved(
    tui_ctx: Context, clock: Clock
) -> None:
    sent = _scheduled(tui_ctx, clock, "Sent already [sent] tag text.", 1)
    waiting = _scheduled(tui_ctx, clock, "Still to go out.", 1.25)
    with tui_ctx.tx() as tx:  # as the engine leaves it after delivery
        tx.session.execute(update(Post).where(col(Post.id) == sent).values(state="sent"))
    app = OyezApp(tui_ctx, poll_seconds=0)

    async def scenario(pilot: Any) -> None:
        await pilot.press("3")
        await wait_for(pilot, lambda: isinstance(app.screen, CalendarScreen))
        screen = app.screen
        assert isinstance(screen, CalendarScreen)
        await pilot.pause()
        await pilot.press("down")  # from 08:00 (now) to the 09:00 hour both posts are in
        await pilot.pause()
        detail = _shown(app, "#calendar-detail")
        assert "[sent]" in detail  # the state label, not swallowed as markup
        assert "[sent] tag text" in detail
        await pilot.press("m")
        await pilot.pause()
        assert screen.moving is None  # the sent post is refused
        await pilot.press("p", "m")
        await pilot.pause()
        assert screen.moving is not None
        assert screen.moving.post_id == waiting

    drive(app, scenario, (100, 30))


def test_the_upcoming_queue_says_where_sent_posts_are(tui_ctx: Context) -> None:
    app = OyezApp(tui_ctx, poll_seconds=0)

    async def scenario(pilot: Any) -> None:
        await pilot.pause()
        assert "sent: state ▲" in _shown(app, "#queue-status")

    drive(app, scenario, (80, 24))
