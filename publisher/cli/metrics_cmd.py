"""``oyez metrics``: collect the public figures of sent posts from the networks now."""

from __future__ import annotations

import typer
from rich.markup import escape

from publisher.cli.common import JsonOpt, console, emit_json, state
from publisher.cli.export_cmd import progress_bar
from publisher.service.metrics import Collection, collect_now


def show_collection(done: Collection) -> None:
    if not done.channels:
        console.print("no sent posts to measure in the window", highlight=False)
    for c in done.channels:
        line = (
            f"[bold]{escape(c.channel)}[/] asked {c.asked}, measured {c.measured}, "
            f"gone {c.gone} ({c.calls} call{'s' if c.calls != 1 else ''})"
        )
        if c.rate_limited_until is not None:
            line += f" · [yellow]rate-limited until {c.rate_limited_until:%Y-%m-%d %H:%M UTC}[/]"
        if c.error:
            line += f" · [red]{escape(c.error)}[/]"
        console.print(line, highlight=False)


def register(app: typer.Typer) -> None:
    metrics = typer.Typer(help="Reach: the public figures of sent posts.", no_args_is_help=True)

    @metrics.command("collect")
    def collect(ctx: typer.Context, as_json: JsonOpt = False) -> None:
        """Fetch, now, the current figures of every sent post still inside its collection
        window (metrics.window_days, 7 by default), whatever the schedule.

        The daemon (`oyez run`) collects on its own at about +1 h, +24 h and +7 days
        after sending. A channel that says "too many requests" is left until its
        reset; a post the network no longer has is not asked for again.
        """
        context = state(ctx).open()
        with progress_bar("measuring", enabled=not as_json) as progress:
            done = collect_now(context, progress)
        if as_json:
            emit_json(done.to_dict())
        else:
            show_collection(done)

    app.add_typer(metrics, name="metrics")
