"""``oyez run``: the delivery daemon."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import Annotated, Any

import typer

from publisher.cli.common import console, state
from publisher.engine.outcome import Outcome
from publisher.engine.runner import Dispatcher
from publisher.service.credentials import DailyRecheck
from publisher.service.metrics import ReachCollector


def install_stop_handlers(stop: threading.Event | Callable[[], None]) -> dict[int, Any]:
    """SIGTERM and SIGINT let the call in flight finish, then stop.

    Returns the handlers they replace, for :func:`restore_handlers`.
    """

    def handler(signum: int, _frame: FrameType | None) -> None:
        if isinstance(stop, threading.Event):
            stop.set()
        else:
            stop()

    previous: dict[int, Any] = {}
    for signum in (signal.SIGTERM, signal.SIGINT):
        previous[signum] = signal.signal(signum, handler)
    return previous


def restore_handlers(previous: dict[int, Any]) -> None:
    for signum, handler in previous.items():
        signal.signal(signum, handler)


def register(app: typer.Typer) -> None:
    @app.command("run")
    def run_(
        ctx: typer.Context,
        once: Annotated[
            bool,
            typer.Option(
                "--once",
                help="Fire due cadences, poll due feeds, deliver what is due now, then exit "
                "(for a cron job).",
            ),
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
        verbose: Annotated[
            bool, typer.Option("--verbose", "-v", help="Log what the engine does.")
        ] = False,
    ) -> None:
        """Deliver due posts until stopped (SIGTERM or Ctrl-C finish the call in flight).

        Run as many as you like against one PostgreSQL database: each post goes
        out once. Cadences and feeds added, changed or removed are picked up within 30 s;
        SIGHUP picks them up at once. Each channel's credentials are checked once a day
        (see `oyez channels check`), and the reach of sent posts is collected at about
        +1 h, +24 h and +7 days after sending (see `oyez metrics collect`).
        """
        logging.basicConfig(
            level=logging.INFO if verbose else logging.WARNING,
            format="%(asctime)s %(name)s %(message)s",
        )
        context = state(ctx).open()

        def report(o: Outcome) -> None:
            if not quiet and (o.sent or o.failed or o.attention or o.expired):
                console.print(
                    f"sent {o.sent}, retrying {o.retried}, failed {o.failed}, "
                    f"expired {o.expired}, needs attention {o.attention}",
                    highlight=False,
                )

        dispatcher = Dispatcher(context, on_round=report)
        previous = install_stop_handlers(lambda: dispatcher.stop(timeout=0))
        if hasattr(signal, "SIGHUP"):
            previous[signal.SIGHUP] = signal.signal(
                signal.SIGHUP, lambda _s, _f: dispatcher.reload()
            )
        # Credentials are re-checked once a day per channel, never per post.
        # Figures of sent posts are collected at +1 h, +24 h, +7 d (metrics settings).
        background: list[DailyRecheck | ReachCollector] = (
            [] if once else [DailyRecheck(context), ReachCollector(context)]
        )
        for job in background:
            job.start()
        try:
            total = dispatcher.run(once=once, duration=duration)
        finally:
            for job in background:
                job.stop()
            restore_handlers(previous)
        if not quiet:
            console.print(
                f"done: sent {total.sent}, retrying {total.retried}, waiting {total.deferred}, "
                f"failed {total.failed}, expired {total.expired}, "
                f"needs attention {total.attention}",
                highlight=False,
            )
