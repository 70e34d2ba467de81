"""What people (and the lifecycle) do to deliveries: target, schedule, hold, retry, cancel.

Every change is one conditional UPDATE on the state it expects, so a worker
claiming the same row at the same moment cannot be overwritten; a refusal
raises :class:`~queue_db.errors.WrongState` with the state found.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy import inspect as sa_inspect
from sqlmodel import col

from queue_db import posts
from queue_db.errors import NotFound, WrongState
from queue_db.posts import CHUNK
from queue_db.states import NOT_STARTED, DeliveryState, PostState
from queue_db.store import Tx
from queue_db.tables import Delivery
from queue_db.types import utcnow

#: Deliveries a person may send again.
RETRYABLE = (DeliveryState.FAILED, DeliveryState.NEEDS_ATTENTION, DeliveryState.EXPIRED)
#: Deliveries a person may give up on (nothing went out on the channel).
CANCELLABLE = (
    DeliveryState.PENDING,
    DeliveryState.HELD,
    DeliveryState.FAILED,
    DeliveryState.NEEDS_ATTENTION,
)


def set_targets(tx: Tx, post_id: int, channel_ids: Sequence[int]) -> None:
    """Make the post's deliveries match ``channel_ids`` (only before anything was sent)."""
    existing = {
        int(c): int(i)
        for i, c in tx.session.execute(
            select(col(Delivery.id), col(Delivery.channel_id)).where(
                col(Delivery.post_id) == post_id
            )
        )
    }
    gone = [i for c, i in existing.items() if c not in channel_ids]
    if gone:
        tx.session.execute(delete(Delivery).where(col(Delivery.id).in_(gone)))
    for channel_id in dict.fromkeys(channel_ids):
        if channel_id not in existing:
            tx.session.add(Delivery(post_id=post_id, channel_id=channel_id))
    tx.session.flush()


def target_new(tx: Tx, post_id: int, channel_ids: Sequence[int]) -> None:
    """The deliveries of a post made in this transaction, which has none yet: one insert."""
    now = utcnow()
    rows = [
        {"post_id": post_id, "channel_id": c, "state": DeliveryState.PENDING, "updated_at": now}
        for c in dict.fromkeys(channel_ids)
    ]
    if rows:
        tx.flush()  # the post itself goes first
        tx.connection.execute(insert(Delivery), rows)


