"""The audit log: append-only, who did what and when. The only writer of ``event``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, insert, select
from sqlmodel import col

from queue_db.prepared import Prepared
from queue_db.records import record_of
from queue_db.store import Tx
from queue_db.tables import Event
from queue_db.types import utcnow


@dataclass(frozen=True)
class EventRecord:
    id: int
    at: datetime
    actor: str
    action: str
    post_id: int | None
    channel_id: int | None
    detail: dict[str, Any]


_APPEND = insert(Event).values(
    at=bindparam("at"),
    actor=bindparam("actor"),
    action=bindparam("action"),
    post_id=bindparam("post_id"),
    channel_id=bindparam("channel_id"),
    detail=bindparam("detail"),
)
#: The engine logs a group of sent posts at once, on the driver's cursor.
_APPEND_MANY = Prepared(_APPEND)


def append(
    tx: Tx,
    actor: str,
    action: str,
    *,
    post_id: int | None = None,
    channel_id: int | None = None,
    detail: Mapping[str, Any] | None = None,
    at: datetime | None = None,
) -> int:
    """Append one event; returns its id."""
    tx.flush()  # rows the event may name go first
    found = tx.connection.execute(
        _APPEND.returning(col(Event.id)),
        {
            "at": at or utcnow(),
            "actor": actor,
            "action": action,
            "post_id": post_id,
            "channel_id": channel_id,
            "detail": dict(detail or {}),
        },
    ).scalar_one()
    assert found is not None
    return int(found)


def append_many(tx: Tx, rows: Sequence[Mapping[str, Any]]) -> None:
    """Append several events in one statement; each mapping has every column but the id."""
    if rows:
        _APPEND_MANY.many(tx, rows)


def for_post(tx: Tx, post_id: int | None = None, limit: int = 100) -> list[EventRecord]:
    """The newest ``limit`` events (of one post, if given), newest first."""
    query = select(Event)
    if post_id is not None:
        query = query.where(col(Event.post_id) == post_id)
    rows = tx.session.execute(query.order_by(col(Event.id).desc()).limit(limit)).scalars()
    return [record_of(EventRecord, r) for r in rows]


def of_actions(tx: Tx, actions: Sequence[str]) -> list[EventRecord]:
    """Every event with one of ``actions``, oldest first."""
    rows = tx.session.execute(
        select(Event).where(col(Event.action).in_(list(actions))).order_by(col(Event.id))
    ).scalars()
    return [record_of(EventRecord, r) for r in rows]


def latest_by_channel(tx: Tx, action: str) -> dict[int, EventRecord]:
    """The newest event with ``action`` of each channel that has one, by channel id."""
    newest = (
        select(func.max(col(Event.id)))
        .where(col(Event.action) == action, col(Event.channel_id).is_not(None))
        .group_by(col(Event.channel_id))
    )
    rows = tx.session.execute(select(Event).where(col(Event.id).in_(newest))).scalars()
    found = [record_of(EventRecord, r) for r in rows]
    return {r.channel_id: r for r in found if r.channel_id is not None}


def row(
    when: datetime,
    actor: str,
    action: str,
    post_id: int | None,
    channel_id: int | None = None,
    /,
    **detail: Any,
) -> dict[str, Any]:
    """A full event row for :func:`append_many` (``detail`` may use any key)."""
    return {
        "at": when,
        "actor": actor,
        "action": action,
        "post_id": post_id,
        "channel_id": channel_id,
        "detail": detail,
    }
