"""The queue: every post, paged from the database, with filters and the lifecycle keys."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Input, Static

from publisher.service import queue
from publisher.service.queue import QueueQuery
from publisher.tui.screens.post_actions import POST_BINDINGS, PostActions
from publisher.tui.widgets.filter_bar import FilterBar
from publisher.tui.widgets.queue_table import PAGE, QueueTable


class QueueScreen(PostActions):
    """Opens on the upcoming posts, soonest first."""

    SECTION = "queue"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open", key_display="↵"),
        *POST_BINDINGS,
        Binding("slash", "search", "Search"),
        Binding("o", "sort", "Sort"),
        Binding("left_square_bracket", "page(-1)", "Prev page", key_display="["),
        Binding("right_square_bracket", "page(1)", "Next page", key_display="]"),
        Binding("escape", "leave_search", "Table", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.query_value = QueueQuery()

    def compose_body(self) -> ComposeResult:
        yield FilterBar([], self.query_value)
        yield QueueTable(self.oyez.tz)
        yield Static("", id="queue-status")

    def on_mount(self) -> None:
        self.query_one(QueueTable).focus()

    @property
    def table(self) -> QueueTable:
        return self.query_one(QueueTable)

    def current_post_id(self) -> int | None:
        return self.table.current_id()

    def reload(self) -> None:
        names = self.oyez.call(queue.channel_names, self.oyez.ctx) or []
        self.query_one(FilterBar).set_channels(names)
        self.load(self.table.page.offset, keep=self.table.current_id())

    def load(self, offset: int, *, keep: int | None = None, at_end: bool = False) -> None:
        page = self.oyez.call(
            queue.queue_page, self.oyez.ctx, self.query_value, offset=offset, limit=PAGE
        )
        if page is None:
            return
        self.table.show(page, keep=keep, at_end=at_end)
        self._status()

    def _status(self) -> None:
        page = self.table.page
        q = self.query_value
        shown = (
            f"{page.offset + 1:,}–{page.offset + len(page.rows):,} of {page.total:,}"
            if page.rows
            else "no posts match"
        )
        parts = [
            q.preset.replace("_", " "),
            shown,
            "newest first" if q.newest_first else "soonest first",
        ]
        if q.preset == "upcoming":
            parts.append("sent: state ▲")  # where finished posts went
        if q.channel:
            parts.append(f"channel {q.channel}")
        if q.source:
            parts.append(f"source {q.source}")
        if q.search:
            parts.append(f"text ~ {q.search!r}")
        self.query_one("#queue-status", Static).update(
            Text(" · ".join(parts) + "  ([ ] page, ↵ open)")
        )

    @on(FilterBar.Changed)
    def _filter(self, event: FilterBar.Changed) -> None:
        self.query_value = event.query
        self.load(0)

    @on(QueueTable.PageWanted)
    def _page(self, event: QueueTable.PageWanted) -> None:
        self.load(event.offset, at_end=event.at_end)

    @on(DataTable.RowSelected)
    def _open(self, event: DataTable.RowSelected) -> None:
        self.action_open()

    def action_open(self) -> None:
        post_id = self.current_post_id()
        if post_id is not None:
            self.oyez.open_post(post_id)

    def action_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_leave_search(self) -> None:
        self.table.focus()

    def action_sort(self) -> None:
        bar = self.query_one(FilterBar)
        self.query_value = QueueQuery(
            preset=self.query_value.preset,
            channel=self.query_value.channel,
            source=self.query_value.source,
            search=self.query_value.search,
            newest_first=not self.query_value.newest_first,
        )
        bar.query_value = self.query_value
        self.load(0)

    def action_page(self, step: int) -> None:
        self.table.action_page(step)
