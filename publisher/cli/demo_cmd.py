"""``oyez demo``: a sandbox with posts due within a minute, and the dispatcher sending them.

Without ``--headless`` it opens the TUI on the sandbox, with the dispatcher
running in a background thread of the same process, so posts visibly move
from scheduled to sent.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Annotated

import typer

from publisher.cli.common import console
from publisher.cli.run_cmd import install_stop_handlers
from publisher.context import Context
from publisher.engine.runner import Dispatcher
from publisher.service import posts
from publisher.service.demo import add_screen_extras, create_sandbox


def _headless(ctx: Context, ids: list[int], duration: float | None) -> None:
    stop = threading.Event()
    install_stop_handlers(stop)
    deadline = time.monotonic() + (duration or 120)
    dispatcher = Dispatcher(ctx)
    dispatcher.start()

    def all_done() -> bool:
        return all(posts.get_post(ctx, i).state in ("sent", "failed", "partly_sent") for i in ids)

    seen: dict[int, str] = {}
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
    stop.set()
    dispatcher.stop()
    sent = sum(1 for i in ids if posts.get_post(ctx, i).state == "sent")
    console.print(f"{sent} of {len(ids)} demo posts sent", highlight=False)


def register(app: typer.Typer) -> None:
    @app.command("demo")
    def demo(
        headless: Annotated[
            bool, typer.Option("--headless", help="Print progress lines instead of the TUI.")
        ] = False,
        duration: Annotated[
            float | None,
            typer.Option(
                "--for",
                metavar="SECONDS",
                min=1,
                help="Stop after this long (default: headless, when every demo post is sent; "
                "the TUI, when you quit).",
            ),
        ] = None,
        folder: Annotated[
            Path, typer.Option("--dir", help="Where the sandbox lives.", metavar="DIR")
        ] = Path("demo-sandbox"),
    ) -> None:
        """Run oyez on a seeded sandbox: SQLite plus local outbox folders, no accounts needed."""
        ctx, sandbox, ids = create_sandbox(folder)
        try:
            if headless:
                console.print(
                    f"sandbox: {sandbox.folder}  (database {sandbox.url})", highlight=False
                )
                for name, path in sandbox.outboxes.items():
                    console.print(f"channel {name}: outbox folder {path}", highlight=False)
                _headless(ctx, ids, duration)
            else:
                from publisher.tui.app import OyezApp

                add_screen_extras(ctx)
                OyezApp(ctx, dispatch=True, exit_after=duration).run()
        finally:
            ctx.close()
        console.print(
            f"sandbox kept in {sandbox.folder}: its outbox folders hold what was published",
            highlight=False,
        )
