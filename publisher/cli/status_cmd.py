"""``oyez status``: workers, next due, waits and what needs a person."""

from __future__ import annotations

from datetime import datetime

import typer
from rich.markup import escape

from publisher.cli.common import JsonOpt, console, emit_json, state
from publisher.service.status import Status, status


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC") if moment else "—"


def show_status(report: Status) -> None:
    alive = len(report.workers)
    console.print(
        f"[bold]workers[/] {alive} alive"
        + (": " + ", ".join(w.name for w in report.workers) if alive else " (run `oyez run`)"),
        highlight=False,
    )
    console.print(f"[bold]next due[/] {_when(report.next_due)}", highlight=False)
    console.print(f"[bold]sign-off[/] {escape(report.signoff)}", highlight=False)
    if report.crisis:
        c = report.crisis
        console.print(
            f"[bold red]CRISIS PAUSE[/] since {_when(c.at)} by {escape(c.by)}: {escape(c.reason)}",
            highlight=False,
        )
    console.print(
        "[bold]posts[/] "
        + (", ".join(f"{k} {v}" for k, v in sorted(report.posts.items())) or "none"),
        highlight=False,
    )
    console.print(
        "[bold]deliveries[/] "
        + (", ".join(f"{k} {v}" for k, v in sorted(report.deliveries.items())) or "none"),
        highlight=False,
    )
    for ch in report.paused:
        console.print(
            f"[yellow]paused[/] {ch.name}: {escape(ch.paused_reason or '')} ({ch.waiting} waiting)",
            highlight=False,
        )
    for ch in report.rate_limited:
        console.print(
            f"[yellow]rate-limited[/] {ch.name} until {_when(ch.rate_limited_until)} "
            f"({ch.waiting} waiting)",
            highlight=False,
        )
    for wait in report.waiting:
        console.print(
            f"[yellow]waiting[/] post {wait.post_id} → {wait.channel}: {escape(wait.reason)} "
            f"(attempt {wait.attempts}; next try {_when(wait.next_try)})",
            highlight=False,
        )
    for name, warnings in sorted(report.credentials.items()):
        for warning in warnings:
            console.print(
                f"[yellow]credentials[/] {name}: {escape(warning)}",
                highlight=False,
            )
    for spike in report.spikes:
        console.print(
            f"[yellow]spike[/] stream {escape(spike.stream)}: {spike.last_hour} items in the "
            f"last hour (average {spike.average:g}) at {_when(spike.at)}",
            highlight=False,
        )
    for item in report.attention:
        console.print(
            f"[red]needs attention[/] post {item.post_id} → {item.channel}: {escape(item.reason)}",
            highlight=False,
        )
    if report.attention:
        console.print(
            "  look at the account, then: oyez post resolve POST_ID --channel CH "
            "--published --id REMOTE_ID (or --not-published)",
            highlight=False,
            markup=False,
        )


def register_status(app: typer.Typer) -> None:
    @app.command("status")
    def status_(ctx: typer.Context, as_json: JsonOpt = False) -> None:
        """Workers, next due time, counts by state, pauses, rate limits, retries, what needs attention."""
        report = status(state(ctx).open())
        if as_json:
            emit_json(report.to_dict())
        else:
            show_status(report)


def register(app: typer.Typer) -> None:
    register_status(app)
