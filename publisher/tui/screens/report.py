"""Report: what went out in the last days, on time or not, and why the rest did not."""

from __future__ import annotations

from datetime import timedelta
from typing import ClassVar

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Static

from publisher.service import report
from publisher.service.report import Report
from publisher.tui.screens.base import OyezScreen

PERIODS = (7, 30, 90)


class ReportScreen(OyezScreen):
    """Posts per channel per day, on-time rates, failure reasons, cadences and tickets."""

    SECTION = "report"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("d", "period", "Change period"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.days = PERIODS[0]

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="report-body"):
            yield Static("", id="report")

    def reload(self) -> None:
        self.query_one("#report", Static).update(f"Reading the last {self.days} days…")
        self._build(self.days)

    def action_period(self) -> None:
        self.days = PERIODS[(PERIODS.index(self.days) + 1) % len(PERIODS)]
        self.reload()

    def _build(self, days: int) -> None:
        # The report reads every delivery in the period: off the UI thread.
        ctx = self.oyez.ctx
        self.oyez.call_in_background(
            report.build_report,
            ctx,
            ctx.clock() - timedelta(days=days),
            done=lambda data: self._show(data, days),
            group="report",
        )

    def _show(self, data: Report, days: int) -> None:
        parts: list[Table | Text] = [
            Text(
                f"Last {days} days ({data.timezone}): {data.published} published  (d: 7/30/90 days)",
                style="bold",
            )
        ]
        per_day = Table("day", *data.channels, title="Published per day", title_justify="left")
        for day in data.days[-14:]:
            per_day.add_row(
                day.strftime("%a %d %b"),
                *(str(data.per_day.get((day, c), 0)) for c in data.channels),
            )
        parts.append(per_day)
        on_time = Table(
            "channel",
            "sent",
            "on time",
            "rate",
            title="On time (within a minute)",
            title_justify="left",
        )
        for o in (*data.on_time, data.on_time_total):
            on_time.add_row(
                o.channel,
                str(o.sent),
                str(o.on_time),
                f"{o.rate:.0%}" if o.rate is not None else "—",
            )
        parts.append(on_time)
        if data.failures:
            failures = Table(
                "reason", "count", "example", title="Not published", title_justify="left"
            )
            for r in data.failures:
                failures.add_row(r.reason, str(r.count), (r.example or "")[:60])
            parts.append(failures)
        if data.cadences:
            tips = Table("cadence", "due", "sent", title="Tip cadences", title_justify="left")
            for c in data.cadences:
                tips.add_row(c.cadence, str(c.due), str(c.sent))
            parts.append(tips)
        if data.tickets:
            tickets = Table("ticket", "posts", "published", title="Tickets", title_justify="left")
            for t in data.tickets:
                tickets.add_row(t.ticket, str(t.posts), str(t.published))
            parts.append(tickets)
        self.query_one("#report", Static).update(Group(*parts))
