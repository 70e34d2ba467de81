"""Compose and sign-off as a newcomer meets them: channels reached and remembered,
refusals said before anything is asked."""

from __future__ import annotations

from typing import Any

from textual.widgets import SelectionList, Static

from publisher.context import Context
from publisher.service import posts
from publisher.tui.app import OyezApp
from publisher.tui.screens.compose import ComposeScreen
from publisher.tui.screens.prompt import Prompt
from tests.tui.conftest import drive, keys, wait_for


def _toasts(app: OyezApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def _new_post(pilot: Any, app: OyezApp, text: str) -> None:
    await pilot.press("n")
    await wait_for(pilot, lambda: isinstance(app.screen, ComposeScreen))
    await pilot.press(*keys(text))


def test_self_approval_over_an_error_is_refused_before_any_reason_is_asked(
    tui_ctx: Context,
) -> None:
    post = posts.create_post(tui_ctx, "Call Jo on 07700 900123 today.", ["council"])
    posts.submit_post(tui_ctx, post.id)  # an error finding: approval needs an override
    app = OyezApp(tui_ctx, poll_seconds=0)  # alex, the author

    async def scenario(pilot: Any) -> None:
        await pilot.press("2")
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause()
        assert not isinstance(app.screen, Prompt)
        if tui_ctx.enforced:  # PostgreSQL: approve is not offered; the pane says why
            detail = str(app.screen.query_one("#review-text", Static).content)
            assert "may not approve it" in detail
        else:
            assert any("may not approve it" in t for t in _toasts(app))
        assert posts.get_post(tui_ctx, post.id).state == "in_review"

    drive(app, scenario, (80, 24))


def test_submit_with_no_channel_says_so_in_the_tuis_words_and_saves_nothing(
    tui_ctx: Context,
) -> None:
    app = OyezApp(tui_ctx, poll_seconds=0)

    async def scenario(pilot: Any) -> None:
        await _new_post(pilot, app, "Bins move to Saturday.")
        await pilot.press("ctrl+r")
        await pilot.pause()
        (toast,) = [t for t in _toasts(app) if "channel" in t]
        assert "tick at least one channel" in toast
        assert "--to" not in toast
        assert isinstance(app.focused, SelectionList)  # the list is where to go next
        assert posts.list_posts(tui_ctx) == []

    drive(app, scenario, (80, 24))


def test_compose_remembers_the_channels_last_ticked_and_ctrl_t_reaches_them(
    tui_ctx: Context,
) -> None:
    app = OyezApp(tui_ctx, poll_seconds=0)

    async def scenario(pilot: Any) -> None:
        await _new_post(pilot, app, "First post.")
        await pilot.press("ctrl+t")
        assert isinstance(app.focused, SelectionList)
        app.focused.select("csirt")
        await pilot.press("ctrl+s", "escape")
        await pilot.pause()
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, ComposeScreen))
        await pilot.pause()
        assert app.screen.query_one("#channels", SelectionList).selected == ["csirt"]

    drive(app, scenario, (80, 24))


def test_sign_off_approves_the_marked_posts_each_on_its_own(tui_ctx: Context) -> None:
    texts = ["Library reopens Monday.", "Call Jo on 07700 900123.", "Roadworks start tomorrow."]
    ids = []
    for text in texts:
        post = posts.create_post(tui_ctx, text, ["council"])
        posts.submit_post(tui_ctx, post.id)
        ids.append(post.id)
    tui_ctx.actor = "sam"
    app = OyezApp(tui_ctx, poll_seconds=0)

    async def scenario(pilot: Any) -> None:
        await pilot.press("2")
        await pilot.pause()
        await pilot.press("space", "space", "space")  # mark all three, moving down each time
        await pilot.pause()
        await pilot.press("A")
        await pilot.pause()
        toasts = _toasts(app)
        assert any(f"post {ids[1]} has 1 error finding" in t for t in toasts)
        assert any("approved 2 of 3 marked posts; 1 refused" in t for t in toasts)

    drive(app, scenario, (80, 24))
    states = [posts.get_post(tui_ctx, i).state for i in ids]
    assert states == ["approved", "in_review", "approved"]


def test_a_paste_with_terminal_escapes_is_saved_without_its_control_characters(
    tui_ctx: Context,
) -> None:
    from textual import events
    from textual.widgets import TextArea

    app = OyezApp(tui_ctx, poll_seconds=0)

    async def scenario(pilot: Any) -> None:
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, ComposeScreen))
        area = app.screen.query_one(TextArea)
        area.focus()
        app.post_message(events.Paste("Bins\x1b[2J move\x07 to\x00 Saturday.\x9b"))
        await pilot.pause()
        assert area.text == "Bins[2J move to Saturday."  # shown as it will be saved
        await pilot.press("ctrl+t")
        assert isinstance(app.focused, SelectionList)
        app.focused.select("council")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: bool(posts.list_posts(tui_ctx)))

    drive(app, scenario, (80, 24))
    (post,) = posts.list_posts(tui_ctx)
    assert post.text == "Bins[2J move to Saturday."
