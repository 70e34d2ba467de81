"""The Channels screen warns from each channel's latest credential check."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from textual.widgets import DataTable, Static

from publisher.context import Context
from publisher.service import credentials
from publisher.service.credentials import CredentialCheck
from publisher.tui.app import OyezApp
from queue_db import channels as channel_db
from tests.tui.conftest import START, drive, wait_for


def test_a_token_near_expiry_and_an_old_version_show_on_the_channels_screen(
    tui_ctx: Context,
) -> None:
    check = CredentialCheck(
        "council",
        "linkedin",
        START,
        ok=True,
        account="Council <Page>",
        expires_at=START + timedelta(days=6),
        api_version="[b]202501[/b]",
        api_version_date=date(2025, 1, 1),
    )
    with tui_ctx.store.begin() as tx:
        channel_id = channel_db.by_name(tx, "council").id
        tx.log("oyez", credentials.ACTION, channel_id=channel_id, **check.to_dict())
    app = OyezApp(tui_ctx, poll_seconds=0)

    async def scenario(pilot: Any) -> None:
        app.switch_mode("channels")
        await wait_for(pilot, lambda: app.screen.is_mounted)
        table = app.screen.query_one(DataTable)
        await wait_for(pilot, lambda: table.row_count == 2)
        rows = [table.get_row_at(n) for n in range(2)]
        health = {str(r[0]): str(r[2]) for r in rows}
        assert health == {"council": "credentials!", "csirt": "ok"}
        table.move_cursor(row=[str(r[0]) for r in rows].index("council"))
        await pilot.pause()
        detail = str(app.screen.query_one("#channel-detail", Static).render())
        expires = f"{START + timedelta(days=6):%Y-%m-%d}"
        assert f"credentials: the token expires on {expires} (in 6 days)" in detail
        assert "API version [b]202501[/b] is 22 months old" in detail

    drive(app, scenario, (120, 40))
