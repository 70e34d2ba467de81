"""Noticing changes: a cheap marker for screens, and a watcher that wakes the dispatcher.

The marker (:func:`change_marker`) differs whenever anything a screen shows
may have changed. The watcher notices another process's commit at once:

* PostgreSQL: ``LISTEN oyez_queue``; triggers installed by the engine's
  migration ``NOTIFY`` when a delivery becomes due or changes its due time,
  and when a channel or the crisis pause changes.
* SQLite: ``PRAGMA data_version`` on a connection of its own changes whenever
  any other connection commits; reading it costs microseconds and no I/O.

Either way the watcher only calls ``on_change``; the dispatcher then asks the
database what is due, so a spurious wake-up costs one cheap query.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, func, select
from sqlmodel import col

from queue_db.store import Store, Tx
from queue_db.tables import Channel, Delivery, Event, Post, Setting

log = logging.getLogger("oyez.engine")

#: The PostgreSQL notification channel the engine's triggers notify.
CHANNEL = "oyez_queue"
#: How often SQLite's data_version is read, in seconds.
SQLITE_INTERVAL = 0.2
#: How long a PostgreSQL watcher blocks before checking whether it should stop.
PG_TIMEOUT = 1.0


class Watcher:
    """Calls ``on_change`` from a daemon thread whenever the database may have changed."""

    def __init__(self, store: Store | Engine, on_change: Callable[[], None]) -> None:
        self.engine = store.engine if isinstance(store, Store) else store
        self.on_change = on_change
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def supported(self) -> bool:
        url = self.engine.url
        if url.get_backend_name() == "sqlite":
            return bool(url.database) and url.database != ":memory:"
        return url.get_backend_name() == "postgresql"

    def start(self) -> None:
        if not self.supported or self._thread is not None:
            return
        target = (
            self._watch_sqlite if self.engine.url.get_backend_name() == "sqlite" else self._watch_pg
        )
        self._thread = threading.Thread(target=target, name="oyez-watcher", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=PG_TIMEOUT + 1)
            self._thread = None

    def _watch_sqlite(self) -> None:
        path = str(self.engine.url.database)
        last: int | None = None
        connection: sqlite3.Connection | None = None
        while not self._stop.wait(SQLITE_INTERVAL):
            try:
                if connection is None:
                    connection = sqlite3.connect(path, timeout=1.0, check_same_thread=False)
                version = int(connection.execute("PRAGMA data_version").fetchone()[0])
            except sqlite3.Error as exc:
                log.debug("queue watcher: %s", exc)
                if connection is not None:
                    connection.close()
                connection = None
                continue
            if last is not None and version != last:
                self.on_change()
            last = version
        if connection is not None:
            connection.close()

    def _pg_dsn(self) -> str:
        url = self.engine.url.set(drivername="postgresql")
        return url.render_as_string(hide_password=False)

    def _watch_pg(self) -> None:
        # Imported here: a SQLite daemon need not carry the PostgreSQL driver.
        import psycopg

        while not self._stop.is_set():
            try:
                with psycopg.connect(self._pg_dsn(), autocommit=True, connect_timeout=10) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    # Anything may have changed while we were not listening.
                    self.on_change()
                    while not self._stop.is_set():
                        for _ in conn.notifies(timeout=PG_TIMEOUT, stop_after=1):
                            self.on_change()
            except psycopg.Error as exc:
                log.warning("queue watcher lost its connection (%s); reconnecting", exc)
                self._stop.wait(2.0)


def change_marker(tx: Tx) -> tuple[Any, ...]:
    """A value that changes whenever anything a screen shows may have changed.

    Every lifecycle step writes an Event; deliveries and settings carry
    ``updated_at``; the post count catches rows written without an event.
    """
    one = tx.session.execute
    return (
        one(select(func.max(col(Event.id)))).scalar_one(),
        one(select(func.count(col(Post.id)))).scalar_one(),
        one(select(func.max(col(Delivery.updated_at)))).scalar_one(),
        one(select(func.max(col(Setting.updated_at)))).scalar_one(),
        tuple(
            one(select(col(Channel.id), col(Channel.paused), col(Channel.rate_limited_until))).all()
        ),
    )
