"""Report: what went out in the last days, on time or not, and why the rest did not."""

from __future__ import annotations

from datetime import timedelta
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Static

from publisher.service import reach, report
from publisher.service.reach import Reach
from publisher.service.report import Report
from publisher.tui.screens.base import OyezScreen

PERIODS = (7, 30, 90)
#: Columns for a bar's label, and room kept for the figure after it.
LABEL = 24
NOTE = 18


class ReportScreen(OyezScreen):
    """The report's charts: posts per channel per day, on time, failures, cadences, tickets."""

    SECTION = "report"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("d", "period", "Change period"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.days = PERIODS[0]

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="report-body"):
            yield Static(self._reading(), id="report")

    def _reading(self) -> str:
        return f"Reading the last {self.days} days…"

    def reload(self) -> None:
        # The charts shown stay until the new ones are drawn: a change seen by
        # the poll (every send, with the dispatcher running) must not blank them.
        self._build(self.days)

    def action_period(self) -> None:
        self.days = PERIODS[(PERIODS.index(self.days) + 1) % len(PERIODS)]
        self.query_one("#report", Static).update(self._reading())
        self._build(self.days)

    def _build(self, days: int) -> None:
        # The report reads every delivery in the period: off the UI thread.
        ctx = self.oyez.ctx
        since = ctx.clock() - timedelta(days=days)
        self.oyez.call_in_background(
            lambda: (report.build_report(ctx, since), reach.build_reach(ctx, since)),
            done=lambda both: self._show(*both, days),
            group="report",
        )

    def _show(self, data: Report, figures: Reach, days: int) -> None:
        """Draw the service's charts (the same ones ``oyez report`` prints) as text bars."""
        width = max(10, self.size.width - 2 - LABEL - NOTE)
        text = Text.assemble(
            (f"Last {days} days", "bold"),
            "  ",
            (report.period(data), "dim"),
            "  (d: 7/30/90 days)\n",
        )
        for chart in report.charts(data):
            text.append(f"\n{chart.title}\n", style="bold underline")
            if chart.legend:
                for name, colour in chart.legend:
                    text.append("■ ", style=colour).append(f"{name}  ")
                text.append("\n")
            if not chart.bars:
                text.append(f"  {chart.empty}\n", style="dim")
            for bar in chart.bars:
                text.append(f"  {bar.label[: LABEL - 3]:<{LABEL - 3}} ")
                for value, colour in bar.segments:
                    text.append("█" * round(width * value / (chart.scale or 1)), style=colour)
                text.append(f" {bar.note}\n")
        if figures.measured:  # nothing to say until figures have been collected
            _append_reach(text, figures)
        self.query_one("#report", Static).update(text)


def _append_reach(text: Text, figures: Reach) -> None:
    """The reach section: per channel and source, each figure as its network names it."""
    text.append("\nReach (sum, median in brackets)\n", style="bold underline")
    for group in (*figures.channels, *figures.sources):
        shown = [
            f"{f.label} {f.total:,} ({f.median:g})"
            for f in group.figures
            if f.total is not None and f.median is not None
        ]
        text.append(
            f"  {group.name[: LABEL - 3]:<{LABEL - 3}} ", style="bold" if group.kind else ""
        )
        text.append(f"{group.posts_sent} sent, {group.measured} measured")
        text.append(("  " + ", ".join(shown)) if shown else "", style="dim")
        text.append("\n")
    for post in figures.top[:3]:
        text.append(f"  top: {post.engagement} · post {post.post_id} on {post.channel}: ")
        text.append(post.text[:50] + "\n")
