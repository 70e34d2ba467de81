"""The inbox: what the listening streams collected, newest first, and the keys to answer it.

Filters cycle with keys (state, stream, channel) or are typed (tag); the item
under the cursor is shown in full below the table with the post of ours it
answers. ``r`` answers it in the compose screen, with live findings; the
reply goes through sign-off like any post. New items appear as they arrive.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Static

from publisher.context.controls import strip_controls
from publisher.service import inbox, posts
from publisher.service.inbox import ItemView
from publisher.tui.screens.base import OyezScreen
from publisher.tui.screens.prompt import Prompt

#: Items read per screen: the newest ones that match the filters.
PAGE = 200
STATES: tuple[str | None, ...] = (None, "new", "assigned", "replied", "done", "ignored")


@dataclass(frozen=True)
class InboxFilter:
    state: str | None = "new"
    stream: str | None = None
    channel: str | None = None
    tag: str | None = None


def _cycle(values: list[str], current: str | None) -> str | None:
    options: list[str | None] = [None, *values]
    return options[(options.index(current) + 1) % len(options)] if current in options else None


def _line(text: str, width: int = 120) -> str:
    flat = " ".join(strip_controls(text).split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


class InboxScreen(OyezScreen):
    SECTION = "inbox"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "reply", "Reply"),
        Binding("a", "assign", "Assign"),
        Binding("d", "done", "Done"),
        Binding("i", "ignore", "Ignore"),
        Binding("f", "cycle('state')", "State"),
        Binding("s", "cycle('stream')", "Stream"),
        Binding("c", "cycle('channel')", "Channel"),
        Binding("g", "tag", "Tag"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.filter = InboxFilter()
        self.items: list[ItemView] = []
        self._marker: tuple[int, int] | None = None

    def compose_body(self) -> ComposeResult:
        yield Static("", id="inbox-status")
        yield DataTable(id="inbox-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="inbox-item")

    def on_mount(self) -> None:
        self.setup_table(
            ("posted", 12), ("state", 10), ("from", 18), ("stream", 12), ("text", None)
        )
        self.reload()
        if self.oyez.poll_seconds:
            self.set_interval(self.oyez.poll_seconds, self._look_for_new)

    def _look_for_new(self) -> None:
        marker = self.oyez.call(inbox.change_marker, self.oyez.ctx)
        if marker is not None and marker != self._marker:
            self.reload()

    # -- reading ------------------------------------------------------------------------

    def reload(self) -> None:
        f = self.filter
        found = self.oyez.call(
            inbox.list_items,
            self.oyez.ctx,
            state=f.state,
            stream=f.stream,
            channel=f.channel,
            tag=f.tag,
            limit=PAGE,
        )
        if found is None:
            return
        self._marker = self.oyez.call(inbox.change_marker, self.oyez.ctx)
        table: DataTable[object] = self.query_one(DataTable)
        keep = self.current_item()
        self.items = found
        table.clear()
        for item in found:
            style = "bold red" if item.urgent else ""
            text = Text("! " if item.urgent else "", style=style)
            text.append(_line(item.text))
            table.add_row(
                item.created_at.astimezone(self.oyez.tz).strftime("%d %b %H:%M"),
                Text(item.state),
                Text(_line(item.author_handle, 18)),
                Text(", ".join(item.streams)),
                text,
                key=str(item.id),
            )
        if keep is not None:
            index = next((n for n, i in enumerate(found) if i.id == keep.id), 0)
            table.move_cursor(row=index)
        self._status()
        self._show_current()

    def _status(self) -> None:
        f = self.filter
        # The keys that change each filter are in the key bar (f, s, c, g); left out
        # here, the line fits 80 columns.
        parts = [
            f"state {f.state or 'any'}",
            f"stream {f.stream or 'any'}",
            f"channel {f.channel or 'any'}",
            f"tag {f.tag or 'any'}",
            f"{len(self.items)} shown, newest first",
        ]
        self.query_one("#inbox-status", Static).update(Text(" · ".join(parts)))

    def current_item(self) -> ItemView | None:
        table: DataTable[object] = self.query_one(DataTable)
        if not self.items or table.cursor_row is None or table.cursor_row >= len(self.items):
            return None
        return self.items[table.cursor_row]

    @on(DataTable.RowHighlighted)
    def _highlighted(self) -> None:
        self._show_current()

    def _show_current(self) -> None:
        item = self.current_item()
        pane = self.query_one("#inbox-item", Static)
        if item is None:
            pane.update(Text("nothing here: `oyez listen add` subscribes a stream", style="dim"))
            return
        text = Text()
        text.append(f"item {item.id}", style="bold")
        text.append(f" · {item.state} · {item.kind} on {item.channel}")
        if item.assignee:
            text.append(f" · assigned to {item.assignee}")
        if item.tags:
            text.append(f" · tags {', '.join(item.tags)}")
        if item.urgent:
            text.append(" · URGENT", style="bold red")
        text.append(f"\n{item.author_name} ({item.author_handle})\n", style="dim")
        text.append(strip_controls(item.text))
        if item.answers_post_id is not None:
            ours = self.oyez.call(posts.get_post, self.oyez.ctx, item.answers_post_id)
            if ours is not None:
                text.append(f"\n\nanswers our post {ours.id}: ", style="dim")
                text.append(_line(ours.text))
        if item.reply_post_id is not None:
            text.append(f"\nour reply: post {item.reply_post_id}", style="dim")
        pane.update(text)

    # -- filters ------------------------------------------------------------------------

    def action_cycle(self, what: str) -> None:
        f = self.filter
        if what == "state":
            self.filter = replace(f, state=STATES[(STATES.index(f.state) + 1) % len(STATES)])
        else:
            choices = self.oyez.call(inbox.filter_choices, self.oyez.ctx) or ([], [])
            if what == "stream":
                self.filter = replace(f, stream=_cycle(choices[0], f.stream))
            else:
                self.filter = replace(f, channel=_cycle(choices[1], f.channel))
        self.reload()

    def action_tag(self) -> None:
        def chosen(tag: str | None) -> None:
            if tag is not None:
                self.filter = replace(self.filter, tag=tag.strip() or None)
                self.reload()

        self.app.push_screen(
            Prompt("Filter by tag", "Tag (empty for any):", required=False), chosen
        )

    # -- acting -------------------------------------------------------------------------

    def _after(self, result: ItemView | None, said: str) -> None:
        if result is not None:
            self.notify(said)
            self.oyez.changed()
            self.reload()

    def action_done(self) -> None:
        item = self.current_item()
        if item is not None:
            done = self.oyez.call(inbox.done_item, self.oyez.ctx, item.id)
            self._after(done, f"item {item.id} done")

    def action_ignore(self) -> None:
        item = self.current_item()
        if item is not None:
            done = self.oyez.call(inbox.ignore_item, self.oyez.ctx, item.id)
            self._after(done, f"item {item.id} ignored")

    def action_assign(self) -> None:
        item = self.current_item()
        if item is None:
            return

        def chosen(user: str | None) -> None:
            if user:
                done = self.oyez.call(inbox.assign_item, self.oyez.ctx, item.id, user)
                self._after(done, f"item {item.id} assigned to {user}")

        self.app.push_screen(
            Prompt(f"Assign item {item.id}", "Who deals with it?", value=item.assignee or ""),
            chosen,
        )

    def action_reply(self) -> None:
        item = self.current_item()
        if item is None:
            return
        from publisher.tui.screens.reply import ReplyScreen

        self.app.push_screen(ReplyScreen(item))
