"""A week: days across, hours down; each channel's slots and the posts in them.

In each cell, per channel: ``●`` a post in a slot, ``○`` a free slot (a gap),
``◆`` a post outside any slot, ``‼`` two or more posts at once (a clash).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta, tzinfo

from rich.text import Text
from textual.widgets import DataTable

from publisher.service.week import CalendarPost, CalendarWeek
from publisher.tui.format import COLOURS, STATE_COLOURS

Cell = tuple[int, int]  # (hour row, day column)


class WeekGrid(DataTable[object]):
    """Shows a :class:`CalendarWeek` in the user's zone; the cursor picks a cell."""

    def __init__(self, tz: tzinfo) -> None:
        super().__init__(cursor_type="cell", id="week-grid", zebra_stripes=True)
        self.tz = tz
        self.week: CalendarWeek | None = None
        self.slots: dict[Cell, list[tuple[str, datetime]]] = defaultdict(list)
        self.posts: dict[Cell, list[CalendarPost]] = defaultdict(list)
        self.day0: datetime | None = None

    def cell_of(self, at: datetime) -> Cell | None:
        if self.day0 is None:
            return None
        local = at.astimezone(self.tz)
        day = (local.date() - self.day0.date()).days
        if not 0 <= day < 7:
            return None
        return local.hour, day

    def show(self, week: CalendarWeek) -> None:
        self.week = week
        self.day0 = week.start.astimezone(self.tz)
        self.slots = defaultdict(list)
        self.posts = defaultdict(list)
        for channel, times in week.slots.items():
            for at in times:
                cell = self.cell_of(at)
                if cell is not None:
                    self.slots[cell].append((channel, at))
        for post in week.posts:
            cell = self.cell_of(post.at)
            if cell is not None:
                self.posts[cell].append(post)
        keep = self.cursor_coordinate
        self.clear(columns=True)
        cell_width = max(7, (self.size.width - 8) // 7 - 2) if self.size.width else 9
        self.add_column("", key="hour", width=5)
        for n in range(7):
            day = self.day0 + timedelta(days=n)
            self.add_column(day.strftime("%a %d"), key=f"d{n}", width=cell_width)
        for hour in range(24):
            cells: list[object] = [f"{hour:02d}:00"]
            cells += [self._cell((hour, day), cell_width) for day in range(7)]
            self.add_row(*cells, key=str(hour))
        self.cursor_coordinate = keep

    def _cell(self, cell: Cell, width: int) -> Text:
        by_channel: dict[str, list[CalendarPost]] = defaultdict(list)
        for post in self.posts.get(cell, []):
            by_channel[post.channel].append(post)
        slot_channels = {c for c, _ in self.slots.get(cell, [])}
        names = sorted(slot_channels | set(by_channel))
        short = width < 14 or len(names) > 1
        text = Text(no_wrap=True, overflow="ellipsis")
        for name in names:
            label = name[:3] if short else name
            found = by_channel.get(name, [])
            if text:
                text.append(" ")
            if len(found) > 1:
                text.append(f"‼{label}", style=f"bold {COLOURS['bad']}")
            elif found:
                mark = "●" if name in slot_channels else "◆"
                text.append(f"{mark}{label}", style=STATE_COLOURS.get(found[0].state, ""))
            else:
                text.append(f"○{label}", style="dim")
        return text

    def current_cell(self) -> Cell:
        row, column = self.cursor_coordinate
        return row, max(0, column - 1)

    def cell_start(self, cell: Cell) -> datetime | None:
        if self.day0 is None:
            return None
        hour, day = cell
        return (self.day0 + timedelta(days=day)).replace(hour=hour, minute=0)
