"""Running ``oyez run`` processes, by their heartbeats. The only writer of ``worker``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlmodel import col

from queue_db.records import record_of
from queue_db.store import Tx
from queue_db.tables import Worker


@dataclass(frozen=True)
class WorkerRecord:
    name: str
    pid: int
    host: str
    started_at: datetime
    heartbeat_at: datetime


def beat(tx: Tx, name: str, pid: int, host: str, now: datetime) -> None:
    """Record that worker ``name`` is alive (creating its row the first time)."""
    row = tx.session.get(Worker, name)
    if row is None:
        tx.session.add(Worker(name=name, pid=pid, host=host, started_at=now, heartbeat_at=now))
    else:
        row.heartbeat_at = now
        tx.session.add(row)
    tx.session.flush()


def forget(tx: Tx, name: str) -> None:
    tx.session.execute(delete(Worker).where(col(Worker.name) == name))


def prune(tx: Tx, silent_since: datetime) -> int:
    """Drop workers whose last heartbeat is older than ``silent_since``."""
    result = tx.session.execute(delete(Worker).where(col(Worker.heartbeat_at) < silent_since))
    return int(result.rowcount)  # type: ignore[attr-defined]


def every(tx: Tx) -> list[WorkerRecord]:
    rows = tx.session.execute(select(Worker).order_by(col(Worker.name))).scalars()
    return [record_of(WorkerRecord, r) for r in rows]
