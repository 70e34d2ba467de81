"""The calendar: a week of slots and posts; move a post by picking another slot."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import ClassVar

from rich.markup import escape
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Static

from publisher.service import posts, week
from publisher.service.week import CalendarPost
from publisher.tui.screens.base import OyezScreen
from publisher.tui.widgets.week_grid import WeekGrid


class CalendarScreen(OyezScreen):
    """Starts at today; ``[`` and ``]`` move a week, ``m`` then ``enter`` moves a post."""

    SECTION = "calendar"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("m", "move", "Move post"),
        Binding("p", "pick", "Next post here"),
        Binding("enter", "place", "Place here", show=False),
        Binding("escape", "stop_move", "Stop moving", show=False),
        Binding("left_square_bracket", "week(-1)", "Prev week", key_display="["),
        Binding("right_square_bracket", "week(1)", "Next week", key_display="]"),
        Binding("full_stop", "today", "Today", key_display="."),
        Binding("o", "open", "Open post"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.offset_weeks = 0
        self.moving: CalendarPost | None = None
        #: Which of the posts in the highlighted hour the keys act on (``p`` steps on).
        self.picked = 0

    def compose_body(self) -> ComposeResult:
        yield WeekGrid(self.oyez.tz)
        yield Static("", id="calendar-detail")

    def on_mount(self) -> None:
        grid = self.query_one(WeekGrid)
        grid.focus()
        now = self.oyez.ctx.clock().astimezone(self.oyez.tz)
        self.call_after_refresh(grid.move_cursor, row=max(0, now.hour), column=1, animate=False)

    def _start(self) -> datetime:
        now = self.oyez.ctx.clock().astimezone(self.oyez.tz)
        today = now.replace(hour=0, minute=0, second=0, microsecond=0)
        return today + timedelta(days=7 * self.offset_weeks)

    def reload(self) -> None:
        shown = self.oyez.call(week.week, self.oyez.ctx, self._start(), 7)
        if shown is not None:
            self.query_one(WeekGrid).show(shown)
            self._detail()

    def action_week(self, step: int) -> None:
        self.offset_weeks += step
        self.reload()

    def action_today(self) -> None:
        self.offset_weeks = 0
        self.reload()

    @on(DataTable.CellHighlighted)
    def _moved(self) -> None:
        self.picked = 0
        self._detail()

    @on(DataTable.CellSelected)
    def _selected(self) -> None:
        self.action_place()

    def _detail(self) -> None:
        grid = self.query_one(WeekGrid)
        cell = grid.current_cell()
        start = grid.cell_start(cell)
        lines = []
        if self.moving is not None:
            lines.append(
                f"[b]Moving post {self.moving.post_id}[/b] ({self.moving.channel}): "
                "pick a slot and press enter; escape stops."
            )
        if start is not None:
            lines.append(f"[b]{start:%a %d %b %H}:00–{start:%H}:59[/b]")
        tz = self.oyez.tz
        for channel, at in sorted(grid.slots.get(cell, []), key=lambda s: (s[1], s[0])):
            taken = [p for p in grid.posts.get(cell, []) if p.channel == channel and p.at == at]
            what = ", ".join(f"post {p.post_id}" for p in taken) or "free"
            lines.append(f"  slot {at.astimezone(tz):%H:%M} {escape(channel)}: {what}")
        here = grid.posts.get(cell, [])
        chosen = self._picked_post()
        for p in here:
            mark = "▶" if len(here) > 1 and p is chosen else " "
            lines.append(
                f" {mark}{p.at.astimezone(tz):%H:%M} {escape(p.channel)} post {p.post_id} "
                f"{escape(f'[{p.state.words}]')} {escape(p.first_line[:60])}"
            )
        if len(here) > 1:
            lines.append("  [dim]p picks the next post here; m moves it, o opens it[/dim]")
        if len(lines) <= 1 + (self.moving is not None):
            lines.append("  nothing here")
        self.query_one("#calendar-detail", Static).update("\n".join(lines))

    def _posts_here(self) -> list[CalendarPost]:
        grid = self.query_one(WeekGrid)
        return grid.posts.get(grid.current_cell(), [])

    def _picked_post(self) -> CalendarPost | None:
        """The post of the highlighted hour that the keys act on."""
        here = self._posts_here()
        return here[self.picked % len(here)] if here else None

    def action_pick(self) -> None:
        self.picked += 1
        self._detail()

    def action_move(self) -> None:
        post = self._picked_post()
        if post is None:
            self.notify("no post in this cell to move", severity="warning")
            return
        if post.state not in posts.RESCHEDULABLE:
            hint = posts.schedule_hint(post.state) or " (only approved or scheduled posts move)"
            self.notify(f"post {post.post_id} is {post.state.words}{hint}", severity="warning")
            return
        self.moving = post
        self._detail()

    def action_stop_move(self) -> None:
        self.moving = None
        self._detail()

    def action_open(self) -> None:
        post = self._picked_post()
        if post is not None:
            self.oyez.open_post(post.post_id)

    def action_place(self) -> None:
        if self.moving is None:
            self.action_open()
            return
        grid = self.query_one(WeekGrid)
        cell = grid.current_cell()
        slots = [at for ch, at in grid.slots.get(cell, []) if ch == self.moving.channel]
        at = min(slots) if slots else grid.cell_start(cell)
        if at is None:
            return
        moving = self.moving
        if self.oyez.call(posts.schedule_post, self.oyez.ctx, moving.post_id, at):
            self.moving = None
            self.notify(
                f"post {moving.post_id} moved to {at.astimezone(self.oyez.tz):%a %d %b %H:%M}"
            )
            self.oyez.changed()
