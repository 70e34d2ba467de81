"""Claiming and settling deliveries: the queries behind exactly-once publishing.

A claim is one statement: it moves due ``pending`` rows to ``sending`` with a
lease. On PostgreSQL the candidates are locked with ``FOR UPDATE SKIP LOCKED``
so concurrent workers never wait on or take each other's rows; SQLite ignores
that clause, so the outer ``WHERE state = 'pending'`` is what makes it safe
there (SQLite runs one writer at a time, and the row count tells who won).
Settling a delivery checks the lease owner, so a worker whose lease expired
cannot overwrite what another worker decided.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlmodel import col

from queue_db.models import Channel, Delivery, Post
from queue_db.store import Tx
from queue_db.types import utcnow

#: Delivery states in which nothing more will happen without a person.
FINAL = ("sent", "failed", "expired", "cancelled", "retracted", "needs_attention")


def _ready_channels(now: datetime) -> Any:
    return select(col(Channel.id)).where(
        col(Channel.paused).is_(False),
        or_(col(Channel.rate_limited_until).is_(None), col(Channel.rate_limited_until) <= now),
    )


def claim_due(
    tx: Tx,
    owner: str,
    now: datetime,
    *,
    limit: int = 50,
    lease: timedelta = timedelta(minutes=2),
    urgent_only: bool = False,
) -> list[int]:
    """Claim up to ``limit`` due deliveries for ``owner``; return their ids."""
    candidates = (
        select(col(Delivery.id))
        .where(
            col(Delivery.state) == "pending",
            col(Delivery.next_attempt_at) <= now,
            col(Delivery.channel_id).in_(_ready_channels(now)),
        )
        .order_by(col(Delivery.next_attempt_at), col(Delivery.id))
        .limit(limit)
    )
    if urgent_only:
        candidates = candidates.where(
            col(Delivery.post_id).in_(select(col(Post.id)).where(col(Post.urgent).is_(True)))
        )
    if tx.session.get_bind().dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    statement = (
        update(Delivery)
        .where(col(Delivery.id).in_(candidates.scalar_subquery()), col(Delivery.state) == "pending")
        .values(
            state="sending",
            lease_owner=owner,
            lease_expires_at=now + lease,
            attempts=col(Delivery.attempts) + 1,
            updated_at=now,
        )
        .returning(col(Delivery.id))
    )
    return [int(row[0]) for row in tx.session.execute(statement)]


def load(tx: Tx, delivery_id: int) -> tuple[Delivery, Post, Channel]:
    row = tx.session.execute(
        select(Delivery, Post, Channel)
        .join(Post, col(Post.id) == Delivery.post_id)
        .join(Channel, col(Channel.id) == Delivery.channel_id)
        .where(col(Delivery.id) == delivery_id)
    ).one()
    return row[0], row[1], row[2]


def settle(tx: Tx, delivery_id: int, owner: str, **values: Any) -> bool:
    """Write the outcome of a claimed delivery, if ``owner`` still holds its lease."""
    values.setdefault("updated_at", utcnow())
    values.setdefault("lease_owner", None)
    values.setdefault("lease_expires_at", None)
    result = tx.session.execute(
        update(Delivery)
        .where(
            col(Delivery.id) == delivery_id,
            col(Delivery.state) == "sending",
            col(Delivery.lease_owner) == owner,
        )
        .values(**values)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def expired_leases(tx: Tx, now: datetime, limit: int = 50) -> list[int]:
    """Deliveries stuck in ``sending`` past their lease: their outcome is unknown."""
    query = (
        select(col(Delivery.id))
        .where(col(Delivery.state) == "sending", col(Delivery.lease_expires_at) < now)
        .order_by(col(Delivery.lease_expires_at))
        .limit(limit)
    )
    return [int(r[0]) for r in tx.session.execute(query)]


def take_over(tx: Tx, delivery_id: int, owner: str, now: datetime, lease: timedelta) -> bool:
    """Take the lease of a delivery whose lease expired (to reconcile it)."""
    result = tx.session.execute(
        update(Delivery)
        .where(
            col(Delivery.id) == delivery_id,
            col(Delivery.state) == "sending",
            col(Delivery.lease_expires_at) < now,
        )
        .values(lease_owner=owner, lease_expires_at=now + lease, updated_at=now)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def next_due(tx: Tx, now: datetime) -> datetime | None:
    """When the next pending delivery (or an expiring lease) needs attention."""
    pending = tx.session.execute(
        select(func.min(col(Delivery.next_attempt_at))).where(
            col(Delivery.state) == "pending",
            col(Delivery.channel_id).in_(
                select(col(Channel.id)).where(col(Channel.paused).is_(False))
            ),
        )
    ).scalar()
    lease = tx.session.execute(
        select(func.min(col(Delivery.lease_expires_at))).where(col(Delivery.state) == "sending")
    ).scalar()
    limits = tx.session.execute(
        select(func.min(col(Channel.rate_limited_until))).where(
            col(Channel.rate_limited_until) > now
        )
    ).scalar()
    times = [t for t in (pending, lease) if t is not None]
    if limits is not None and pending is not None:
        times.append(limits)
    return _aware(min(times)) if times else None


def _aware(value: datetime) -> datetime:
    from datetime import UTC

    return value if value.tzinfo else value.replace(tzinfo=UTC)


def roll_up(tx: Tx, post_id: int) -> str | None:
    """Set a post's state from its deliveries once none is still in flight."""
    states = [
        str(s)
        for (s,) in tx.session.execute(
            select(col(Delivery.state)).where(col(Delivery.post_id) == post_id)
        )
    ]
    if not states or any(s not in FINAL for s in states):
        return None
    live = [s for s in states if s != "cancelled"]
    sent = sum(1 for s in live if s in ("sent", "retracted"))
    if sent == len(live) and live:
        new = "sent"
    elif sent:
        new = "partly_sent"
    elif all(s == "expired" for s in live) and live:
        new = "expired"
    else:
        new = "failed"
    tx.session.execute(
        update(Post)
        .where(
            col(Post.id) == post_id,
            col(Post.state).in_(("scheduled", "sent", "partly_sent", "failed")),
        )
        .values(state=new, updated_at=utcnow())
    )
    return new


def expire_late(tx: Tx, now: datetime, post_ids: Sequence[int] | None = None) -> list[int]:
    """End pending deliveries of posts past their expiry; return the affected post ids."""
    query = (
        select(col(Delivery.id), col(Delivery.post_id))
        .join(Post, col(Post.id) == Delivery.post_id)
        .where(
            col(Delivery.state) == "pending",
            and_(col(Post.expires_at).is_not(None), col(Post.expires_at) < now),
        )
    )
    rows = list(tx.session.execute(query))
    if not rows:
        return []
    tx.session.execute(
        update(Delivery)
        .where(col(Delivery.id).in_([r[0] for r in rows]), col(Delivery.state) == "pending")
        .values(state="expired", last_error="expired: too late to make sense", updated_at=now)
    )
    return sorted({int(r[1]) for r in rows})
