"""The Inbox screen: newest first, filters, and the keys that answer, assign and close items."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from textual.widgets import DataTable, Static

from publisher.context import Context
from publisher.service import inbox, posts
from publisher.tui.app import OyezApp
from publisher.tui.screens.inbox import InboxScreen
from publisher.tui.screens.reply import ReplyScreen
from queue_db import channels as channel_db
from queue_db import inbox as inbox_db
from queue_db import streams as stream_db
from queue_db.states import StreamKind
from tests.tui.conftest import START, Clock, drive, keys, wait_for


def seed_inbox(ctx: Context, count: int = 3) -> None:
    """Items on the ``council`` channel: the newest is urgent and looks like markup."""
    with ctx.store.begin() as tx:
        channel = channel_db.by_name(tx, "council").id
        stream = stream_db.add(tx, name="ask", channel_id=channel, kind=StreamKind.MENTIONS)
        rows = [
            {
                "remote_id": f"r{n}",
                "kind": "mention",
                "author_handle": f"@person{n}",
                "author_name": f"Person {n}",
                "text": f"question number {n}",
                "created_at": START - timedelta(minutes=10 * (count - n)),
                "in_reply_to": None,
            }
            for n in range(count)
        ]
        rows[-1] |= {"text": "[bold red]FAKE ALERT[/] phishing", "urgent": True, "tags": ["csirt"]}
        inbox_db.store(tx, channel, stream.id, rows, START)


def _rows(app: OyezApp) -> int:
    return app.screen.query_one(DataTable).row_count


async def _open_inbox(pilot: Any, app: OyezApp) -> None:
    await pilot.press("8")
    await wait_for(pilot, lambda: isinstance(app.screen, InboxScreen) and _rows(app) == 3)


def _pane(app: OyezApp) -> str:
    return str(app.screen.query_one("#inbox-item", Static).render())


def test_the_inbox_shows_items_newest_first_and_escapes_their_markup(
    tui_ctx: Context, clock: Clock
) -> None:
    seed_inbox(tui_ctx)
    app = OyezApp(tui_ctx, poll_seconds=0)

    async def scenario(pilot: Any) -> None:
        await _open_inbox(pilot, app)
        screen = app.screen
        assert isinstance(screen, InboxScreen)
        assert [i.author_handle for i in screen.items] == ["@person2", "@person1", "@person0"]
        assert "[bold red]FAKE ALERT[/]" in _pane(app)  # literal, not applied
        assert "URGENT" in _pane(app)
        await pilot.press("g")
        await pilot.press(*keys("csirt"), "enter")
        await wait_for(pilot, lambda: _rows(app) == 1)

    drive(app, scenario, (120, 40))


def test_done_ignore_and_assign_move_items_out_of_the_new_view(
    tui_ctx: Context, clock: Clock
) -> None:
    seed_inbox(tui_ctx)
    app = OyezApp(tui_ctx, poll_seconds=0)

    async def scenario(pilot: Any) -> None:
        await _open_inbox(pilot, app)
        await pilot.press("d")
        await wait_for(pilot, lambda: _rows(app) == 2)
        await pilot.press("i")
        await wait_for(pilot, lambda: _rows(app) == 1)
        await pilot.press("a")
        await pilot.press(*keys("sam"), "enter")
        await wait_for(pilot, lambda: _rows(app) == 0)
        await pilot.press("f")  # state: assigned
        await wait_for(pilot, lambda: _rows(app) == 1)
        await pilot.press("f", "f", "f", "f")  # replied, done, ignored, then any
        await wait_for(pilot, lambda: _rows(app) == 3)

    drive(app, scenario, (120, 40))
    states = {i.author_handle: (i.state, i.assignee) for i in inbox.list_items(tui_ctx)}
    assert states == {
        "@person2": ("done", None),
        "@person1": ("ignored", None),
        "@person0": ("assigned", "sam"),
    }


def test_r_answers_an_item_through_compose_and_sign_off(tui_ctx: Context, clock: Clock) -> None:
    seed_inbox(tui_ctx)
    app = OyezApp(tui_ctx, poll_seconds=0)

    async def scenario(pilot: Any) -> None:
        await _open_inbox(pilot, app)
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, ReplyScreen))
        await pilot.press(*keys("Thanks, we are on it."))
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: isinstance(app.screen, InboxScreen) and _rows(app) == 2)

    drive(app, scenario, (120, 40))
    (replied,) = inbox.list_items(tui_ctx, state="replied")
    assert replied.author_handle == "@person2"
    assert replied.reply_post_id is not None
    post = posts.get_post(tui_ctx, replied.reply_post_id)
    assert post.state == "in_review"
    assert post.text == "Thanks, we are on it."
    assert post.channels == ["council"]
