"""Queries of the delivery engine besides claiming: workers, the crisis pause, slots, status.

Functions take an open :class:`~queue_db.store.Tx`, like the Store's own methods.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, or_, select
from sqlmodel import col

from queue_db.models import Channel, Delivery, Post, Worker
from queue_db.store import Tx
from queue_db.types import as_utc

#: The Setting that holds the crisis pause (empty when there is none).
PAUSE_KEY = "pause"
#: Delivery states that hold a slot: the post is (or was) going out at that time.
HOLDS_SLOT = ("pending", "held", "sending", "unknown", "sent", "needs_attention")


# -- workers ------------------------------------------------------------------------------


def beat(tx: Tx, name: str, pid: int, host: str, now: datetime) -> None:
    """Record that worker ``name`` is alive (creating its row the first time)."""
    row = tx.session.get(Worker, name)
    if row is None:
        tx.session.add(Worker(name=name, pid=pid, host=host, started_at=now, heartbeat_at=now))
    else:
        row.heartbeat_at = now
        tx.session.add(row)
    tx.session.flush()


def forget_worker(tx: Tx, name: str) -> None:
    tx.session.execute(delete(Worker).where(col(Worker.name) == name))


def prune_workers(tx: Tx, silent_since: datetime) -> int:
    """Drop workers whose last heartbeat is older than ``silent_since``."""
    result = tx.session.execute(delete(Worker).where(col(Worker.heartbeat_at) < silent_since))
    return int(result.rowcount)  # type: ignore[attr-defined]


# -- the crisis pause ---------------------------------------------------------------------


def crisis(tx: Tx) -> dict[str, Any] | None:
    """The crisis pause (``{"reason", "by", "at"}``), or None when nothing is paused."""
    value = tx.setting(PAUSE_KEY)
    return value if value.get("all") else None


def set_crisis(tx: Tx, value: dict[str, Any] | None) -> None:
    tx.put_setting(PAUSE_KEY, value or {})


# -- slots --------------------------------------------------------------------------------


def booked(
    tx: Tx, channel_ids: Sequence[int], start: datetime, end: datetime
) -> list[tuple[int, datetime, int]]:
    """(channel id, due time, post id) of deliveries holding a time in ``[start, end)``."""
    if not channel_ids:
        return []
    rows = tx.session.execute(
        select(col(Delivery.channel_id), col(Delivery.due_at), col(Delivery.post_id))
        .where(
            col(Delivery.channel_id).in_(list(channel_ids)),
            col(Delivery.state).in_(HOLDS_SLOT),
            col(Delivery.due_at) >= start,
            col(Delivery.due_at) < end,
        )
        .order_by(col(Delivery.due_at))
    )
    return [(int(c), as_utc(d), int(p)) for c, d, p in rows]


# -- status -------------------------------------------------------------------------------


def delivery_counts(tx: Tx) -> dict[str, int]:
    rows = tx.session.execute(
        select(col(Delivery.state), func.count()).group_by(col(Delivery.state))
    )
    return {str(state): int(count) for state, count in rows}


def needing_attention(tx: Tx, limit: int = 50) -> list[tuple[Delivery, Post, Channel]]:
    rows = tx.session.execute(
        select(Delivery, Post, Channel)
        .join(Post, col(Post.id) == col(Delivery.post_id))
        .join(Channel, col(Channel.id) == col(Delivery.channel_id))
        .where(col(Delivery.state) == "needs_attention")
        .order_by(col(Delivery.updated_at).desc())
        .limit(limit)
    )
    return [(d, p, c) for d, p, c in rows]


def retrying(tx: Tx, limit: int = 50) -> list[tuple[Delivery, str]]:
    """Deliveries that wait with a reason (a retry after an error, quiet hours…), soonest first.

    Rate-limit waits and paused channels show on their channel instead, so
    those rows are left out.
    """
    rows = tx.session.execute(
        select(Delivery, col(Channel.name))
        .join(Channel, col(Channel.id) == col(Delivery.channel_id))
        .where(
            col(Delivery.state).in_(("pending", "unknown")),
            col(Delivery.last_error).is_not(None),
            or_(
                col(Delivery.error_kind).is_(None),
                col(Delivery.error_kind).not_in(("rate_limited", "auth")),
            ),
        )
        .order_by(col(Delivery.next_attempt_at), col(Delivery.id))
        .limit(limit)
    )
    return [(d, str(name)) for d, name in rows]


def waiting_by_channel(tx: Tx) -> dict[int, int]:
    """How many deliveries wait (pending or unknown) on each channel."""
    rows = tx.session.execute(
        select(col(Delivery.channel_id), func.count())
        .where(col(Delivery.state).in_(("pending", "unknown")))
        .group_by(col(Delivery.channel_id))
    )
    return {int(c): int(n) for c, n in rows}


def channels_by_id(tx: Tx) -> dict[int, Channel]:
    return {c.id: c for c in tx.channels() if c.id is not None}


def overdue(tx: Tx, now: datetime, channel_id: int | None = None) -> tuple[int, int]:
    """Pending deliveries already due, and how many of them are past their post's expiry."""
    query = (
        select(func.count(), func.count(col(Post.id)))
        .select_from(Delivery)
        .outerjoin(
            Post,
            and_(
                col(Post.id) == col(Delivery.post_id),
                col(Post.expires_at).is_not(None),
                col(Post.expires_at) < now,
            ),
        )
        .where(col(Delivery.state) == "pending", col(Delivery.next_attempt_at) <= now)
    )
    if channel_id is not None:
        query = query.where(col(Delivery.channel_id) == channel_id)
    late, expiring = tx.session.execute(query).one()
    return int(late), int(expiring)


def sent_since_attempt(tx: Tx, delivery_id: int) -> int | None:
    """How many posts went out (or may have) on this delivery's channel since its last attempt.

    Counted from the attempt's claim (from the due time for rows older than
    that column, which only counts more): sent and retracted posts since then,
    deliveries that need attention attempted since, and every outcome still
    open. ``None`` when neither time is known.
    """
    channel_id, attempted, due = tx.session.execute(
        select(col(Delivery.channel_id), col(Delivery.attempted_at), col(Delivery.due_at)).where(
            col(Delivery.id) == delivery_id
        )
    ).one()
    since = attempted or due
    if since is None:
        return None
    count = tx.session.execute(
        select(func.count()).where(
            col(Delivery.channel_id) == channel_id,
            col(Delivery.id) != delivery_id,
            or_(
                and_(
                    col(Delivery.state).in_(("sent", "retracted")),
                    col(Delivery.sent_at) >= since,
                ),
                col(Delivery.state).in_(("sending", "unknown")),
                # May have gone out too: attempted since (or due since, for older rows).
                and_(
                    col(Delivery.state) == "needs_attention",
                    func.coalesce(col(Delivery.attempted_at), col(Delivery.due_at)) >= since,
                ),
            ),
        )
    ).scalar_one()
    return int(count)
