"""The queue's table: one page of posts from the database at a time.

Textual's DataTable measures every row it holds, so it never holds more than
one page; moving past either end of the page loads the next one. The total
comes from a COUNT, so 100,000 posts cost what 100 do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo

from rich.text import Text
from textual.message import Message
from textual.widgets import DataTable

from publisher.service.queue import QueuePage, QueueRow
from publisher.tui.format import COLOURS, first_line, mark_text, state_text, when

PAGE = 100
#: Below this width the source and author columns are left out.
WIDE = 110


class QueueTable(DataTable[object]):
    """Shows a :class:`QueuePage`; asks for another page with :class:`QueueTable.PageWanted`."""

    @dataclass
    class PageWanted(Message):
        offset: int
        #: Put the cursor on the last row of the new page (when moving up past the top).
        at_end: bool = False

    def __init__(self, tz: tzinfo) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, id="queue-table")
        self.tz = tz
        self.page = QueuePage(rows=(), offset=0, total=0)
        self._wide: bool | None = None
        self._shown_width = 0

    def _columns(self) -> None:
        wide = self.size.width >= WIDE
        if wide == self._wide:
            return
        self._wide = wide
        self.clear(columns=True)
        self.add_column("!", key="mark", width=1)
        self.add_column("id", key="id", width=6)
        self.add_column("state", key="state", width=11)
        self.add_column("time", key="time", width=16 if wide else 12)
        self.add_column("channels", key="channels", width=14 if wide else 10)
        if wide:
            self.add_column("source", key="source", width=7)
            self.add_column("author", key="author", width=10)
        self.add_column("text", key="text")

    def _text_width(self) -> int:
        fixed = 1 + 6 + 11 + (16 + 14 + 7 + 10 if self._wide else 12 + 10)
        columns = 8 if self._wide else 6
        return max(10, self.size.width - fixed - 2 * columns - 2)

    def show(self, page: QueuePage, *, keep: int | None = None, at_end: bool = False) -> None:
        """Show ``page``; keep the cursor on post ``keep`` if it is still there."""
        self.page = page
        self._columns()
        self.clear()
        self._shown_width = self.size.width
        width = self._text_width()
        for row in page.rows:
            self.add_row(*self._cells(row, width), key=str(row.id))
        if not page.rows:
            return
        index = len(page.rows) - 1 if at_end else 0
        if keep is not None:
            index = next((i for i, r in enumerate(page.rows) if r.id == keep), index)
        self.move_cursor(row=index, animate=False)

    def _cells(self, row: QueueRow, width: int) -> list[object]:
        channels = ",".join(row.channels) or "—"
        text = Text(first_line(row.first_line, width))
        cells: list[object] = [
            mark_text(row.worst),
            str(row.id),
            state_text(row.state),
            when(row.scheduled_at, self.tz, short=not self._wide),
            Text(channels if len(channels) <= 14 else channels[:13] + "…"),
        ]
        if self._wide:
            cells += [Text(row.source), Text(row.author[:10])]
        if row.state == "draft" and row.review_comment:
            cells.append(Text.assemble(("↩ ", COLOURS["bad"]), text[: max(0, width - 2)]))
        elif row.links:
            cells.append(Text.assemble(("↗ ", COLOURS["ok"]), text[: max(0, width - 2)]))
        else:
            cells.append(text)
        return cells

    def on_resize(self) -> None:
        # The text column is cut to the width, so a new width means new cells.
        if self.page.rows and self.size.width != self._shown_width:
            self.show(self.page, keep=self.current_id())

    def current_id(self) -> int | None:
        rows = self.page.rows
        if not rows or not 0 <= self.cursor_row < len(rows):
            return None
        return rows[self.cursor_row].id

    def current_row(self) -> QueueRow | None:
        rows = self.page.rows
        return rows[self.cursor_row] if rows and 0 <= self.cursor_row < len(rows) else None

    def action_cursor_down(self) -> None:
        page = self.page
        if self.cursor_row >= len(page.rows) - 1 and page.offset + len(page.rows) < page.total:
            self.post_message(self.PageWanted(page.offset + PAGE))
            return
        super().action_cursor_down()

    def action_cursor_up(self) -> None:
        if self.cursor_row <= 0 and self.page.offset > 0:
            self.post_message(self.PageWanted(max(0, self.page.offset - PAGE), at_end=True))
            return
        super().action_cursor_up()

    def action_page(self, step: int) -> None:
        offset = self.page.offset + step * PAGE
        if 0 <= offset < self.page.total or (step < 0 and self.page.offset > 0):
            self.post_message(self.PageWanted(max(0, offset)))
