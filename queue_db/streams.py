"""Listening streams: what to collect from which channel, and where the last round stopped.

The only writer of ``stream``. A round is claimed with one conditional UPDATE
(:func:`claim`), so of several workers one polls a stream at a time; its
cursor is advanced by :func:`advance` in the transaction that stores the
round's items (:func:`queue_db.inbox.store`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlmodel import col

from queue_db.records import record_of
from queue_db.states import StreamKind
from queue_db.store import Tx
from queue_db.tables import Stream


@dataclass(frozen=True)
class StreamRecord:
    id: int
    name: str
    channel_id: int
    kind: StreamKind
    query: str | None
    every_minutes: int
    since: datetime
    cursor: str | None
    complete: bool
    paused: bool
    last_error: str | None
    last_polled_at: datetime | None
    next_poll_at: datetime | None
    rate_limited_until: datetime | None
    spike_at: datetime | None
    created_by: str
    created_at: datetime


def _record(row: Stream) -> StreamRecord:
    found = record_of(StreamRecord, row)
    return StreamRecord(**{**found.__dict__, "kind": StreamKind(row.kind)})


def add(tx: Tx, **values: Any) -> StreamRecord:
    """A new stream; a taken name is a :class:`~queue_db.errors.Conflict`."""
    return _record(tx.add(Stream(**values)))


def by_name(tx: Tx, name: str) -> StreamRecord:
    return _record(tx.by_name(Stream, name, "stream"))


def by_id(tx: Tx, stream_id: int) -> StreamRecord:
    return _record(tx.by_id(Stream, stream_id, "stream"))


def every(tx: Tx) -> list[StreamRecord]:
    """Every stream, by name."""
    rows = tx.session.execute(select(Stream).order_by(col(Stream.name))).scalars()
    return [_record(r) for r in rows]


def names_of(tx: Tx, stream_ids: list[int]) -> dict[int, str]:
    if not stream_ids:
        return {}
    rows = tx.session.execute(
        select(col(Stream.id), col(Stream.name)).where(col(Stream.id).in_(stream_ids))
    )
    return {int(i): str(n) for i, n in rows}


def due(tx: Tx, now: datetime) -> list[StreamRecord]:
    """Streams not paused whose next round is due, soonest first."""
    rows = tx.session.execute(
        select(Stream)
        .where(
            col(Stream.paused).is_(False),
            or_(col(Stream.next_poll_at).is_(None), col(Stream.next_poll_at) <= now),
        )
        .order_by(col(Stream.next_poll_at), col(Stream.id))
    ).scalars()
    return [_record(r) for r in rows]


def change(tx: Tx, stream_id: int, **values: Any) -> None:
    tx.session.execute(update(Stream).where(col(Stream.id) == stream_id).values(**values))


def delete_one(tx: Tx, stream_id: int) -> None:
    """Delete the stream (its links go first: :func:`queue_db.inbox.unlink_stream`)."""
    tx.session.execute(delete(Stream).where(col(Stream.id) == stream_id))


def claim(tx: Tx, stream_id: int, now: datetime, hold_until: datetime) -> bool:
    """Take the stream's due round: of several workers exactly one wins.

    The winner moves ``next_poll_at`` to ``hold_until`` (a worker that dies
    mid-round frees it then); :func:`advance` sets the real next time.
    """
    result = tx.session.execute(
        update(Stream)
        .where(
            col(Stream.id) == stream_id,
            col(Stream.paused).is_(False),
            or_(col(Stream.next_poll_at).is_(None), col(Stream.next_poll_at) <= now),
        )
        .values(next_poll_at=hold_until)
    )
    return int(result.rowcount) == 1  # type: ignore[attr-defined]


def advance(
    tx: Tx,
    stream_id: int,
    *,
    cursor: str | None,
    complete: bool,
    polled_at: datetime,
    next_poll_at: datetime,
) -> None:
    """Record a round that went through: the new cursor (``None`` keeps the old one)."""
    values: dict[str, Any] = {
        "complete": complete,
        "last_polled_at": polled_at,
        "next_poll_at": next_poll_at,
        "last_error": None,
        "rate_limited_until": None,
    }
    if cursor is not None:
        values["cursor"] = cursor
    change(tx, stream_id, **values)
