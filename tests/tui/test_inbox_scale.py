"""The Inbox screen on 100,000 items reads one page of them, not the whole inbox."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from textual.widgets import DataTable

from publisher.context import Context, open_context
from publisher.tui.app import OyezApp
from publisher.tui.screens.inbox import PAGE, InboxScreen
from queue_db.tables import InboxItem
from tests.inbox.bulk import seed_items
from tests.tui.conftest import SLOTS, START, Clock, add_channel, drive, make_ctx, wait_for

ITEMS = 100_000


@pytest.fixture
def big_inbox(tmp_path: Path, clock: Clock) -> Iterator[Context]:
    """A SQLite database (migrated) with 100,000 items on ``council``: SQLite is enough here."""
    url = f"sqlite:///{tmp_path / 'big-inbox.db'}"
    open_context(url, "alex", migrate=True).close()
    ctx = make_ctx(url, clock)
    add_channel(ctx, "council", tmp_path / "outbox", SLOTS)
    seed_items(ctx, "council", ITEMS, START)
    yield ctx
    ctx.close()


@pytest.fixture
def items_loaded() -> Iterator[list[int]]:
    """How many inbox rows the ORM loads while the test runs (one entry per row)."""
    loaded: list[int] = []

    def on_load(target: InboxItem, _context: Any) -> None:
        loaded.append(target.id or 0)

    event.listen(InboxItem, "load", on_load)
    yield loaded
    event.remove(InboxItem, "load", on_load)


def test_the_first_inbox_screen_with_100000_items_reads_one_page(
    big_inbox: Context, items_loaded: list[int]
) -> None:
    app = OyezApp(big_inbox, poll_seconds=0)

    async def scenario(pilot: Any) -> None:
        await pilot.press("8")
        await wait_for(
            pilot,
            lambda: (
                isinstance(app.screen, InboxScreen)
                and app.screen.query_one(DataTable).row_count > 0
            ),
            seconds=60,
        )
        screen = app.screen
        assert isinstance(screen, InboxScreen)
        assert screen.query_one(DataTable).row_count == PAGE
        # The newest new items first ...
        assert [i.id for i in screen.items[:3]] == [ITEMS, ITEMS - 1, ITEMS - 2]
        # ... and only the rows of that one page were read from the table (the page
        # may be read more than once while the screen opens: mount, resume, first refresh).
        assert set(items_loaded) == {i.id for i in screen.items}
        assert len(items_loaded) <= 3 * PAGE

    drive(app, scenario, (120, 40))
