"""The worker loop behind ``oyez run``: deliver what is due, then sleep until the next due time."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from publisher.engine.delivery import Deliverer, Outcome, next_wakeup
from publisher.service.context import Context

log = logging.getLogger("oyez.engine")

#: Longest sleep between checks, so changes made elsewhere are noticed.
MAX_SLEEP = 5.0


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass
class RunOptions:
    once: bool = False
    duration: float | None = None
    max_sleep: float = MAX_SLEEP


def run(
    ctx: Context,
    options: RunOptions,
    stop: threading.Event | None = None,
    on_round: Callable[[Outcome], None] | None = None,
) -> Outcome:
    """Deliver until stopped, ``duration`` passes, or (``once``) nothing is due."""
    stop = stop or threading.Event()
    deliverer = Deliverer(ctx, worker_name())
    total = Outcome()
    deadline = time.monotonic() + options.duration if options.duration else None
    try:
        while not stop.is_set():
            outcome = deliverer.run_once()
            total.add(outcome)
            if on_round is not None:
                on_round(outcome)
            if options.once:
                break
            sleep = options.max_sleep
            due = next_wakeup(ctx)
            if due is not None:
                sleep = max(0.0, min(sleep, (due - ctx.clock()).total_seconds()))
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                sleep = min(sleep, left)
            stop.wait(sleep)
    finally:
        deliverer.close()
    return total
