"""``oyez run``: the delivery daemon."""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType
from typing import Annotated

import typer

from publisher.cli.common import console, state
from publisher.engine.delivery import Outcome
from publisher.engine.runner import RunOptions, run


def install_stop_handlers(stop: threading.Event) -> None:
    """SIGTERM and SIGINT let the call in flight finish, then stop."""

    def handler(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def register(app: typer.Typer) -> None:
    @app.command("run")
    def run_(
        ctx: typer.Context,
        once: Annotated[
            bool, typer.Option("--once", help="Deliver what is due now, then exit.")
        ] = False,
        duration: Annotated[
            float | None,
            typer.Option(
                "--for", help="Run for this many seconds, then exit.", metavar="SECONDS", min=0
            ),
        ] = None,
        quiet: Annotated[
            bool, typer.Option("--quiet", "-q", help="Print nothing per round.")
        ] = False,
    ) -> None:
        """Deliver due posts until stopped (SIGTERM/Ctrl-C finish the call in flight)."""
        logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
        context = state(ctx).open()
        stop = threading.Event()
        install_stop_handlers(stop)

        def report(o: Outcome) -> None:
            if not quiet and (o.sent or o.failed or o.attention):
                console.print(
                    f"sent {o.sent}, retrying {o.retried}, failed {o.failed}, "
                    f"needs attention {o.attention}",
                    highlight=False,
                )

        total = run(context, RunOptions(once=once, duration=duration), stop, report)
        if not quiet:
            console.print(
                f"done: sent {total.sent}, failed {total.failed}, needs attention {total.attention}",
                highlight=False,
            )
