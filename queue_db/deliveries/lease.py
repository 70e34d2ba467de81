"""Leases on claimed deliveries: starting an attempt, renewing, and recovering stalled ones.

A claim only reserves a delivery (``sending`` with a lease, ``attempted_at``
empty). Right before its request, the worker *starts* the attempt: one
committed statement that counts it and stamps ``attempted_at``, and only if
the worker still holds the lease. So an attempt means a request that may have
reached the network, and a crash spends attempts only on what was in flight:

* a stalled ``sending`` row that was never started goes back to ``pending``
  as it was (nothing was sent, nothing is charged);
* a started one becomes ``unknown`` and is reconciled before any retry.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, and_, bindparam, or_, select, update
from sqlmodel import col

from queue_db.prepared import Prepared
from queue_db.states import DeliveryState, ErrorKind
from queue_db.store import Tx
from queue_db.tables import Delivery
from queue_db.types import UTCDateTime

_NOW = bindparam("now", type_=UTCDateTime())
#: The row ``:delivery_id`` while ``:owner`` holds its lease: every write under a lease.
HELD = and_(
    col(Delivery.id) == bindparam("delivery_id"),
    col(Delivery.state) == DeliveryState.SENDING,
    col(Delivery.lease_owner) == bindparam("owner"),
)
#: Run on the driver's cursor: it is the one statement every post commits
#: before its request (:mod:`queue_db.prepared`).
_START = Prepared(
    update(Delivery)
    .where(HELD)
    .values(
        attempts=col(Delivery.attempts) + 1,
        attempted_at=_NOW,
        updated_at=_NOW,
    )
    .returning(col(Delivery.attempts))
)


def start(tx: Tx, delivery_id: int, owner: str, now: datetime) -> int | None:
    """Count the attempt ``owner`` is about to make; the attempts so far, this one included.

    ``None`` when ``owner`` no longer holds the lease (it ran out and the row was
    recovered or taken over): then nothing may be sent. Commit before the request.
    """
    rows = _START.rows(tx, {"delivery_id": delivery_id, "owner": owner, "now": now})
    return int(rows[0][0]) if rows else None


def _stalled(now: datetime, dead_owners: Sequence[str]) -> ColumnElement[bool]:
    stale = col(Delivery.lease_expires_at) < now
    if dead_owners:
        stale = or_(stale, col(Delivery.lease_owner).in_(list(dead_owners)))
    return and_(col(Delivery.state) == DeliveryState.SENDING, stale)


def recover(tx: Tx, now: datetime, dead_owners: Sequence[str] = ()) -> tuple[list[int], list[int]]:
    """Take back ``sending`` rows whose lease expired, or whose owner is known dead.

    Returns (requeued, unknown): rows whose attempt never started go back to
    ``pending`` without spending an attempt; rows whose request may have
    reached the network become ``unknown`` and are reconciled at once.
    """
    requeued = tx.session.execute(
        update(Delivery)
        .where(_unlocked(tx, _stalled(now, dead_owners), col(Delivery.attempted_at).is_(None)))
        .values(
            state=DeliveryState.PENDING,
            lease_owner=None,
            lease_expires_at=None,
            updated_at=now,
        )
        .returning(col(Delivery.id))
    )
    back = sorted(int(row[0]) for row in requeued)
    unknown = tx.session.execute(
        update(Delivery)
        .where(_unlocked(tx, _stalled(now, dead_owners)))
        .values(
            state=DeliveryState.UNKNOWN,
            next_attempt_at=now,
            lease_owner=None,
            lease_expires_at=None,
            error_kind=ErrorKind.UNKNOWN,
            last_error="a worker stopped while delivering: checking whether it went out",
            updated_at=now,
        )
        .returning(col(Delivery.id))
    )
    return back, sorted(int(row[0]) for row in unknown)


def lease_owners(tx: Tx) -> list[str]:
    """Workers that hold a lease right now (to spot ones that died on this host)."""
    rows = tx.session.execute(
        select(col(Delivery.lease_owner))
        .where(col(Delivery.state) == DeliveryState.SENDING, col(Delivery.lease_owner).is_not(None))
        .distinct()
    )
    return sorted(str(r[0]) for r in rows)


def renew_leases(tx: Tx, owner: str, until: datetime, delivery_ids: Collection[int]) -> int:
    """Extend the leases ``owner`` holds on ``delivery_ids`` (it is alive and working on them)."""
    if not delivery_ids:
        return 0
    result = tx.session.execute(
        update(Delivery)
        .where(
            _unlocked(
                tx,
                col(Delivery.id).in_(sorted(delivery_ids)),
                col(Delivery.state) == DeliveryState.SENDING,
                col(Delivery.lease_owner) == owner,
            )
        )
        .values(lease_expires_at=until)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def _unlocked(tx: Tx, *conditions: ColumnElement[bool]) -> ColumnElement[bool]:
    """Rows matching ``conditions`` that no other transaction holds (PostgreSQL).

    Lease housekeeping never waits on a row being settled or started: that row
    is about to leave ``sending`` or be sent, and waiting could deadlock with
    the other transaction. SQLite has one writer at a time, so it needs no such care.
    """
    if tx.dialect != "postgresql":
        return and_(*conditions)
    free = select(col(Delivery.id)).where(*conditions).with_for_update(skip_locked=True)
    return col(Delivery.id).in_(free.scalar_subquery())
