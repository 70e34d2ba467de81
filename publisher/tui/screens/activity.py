"""Activity: deliveries as they happen; retry or cancel the ones that went wrong."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Static

from publisher.service import activity, deliveries
from publisher.service.activity import ActivityRow
from publisher.tui.format import first_line, state_text, when
from publisher.tui.screens.base import OyezScreen
from publisher.tui.screens.prompt import Confirm


class ActivityScreen(OyezScreen):
    """Sent with a link, failed with the reason, needs attention; newest first."""

    SECTION = "activity"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "retry", "Retry"),
        Binding("c", "cancel_delivery", "Cancel"),
        Binding("enter", "open", "Open post"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[ActivityRow] = []

    def compose_body(self) -> ComposeResult:
        yield DataTable(cursor_type="row", zebra_stripes=True, id="activity-table")
        yield Static("", id="activity-detail")

    def on_mount(self) -> None:
        self.setup_table(
            ("time", 12), ("state", 15), ("channel", 10), ("post", 5), ("link or reason", None)
        )

    def current(self) -> ActivityRow | None:
        row = self.query_one(DataTable).cursor_row
        return self.rows[row] if self.rows and 0 <= row < len(self.rows) else None

    def reload(self) -> None:
        current = self.current()
        rows = self.oyez.call(activity.activity, self.oyez.ctx, 200)
        if rows is None:
            return
        self.rows = rows
        table = self.query_one(DataTable)
        table.clear()
        width = max(20, self.size.width - 12 - 15 - 10 - 5 - 12)
        for r in rows:
            detail = r.link if r.state == "sent" else (r.reason or r.first_line)
            table.add_row(
                when(r.at, self.oyez.tz, short=True),
                state_text(r.state),
                Text(r.channel[:10]),
                str(r.post_id),
                Text(first_line(detail or "", width)),
            )
        if current is not None:
            index = next(
                (
                    i
                    for i, r in enumerate(rows)
                    if (r.post_id, r.channel) == (current.post_id, current.channel)
                ),
                0,
            )
            table.move_cursor(row=index, animate=False)
        self._detail()

    @on(DataTable.RowHighlighted)
    def _detail(self) -> None:
        row = self.current()
        detail = self.query_one("#activity-detail", Static)
        if row is None:
            detail.update("Nothing has been sent yet.")
            return
        lines = [f"post {row.post_id} on {row.channel}: {row.state}, {row.attempts} attempt(s)"]
        if row.link:
            lines.append(f"link: {row.link}")
        if row.reason and row.state != "sent":
            lines.append(f"reason: {row.reason}")
        lines.append(row.first_line)
        detail.update(Text("\n".join(lines)))

    @on(DataTable.RowSelected)
    def _selected(self) -> None:
        self.action_open()

    def action_open(self) -> None:
        row = self.current()
        if row is not None:
            self.oyez.open_post(row.post_id)

    def action_retry(self) -> None:
        row = self.current()
        if row is None:
            return
        if self.oyez.call(deliveries.retry_delivery, self.oyez.ctx, row.post_id, row.channel):
            self.notify(f"post {row.post_id} on {row.channel}: retrying now")
            self.oyez.changed()

    def action_cancel_delivery(self) -> None:
        row = self.current()
        if row is None:
            return

        def done(yes: bool | None) -> None:
            if yes and self.oyez.call(
                deliveries.cancel_delivery, self.oyez.ctx, row.post_id, row.channel
            ):
                self.notify(f"post {row.post_id} on {row.channel}: cancelled")
                self.oyez.changed()

        self.app.push_screen(
            Confirm("Cancel delivery", f"Stop trying post {row.post_id} on {row.channel}?"), done
        )