def schedule(tx: Tx, post_id: int, due_at: datetime) -> int:
    """Make every waiting delivery of a post due at ``due_at``; returns how many."""
    result = tx.session.execute(
        update(Delivery)
        .where(col(Delivery.post_id) == post_id, col(Delivery.state).in_(NOT_STARTED))
        .values(
            state=DeliveryState.PENDING,
            due_at=due_at,
            next_attempt_at=due_at,
            updated_at=utcnow(),
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def hold(tx: Tx, post_id: int, state: DeliveryState = DeliveryState.HELD) -> int:
    """Take a post's unsent deliveries off the schedule (``held``) or end them (``cancelled``)."""
    result = tx.session.execute(
        update(Delivery)
        .where(col(Delivery.post_id) == post_id, col(Delivery.state).in_(NOT_STARTED))
        .values(state=state, next_attempt_at=None, updated_at=utcnow())
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def _state(tx: Tx, post_id: int, channel_id: int) -> tuple[int, DeliveryState]:
    found = tx.session.execute(
        select(col(Delivery.id), col(Delivery.state)).where(
            col(Delivery.post_id) == post_id, col(Delivery.channel_id) == channel_id
        )
    ).first()
    if found is None:
        raise NotFound(f"post {post_id} has no delivery to that channel")
    return int(found[0]), DeliveryState(found[1])


def _move(tx: Tx, delivery_id: int, was: DeliveryState, **values: Any) -> None:
    result = tx.session.execute(
        update(Delivery)
        .where(col(Delivery.id) == delivery_id, col(Delivery.state) == was)
        .values(**values)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise WrongState(was, "it changed meanwhile")


def retry(tx: Tx, post_id: int, channel_id: int, now: datetime) -> DeliveryState:
    """Put a failed, expired or needs-attention delivery back in line, due now, with fresh tries.

    Returns the state it had; :class:`WrongState` if it is not one of those.
    """
    delivery_id, was = _state(tx, post_id, channel_id)
    if was not in RETRYABLE:
        raise WrongState(was)
    _move(
        tx,
        delivery_id,
        was,
        state=DeliveryState.PENDING,
        next_attempt_at=now,
        attempts=0,
        checks=0,
        error_kind=None,
        updated_at=now,
    )
    posts.reopen(
        tx,
        post_id,
        (PostState.FAILED, PostState.PARTLY_SENT, PostState.EXPIRED, PostState.SENT),
        now,
    )
    return was


def cancel(tx: Tx, post_id: int, channel_id: int, now: datetime) -> DeliveryState:
    """End a delivery that has not gone out and roll the post up; returns the state it had."""
    delivery_id, was = _state(tx, post_id, channel_id)
    if was not in CANCELLABLE:
        raise WrongState(was)
    _move(
        tx,
        delivery_id,
        was,
        state=DeliveryState.CANCELLED,
        next_attempt_at=None,
        updated_at=now,
    )
    posts.roll_up(tx, post_id, now)
    return was


def mark_retracted(tx: Tx, delivery_id: int) -> bool:
    """``sent`` → ``retracted``, keeping the archived text, remote id, URL and time sent."""
    result = tx.session.execute(
        update(Delivery)
        .where(col(Delivery.id) == delivery_id, col(Delivery.state) == DeliveryState.SENT)
        .values(state=DeliveryState.RETRACTED, updated_at=utcnow())
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def resolve_attention(tx: Tx, delivery_id: int, now: datetime, **values: Any) -> bool:
    """A person settles a delivery that needs attention; False if it no longer does.

    Put back to ``pending``, a ``failed`` or ``partly_sent`` post is
    ``scheduled`` again until it rolls up (the caller checks it was signed off).
    """
    result = tx.connection.execute(
        update(Delivery)
        .where(
            col(Delivery.id) == delivery_id,
            col(Delivery.state) == DeliveryState.NEEDS_ATTENTION,
        )
        .values(updated_at=now, **values)
    )
    if result.rowcount != 1:
        return False
    (post_id,) = tx.connection.execute(
        select(col(Delivery.post_id)).where(col(Delivery.id) == delivery_id)
    ).one()
    if values.get("state") == DeliveryState.PENDING:
        posts.reopen(tx, int(post_id), (PostState.FAILED, PostState.PARTLY_SENT), now)
    else:
        posts.roll_up(tx, int(post_id), now)
    return True


# -- the archive: restoring and bulk creation ------------------------------------------


def row(
    post_id: int, channel_id: int | None, due: datetime | None, now: datetime, **values: Any
) -> dict[str, Any]:
    """A full delivery row for :func:`insert_many` (pending unless ``values`` say otherwise)."""
    full: dict[str, Any] = {
        "post_id": post_id,
        "channel_id": channel_id,
        "state": DeliveryState.PENDING,
        "due_at": due,
        "next_attempt_at": due,
        "attempts": 0,
        "checks": 0,
        "last_error": None,
        "error_kind": None,
        "final_text": None,
        "remote_id": None,
        "remote_url": None,
        "sent_at": None,
        "lease_owner": None,
        "lease_expires_at": None,
        "updated_at": now,
    }
    full.update(values)
    return full


def insert_many(tx: Tx, rows: Sequence[dict[str, Any]]) -> None:
    """Insert full delivery rows (see :func:`row`) in chunks."""
    table: Any = sa_inspect(Delivery).local_table
    for start in range(0, len(rows), CHUNK):
        tx.session.execute(insert(table), list(rows[start : start + CHUNK]))


def delete_of_posts(tx: Tx, post_ids: Sequence[int]) -> None:
    """Delete every delivery of these posts (the posts are being pruned: never started)."""
    tx.session.execute(delete(Delivery).where(col(Delivery.post_id).in_(list(post_ids))))
