"""``oyez demo``: a sandbox with posts due within a minute, and the dispatcher sending them."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.live import Live
from rich.table import Table

from publisher.cli.common import console
from publisher.cli.run_cmd import install_stop_handlers
from publisher.engine.runner import RunOptions, run
from publisher.service import posts
from publisher.service.context import Context
from publisher.service.demo import create_sandbox


def _table(ctx: Context, ids: list[int]) -> Table:
    table = Table("id", "state", "due (UTC)", "channel", "text", title="oyez demo queue")
    for view in posts.list_posts(ctx, limit=500):
        if view.id not in ids:
            continue
        when = view.scheduled_at.strftime("%H:%M:%S") if view.scheduled_at else "—"
        colour = {"sent": "green", "failed": "red", "scheduled": "yellow"}.get(view.state, "white")
        table.add_row(
            str(view.id),
            f"[{colour}]{view.state}[/]",
            when,
            ",".join(view.channels),
            view.text[:56] + ("…" if len(view.text) > 56 else ""),
        )
    return table


def register(app: typer.Typer) -> None:
    @app.command("demo")
    def demo(
        headless: Annotated[
            bool, typer.Option("--headless", help="Print progress lines instead of a live screen.")
        ] = False,
        duration: Annotated[
            float | None,
            typer.Option(
                "--for",
                metavar="SECONDS",
                min=1,
                help="Stop after this long (default: when every demo post is sent).",
            ),
        ] = None,
        folder: Annotated[Path, typer.Option("--dir", help="Where the sandbox lives.")] = Path(
            "demo-sandbox"
        ),
    ) -> None:
        """Run oyez on a seeded sandbox: SQLite plus local outbox folders, no accounts needed."""
        ctx, sandbox, ids = create_sandbox(folder)
        console.print(f"sandbox: {sandbox.folder}  (database {sandbox.url})", highlight=False)
        for name, path in sandbox.outboxes.items():
            console.print(f"channel {name}: outbox folder {path}", highlight=False)
        stop = threading.Event()
        install_stop_handlers(stop)
        deadline = time.monotonic() + (duration or 120)
        worker = threading.Thread(
            target=run, args=(ctx, RunOptions(max_sleep=1.0), stop), daemon=True
        )
        worker.start()

        def all_done() -> bool:
            return all(
                posts.get_post(ctx, i).state in ("sent", "failed", "partly_sent") for i in ids
            )

        seen: dict[int, str] = {}
        if headless:
            while not stop.is_set() and time.monotonic() < deadline:
                for i in ids:
                    view = posts.get_post(ctx, i)
                    if seen.get(i) != view.state:
                        seen[i] = view.state
                        where = next((d.remote_url for d in view.deliveries if d.remote_url), "")
                        console.print(f"post {i}: {view.state} {where}", highlight=False)
                if duration is None and all_done():
                    break
                stop.wait(0.5)
        else:
            with Live(_table(ctx, ids), console=console, refresh_per_second=4) as live:
                while not stop.is_set() and time.monotonic() < deadline:
                    live.update(_table(ctx, ids))
                    if duration is None and all_done():
                        break
                    stop.wait(0.5)
        stop.set()
        worker.join(timeout=30)
        sent = sum(1 for i in ids if posts.get_post(ctx, i).state == "sent")
        console.print(
            f"{sent} of {len(ids)} demo posts sent; see the files in {sandbox.folder / 'outbox'}",
            highlight=False,
        )
        ctx.close()
