"""Whole tasks, driven through the TUI with Textual's Pilot on real databases."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import update
from sqlmodel import col
from textual.widgets import DataTable, Select, SelectionList

from publisher.context import Context
from publisher.guidelines import Severity
from publisher.service import posts
from publisher.tui.app import OyezApp
from publisher.tui.screens.compose import ComposeScreen
from publisher.tui.screens.post import PostScreen
from publisher.tui.screens.queue import QueueScreen
from publisher.tui.screens.signoff import SignoffScreen
from publisher.tui.widgets.crisis_banner import CrisisBanner
from publisher.tui.widgets.findings_list import FindingsList
from publisher.tui.widgets.post_editor import PostEditor
from publisher.tui.widgets.queue_table import QueueTable
from queue_db.tables import Delivery
from tests.tui.conftest import Clock, drive, keys, wait_for


def _text(app: OyezApp, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


def test_a_draft_is_fixed_signed_off_slotted_and_sent(tui_ctx: Context, clock: Clock) -> None:
    app = OyezApp(tui_ctx, dispatch=True, poll_seconds=0.2)

    async def scenario(pilot: Any) -> None:
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, ComposeScreen))
        compose = app.screen
        editor = compose.query_one(PostEditor)
        await pilot.press(*keys("Call Jo on 07911 123"))
        assert not compose.query_one(FindingsList).findings
        await pilot.press("4")  # this keystroke makes a number a person reads as a phone number
        found = compose.query_one(FindingsList).findings
        assert [f.rule for f in found if f.severity is Severity.ERROR] == ["personal-data"]
        assert any(
            name == "oyez-error"
            for spans in compose.query_one(PostEditor)._highlights.values()
            for _, _, name in spans
        )
        compose.query_one("#channels", SelectionList).select("council")
        editor.select_all()
        editor.insert("Bin collections move to Saturday this week")
        await pilot.press("full_stop")
        await pilot.pause()
        assert not [
            f for f in compose.query_one(FindingsList).findings if f.severity is Severity.ERROR
        ]
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen))
        [post] = posts.list_posts(tui_ctx)
        assert (post.state, post.author, post.channels) == ("in_review", "alex", ["council"])

        app.act_as("sam")
        await pilot.press("2")
        await wait_for(pilot, lambda: isinstance(app.screen, SignoffScreen))
        await pilot.press("a")
        assert posts.get_post(tui_ctx, post.id).state == "approved"

        await pilot.press("1")
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen))
        await pilot.press("t")
        await pilot.pause()
        await pilot.press("enter")  # the prompt offers "next": the next free slot
        scheduled = posts.get_post(tui_ctx, post.id)
        assert scheduled.state == "scheduled"
        assert scheduled.scheduled_at == clock.now.replace(hour=9, minute=0)

        clock.advance(hours=1, seconds=5)
        app.changed()  # wakes the in-process dispatcher
        table = app.screen.query_one(QueueTable)
        await wait_for(pilot, lambda: posts.get_post(tui_ctx, post.id).state == "sent")
        app.screen.query_one("#state", Select).value = "sent"
        await wait_for(pilot, lambda: bool(table.page.rows) and table.page.rows[0].state == "sent")
        [row] = table.page.rows
        assert row.links
        assert row.links[0].startswith("file://")
        assert "↗" in str(table.get_row_at(0)[-1])
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, PostScreen))
        assert row.links[0] in _text(app, "#post-deliveries")

    drive(app, scenario, (120, 40))


def test_crisis_pause_shows_a_banner_everywhere_until_resumed(tui_ctx: Context) -> None:
    app = OyezApp(tui_ctx, poll_seconds=0)

    async def scenario(pilot: Any) -> None:
        await pilot.press("6")
        await pilot.pause()
        await pilot.press("exclamation_mark")
        await pilot.pause()
        await pilot.press(*keys("major incident"), "enter")
        await wait_for(pilot, lambda: app.crisis == "major incident")
        assert app.screen.query_one(CrisisBanner).has_class("-on")
        assert "major incident" in str(app.screen.query_one(CrisisBanner).render())
        for section in "12345":
            await pilot.press(section)
            await pilot.pause()
            assert app.screen.query_one(CrisisBanner).has_class("-on"), section
        await pilot.press("6")
        await pilot.pause()
        await pilot.press("R")
        await pilot.pause()
        await pilot.press("y")
        await wait_for(pilot, lambda: app.crisis is None)
        await pilot.press("1")
        await pilot.pause()
        assert not app.screen.query_one(CrisisBanner).has_class("-on")

    drive(app, scenario, (80, 24))


def test_a_rejected_post_goes_back_to_its_author_with_the_comment(tui_ctx: Context) -> None:
    post = posts.create_post(tui_ctx, "The library reopens on Monday.", ["council"])
    posts.submit_post(tui_ctx, post.id)
    tui_ctx.actor = "sam"
    app = OyezApp(tui_ctx, poll_seconds=0)

    async def scenario(pilot: Any) -> None:
        await pilot.press("2")
        await pilot.pause()
        await pilot.press("r")
        await pilot.pause()
        await pilot.press(*keys("Say which library"), "enter")
        await wait_for(pilot, lambda: posts.get_post(tui_ctx, post.id).state == "draft")
        app.act_as("alex")
        await pilot.press("1")
        await pilot.pause()
        table = app.screen.query_one(QueueTable)
        row = table.current_row()
        assert row is not None
        assert (row.id, row.state, row.author) == (post.id, "draft", "alex")
        assert row.review_comment == "Say which library"
        assert "↩" in str(table.get_row_at(0)[-1])
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, PostScreen))
        assert "Say which library" in _text(app, "#post-review")

    drive(app, scenario, (80, 24))


def test_a_database_that_goes_away_is_a_notification_not_a_crash(
    tui_ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    from publisher.errors import StorageProblem
    from publisher.service import queue

    app = OyezApp(tui_ctx, poll_seconds=0)

    async def scenario(pilot: Any) -> None:
        def gone(*_args: object, **_kwargs: object) -> None:
            raise StorageProblem("database error: disk I/O error")

        monkeypatch.setattr(queue, "queue_page", gone)
        await pilot.press("5")
        await pilot.pause()
        await pilot.press("1")  # coming back to the queue reloads it
        await pilot.pause()
        assert app.is_running
        assert isinstance(app.screen, QueueScreen)
        assert any("disk I/O error" in str(n.message) for n in app._notifications)

    drive(app, scenario, (80, 24))


def test_the_queue_shows_another_users_post_without_a_key_press(
    tui_ctx: Context, db_url: str, clock: Clock
) -> None:
    from tests.tui.conftest import make_ctx

    other = make_ctx(db_url, clock, actor="jo")
    app = OyezApp(tui_ctx, poll_seconds=0.2)

    async def scenario(pilot: Any) -> None:
        table = app.screen.query_one(QueueTable)
        await pilot.pause()
        assert table.page.total == 0
        post = posts.create_post(other, "Written in another terminal", ["council"])
        await wait_for(pilot, lambda: [r.id for r in table.page.rows] == [post.id])
        assert table.page.rows[0].author == "jo"

    try:
        drive(app, scenario, (80, 24))
    finally:
        other.close()


def test_a_change_seen_before_a_section_is_drawn_waits_for_it(tui_ctx: Context) -> None:
    posts.submit_post(tui_ctx, posts.create_post(tui_ctx, "Waiting for sign-off", ["council"]).id)
    app = OyezApp(tui_ctx, poll_seconds=0)

    async def scenario(pilot: Any) -> None:
        for mode in ("signoff", "calendar", "sources", "activity", "channels", "report", "queue"):
            app.switch_mode(mode)
            # The poll can see a change before the new screen has its widgets.
            app.reload_screen()
            await wait_for(pilot, lambda: app.screen.is_mounted)
            await pilot.pause()
            assert app.is_running, mode
        await pilot.press("2")
        await pilot.pause()
        assert "Waiting for sign-off" in str(app.screen.query_one(DataTable).get_row_at(0)[-1])

    drive(app, scenario, (100, 30))


def test_a_bug_in_a_background_call_is_a_notification_not_a_crash(tui_ctx: Context) -> None:
    app = OyezApp(tui_ctx, poll_seconds=0)
    results: list[object] = []

    def broken() -> object:
        raise KeyError("remote_url")

    async def scenario(pilot: Any) -> None:
        app.call_in_background(broken, done=results.append, group="test")
        await wait_for(pilot, lambda: bool(app._notifications))
        await pilot.pause()
        assert app.is_running
        assert not results
        assert any("KeyError" in str(n.message) for n in app._notifications)

    drive(app, scenario, (80, 24))


def test_the_report_keeps_its_charts_while_a_change_is_read(tui_ctx: Context) -> None:
    app = OyezApp(tui_ctx, poll_seconds=0)

    async def scenario(pilot: Any) -> None:
        await pilot.press("7")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "Last 7 days" in _text(app, "#report")
        app.reload_screen()  # as when the poll sees a change
        assert "Last 7 days" in _text(app, "#report")
        await pilot.press("d")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "Last 30 days" in _text(app, "#report")

    drive(app, scenario, (100, 30))


def test_sign_off_cuts_each_text_to_the_new_width_when_the_terminal_is_resized(
    tui_ctx: Context,
) -> None:
    long_text = "The library on Mill Lane reopens on Monday after the roof repairs. " * 3
    post = posts.create_post(tui_ctx, long_text, ["council"])
    posts.submit_post(tui_ctx, post.id)
    app = OyezApp(tui_ctx, poll_seconds=0)

    def shown() -> str:
        return str(app.screen.query_one(DataTable).get_row_at(0)[3])

    async def scenario(pilot: Any) -> None:
        await pilot.press("2")
        await pilot.pause()
        narrow = shown()
        await pilot.resize_terminal(160, 40)
        await wait_for(pilot, lambda: len(shown()) > len(narrow))
        wide = shown()
        await pilot.resize_terminal(80, 24)
        await wait_for(pilot, lambda: len(shown()) < len(wide))
        assert long_text.startswith(wide.rstrip("…"))

    drive(app, scenario, (80, 24))


def test_a_delivery_that_needs_attention_is_resolved_from_the_post_screen(
    tui_ctx: Context,
) -> None:
    post = posts.create_post(tui_ctx, "Did this reach the council page?", ["council"])
    with tui_ctx.tx() as tx:  # as the engine leaves it when it cannot tell
        tx.session.execute(
            update(Delivery)
            .where(col(Delivery.post_id) == post.id)
            .values(state="needs_attention", last_error="cannot tell whether it was published")
        )
    app = OyezApp(tui_ctx, poll_seconds=0)

    def delivery_state() -> str:
        return posts.get_post(tui_ctx, post.id).deliveries[0].state

    async def scenario(pilot: Any) -> None:
        app.push_screen(PostScreen(post.id))
        await pilot.pause()
        await pilot.press("v")
        await pilot.pause()
        assert "cannot tell whether it was published" in _text(app, ".dialog-label")
        await pilot.press(*keys("nope"), "enter")  # neither an id nor "no": nothing changes
        await pilot.pause()
        assert delivery_state() == "needs_attention"
        await pilot.press("v")
        await pilot.pause()
        await pilot.press(*keys("1860012345678901234"), "enter")
        await wait_for(pilot, lambda: delivery_state() == "sent")
        await pilot.press("v")  # nothing needs attention any more
        await pilot.pause()
        assert not app.screen.query(".dialog-label")

    drive(app, scenario, (100, 30))
    delivery = posts.get_post(tui_ctx, post.id).deliveries[0]
    assert delivery.remote_id == "1860012345678901234"
