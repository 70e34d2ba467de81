"""Sources: feeds (last poll, errors, posts made), tip cadences (the next posts and their
tips) and tickets (open tickets and their threads), each in a tab."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar, TypeVar

from rich.markup import escape
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Static, TabbedContent, TabPane

from publisher.sources.feeds import subscriptions as feeds
from publisher.sources.feeds.poll import PollResult
from publisher.sources.feeds.subscriptions import FeedView
from publisher.sources.tickets import ingest as tickets
from publisher.sources.tickets.ingest import TicketView
from publisher.sources.tips import cadences
from publisher.sources.tips.cadences import CadenceView
from publisher.tui.format import COLOURS, STATE_COLOURS, first_line, when
from publisher.tui.screens.base import OyezScreen

T = TypeVar("T")


def _picked(table: DataTable[object], items: Sequence[T]) -> T | None:
    """The item under the table's cursor, if any."""
    row = table.cursor_row
    return items[row] if items and 0 <= row < len(items) else None


class SourcesScreen(OyezScreen):
    """One tab per kind of source; ``P`` polls the highlighted feed now."""

    SECTION = "sources"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("P", "poll", "Poll feed now", key_display="P"),
        Binding("f", "tab('feeds')", "Feeds"),
        Binding("i", "tab('tips')", "Tips"),
        Binding("k", "tab('tickets')", "Tickets"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.feeds: list[FeedView] = []
        self.cadences: list[CadenceView] = []
        self.tickets: list[TicketView] = []

    def compose_body(self) -> ComposeResult:
        with TabbedContent(id="sources-tabs"):
            with TabPane("Feeds", id="feeds"):
                yield DataTable(cursor_type="row", zebra_stripes=True, id="feeds-table")
                yield Static("", id="feeds-detail", classes="source-detail")
            with TabPane("Tips", id="tips"):
                yield DataTable(cursor_type="row", zebra_stripes=True, id="tips-table")
                yield Static("", id="tips-detail", classes="source-detail")
            with TabPane("Tickets", id="tickets"):
                yield DataTable(cursor_type="row", zebra_stripes=True, id="tickets-table")
                yield Static("", id="tickets-detail", classes="source-detail")

    def on_mount(self) -> None:
        table = self.query_one("#feeds-table", DataTable)
        for label, width in (("feed", 14), ("status", 8), ("last poll", 12), ("errors", 6)):
            table.add_column(label, width=width)
        table.add_column("posts", width=5)
        table.add_column("waiting", width=7)
        tips = self.query_one("#tips-table", DataTable)
        for label, width in (("cadence", 14), ("pool", 10), ("next", 12), ("served", 6)):
            tips.add_column(label, width=width)
        tips.add_column("cron")
        tickets_table = self.query_one("#tickets-table", DataTable)
        for label, width in (("ticket", 10), ("status", 12), ("impact", 8), ("posts", 5)):
            tickets_table.add_column(label, width=width)
        tickets_table.add_column("title")
        table.focus()

    def action_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab
        self.query_one(f"#{tab}-table", DataTable).focus()

    def reload(self) -> None:
        ctx = self.oyez.ctx
        tz = self.oyez.tz
        self.feeds = self.oyez.call(feeds.list_feeds, ctx) or []
        table = self.query_one("#feeds-table", DataTable)
        row = table.cursor_row
        table.clear()
        for f in self.feeds:
            bad = f.status != "ok" or f.error_count
            table.add_row(
                Text(f.name),
                Text(f.status, style=STATE_COLOURS["failed"] if bad else STATE_COLOURS["sent"]),
                when(f.last_polled_at, tz, short=True),
                str(f.error_count),
                str(f.posts_made),
                str(f.waiting),
            )
        if self.feeds:
            table.move_cursor(row=min(row, len(self.feeds) - 1), animate=False)
        self.cadences = self.oyez.call(cadences.list_cadences, ctx) or []
        tips = self.query_one("#tips-table", DataTable)
        row = tips.cursor_row
        tips.clear()
        for c in self.cadences:
            tips.add_row(
                Text(c.name + (" ⏸" if c.paused else "")),
                Text(c.pool),
                when(c.next_at, tz, short=True),
                str(c.served),
                Text(c.cron),
            )
        if self.cadences:
            tips.move_cursor(row=min(row, len(self.cadences) - 1), animate=False)
        self.tickets = self.oyez.call(tickets.list_tickets, ctx, limit=200) or []
        table = self.query_one("#tickets-table", DataTable)
        row = table.cursor_row
        table.clear()
        for t in self.tickets:
            closed = t.resolved_at is not None
            table.add_row(
                Text(t.id[:10]),
                Text(t.status, style=STATE_COLOURS["sent" if closed else "in_review"]),
                Text(t.impact[:8]),
                str(len(t.posts)),
                Text(first_line(t.title, 60)),
            )
        if self.tickets:
            table.move_cursor(row=min(row, len(self.tickets) - 1), animate=False)
        self._feed_detail()
        self._tips_detail()
        self._ticket_detail()

    @on(DataTable.RowHighlighted, "#feeds-table")
    def _feed_detail(self) -> None:
        detail = self.query_one("#feeds-detail", Static)
        f = _picked(self.query_one("#feeds-table", DataTable), self.feeds)
        if f is None:
            detail.update("No feeds yet: add one with `oyez feeds add URL --to CHANNEL`.")
            return
        lines = [
            f"[b]{escape(f.title or f.name)}[/b]  {escape(f.url)}",
            f"{f.mode} mode to {', '.join(f.channels)}, every {f.every_minutes} min; "
            f"next poll {when(f.next_poll_at, self.oyez.tz)}",
            f"{f.entries_seen} entries seen, {f.posts_made} posts made, {f.waiting} waiting",
        ]
        if f.last_error:
            lines.append(f"[{COLOURS['bad']}]last error:[/] {escape(f.last_error)}")
        detail.update("\n".join(lines))

    @on(DataTable.RowHighlighted, "#tips-table")
    def _tips_detail(self) -> None:
        detail = self.query_one("#tips-detail", Static)
        c = _picked(self.query_one("#tips-table", DataTable), self.cadences)
        if c is None:
            detail.update("No tip cadences yet: see `oyez tips --help`.")
            return
        coming = self.oyez.call(cadences.preview, self.oyez.ctx, c.name, count=5) or []
        lines = [f"[b]{escape(c.name)}[/b] posts from {escape(c.pool)} to {', '.join(c.channels)}"]
        for item in coming:
            text = first_line(item.text, 70) if item.text else "(no tip is active then)"
            lines.append(f"  {when(item.at, self.oyez.tz)}  {escape(text)}")
        detail.update("\n".join(lines))

    @on(DataTable.RowHighlighted, "#tickets-table")
    def _ticket_detail(self) -> None:
        detail = self.query_one("#tickets-detail", Static)
        t = _picked(self.query_one("#tickets-table", DataTable), self.tickets)
        if t is None:
            detail.update("No tickets yet: see `oyez tickets --help`.")
            return
        lines = [
            f"[b]{escape(t.id)}[/b] {escape(t.title)} ({escape(t.service)}), "
            f"opened {when(t.opened_at, self.oyez.tz)}, {t.events} events"
        ]
        for p in t.posts:
            links = ", ".join(
                str(d.get("remote_url") or f"{d.get('channel')} {d.get('state')}")
                for d in p.deliveries
            )
            post = f"post {p.post_id} {p.post_state}" if p.post_id else p.state
            lines.append(f"  {p.seq}. {p.kind} ({escape(p.status)}): {post}  {escape(links)}")
        detail.update("\n".join(lines))

    def action_poll(self) -> None:
        f = _picked(self.query_one("#feeds-table", DataTable), self.feeds)
        if f is not None:
            self.notify(f"polling {f.name}…")
            self._poll(f.name)

    def _poll(self, name: str) -> None:
        # Fetching a feed is a network call: off the UI thread, through the service layer.
        def done(results: list[PollResult]) -> None:
            for r in results:
                if r.error:
                    self.notify(f"{name}: {r.error}", severity="error", timeout=10)
                else:
                    self.notify(f"{name}: {r.status}, {r.new} new, {r.posts} posts made")
            self.oyez.changed()

        self.oyez.call_in_background(
            feeds.poll_feeds, self.oyez.ctx, name, done=done, group="poll-feed"
        )
