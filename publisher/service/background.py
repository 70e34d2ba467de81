"""A chore of the daemon on a thread of its own: done every few seconds until stopped."""

from __future__ import annotations

import logging
import threading

from publisher.errors import OyezError

log = logging.getLogger("oyez.background")


class Periodic:
    """Calls :meth:`look` every ``every`` seconds, the first time ``first_after`` seconds
    after :meth:`start` (a daemon started for a moment calls no network for it).

    An :class:`~publisher.errors.OyezError` from one look is logged; the next look comes.
    """

    #: The thread's name, for logs and debuggers.
    name = "oyez-periodic"

    def __init__(self, *, every: float, first_after: float = 60.0) -> None:
        self.every = every
        self.first_after = first_after
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def look(self) -> None:
        raise NotImplementedError

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        self._stop.wait(self.first_after)
        while not self._stop.is_set():
            try:
                self.look()
            except OyezError as exc:
                log.warning("%s failed: %s", self.name, exc)
            self._stop.wait(self.every)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
