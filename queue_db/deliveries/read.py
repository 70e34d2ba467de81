"""What screens, status, slots and the checker read of deliveries. Nothing here writes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import and_, func, or_, select
from sqlmodel import col

from queue_db import posts
from queue_db.channels import ChannelRecord
from queue_db.deliveries import DeliveryRecord, record
from queue_db.posts import HEAD_CHARS, PostRecord
from queue_db.records import record_of
from queue_db.states import DeliveryState, ErrorKind
from queue_db.store import Tx
from queue_db.tables import Channel, Delivery, Post
from queue_db.types import as_utc

#: Delivery states that hold a slot: the post is (or was) going out at that time.
HOLDS_SLOT = (
    DeliveryState.PENDING,
    DeliveryState.HELD,
    DeliveryState.SENDING,
    DeliveryState.UNKNOWN,
    DeliveryState.SENT,
    DeliveryState.NEEDS_ATTENTION,
)
#: Deliveries still to go out (or be reconciled).
WAITING = (DeliveryState.PENDING, DeliveryState.UNKNOWN)


def _pairs(rows: object) -> list[tuple[DeliveryRecord, ChannelRecord]]:
    return [(record(d), record_of(ChannelRecord, c)) for d, c in rows]  # type: ignore[attr-defined]


def of_post(tx: Tx, post_id: int) -> list[tuple[DeliveryRecord, ChannelRecord]]:
    """A post's deliveries with their channels, by channel name."""
    return of_posts(tx, [post_id])[post_id]


def of_posts(
    tx: Tx, post_ids: Sequence[int]
) -> dict[int, list[tuple[DeliveryRecord, ChannelRecord]]]:
    out: dict[int, list[tuple[DeliveryRecord, ChannelRecord]]] = {pid: [] for pid in post_ids}
    if not post_ids:
        return out
    rows = tx.session.execute(
        select(Delivery, Channel)
        .join(Channel, col(Channel.id) == col(Delivery.channel_id))
        .where(col(Delivery.post_id).in_(list(post_ids)))
        .order_by(col(Channel.name))
    ).all()
    for delivery, channel in _pairs(rows):
        out[delivery.post_id].append((delivery, channel))
    return out


class Summary(NamedTuple):
    channel: str
    state: DeliveryState
    remote_url: str | None


def summaries(tx: Tx, post_ids: Sequence[int]) -> dict[int, list[Summary]]:
    """Per post: (channel name, delivery state, remote url) by channel name."""
    out: dict[int, list[Summary]] = {pid: [] for pid in post_ids}
    if not post_ids:
        return out
    rows = tx.session.execute(
        select(
            col(Delivery.post_id), col(Channel.name), col(Delivery.state), col(Delivery.remote_url)
        )
        .join(Channel, col(Channel.id) == col(Delivery.channel_id))
        .where(col(Delivery.post_id).in_(list(post_ids)))
        .order_by(col(Channel.name))
    )
    for post_id, name, state, url in rows:
        out[int(post_id)].append(Summary(str(name), DeliveryState(state), url))
    return out


class Recent(NamedTuple):
    delivery: DeliveryRecord
    channel: str
    head: str


def recent(tx: Tx, limit: int) -> list[Recent]:
    """Deliveries that have been tried or need a person, most recently changed first."""
    rows = tx.session.execute(
        select(Delivery, col(Channel.name), func.substr(col(Post.text), 1, HEAD_CHARS))
        .join(Channel, col(Channel.id) == col(Delivery.channel_id))
        .join(Post, col(Post.id) == col(Delivery.post_id))
        .where(
            (col(Delivery.state) != DeliveryState.PENDING) | (col(Delivery.attempts) > 0),
            col(Delivery.state).not_in((DeliveryState.HELD, DeliveryState.CANCELLED)),
        )
        .order_by(col(Delivery.updated_at).desc(), col(Delivery.id).desc())
        .limit(limit)
    )
    return [Recent(record(d), str(name), str(head)) for d, name, head in rows]


def counts(tx: Tx) -> dict[str, int]:
    """Deliveries by state."""
    rows = tx.session.execute(
        select(col(Delivery.state), func.count()).group_by(col(Delivery.state))
    )
    return {str(state): int(n) for state, n in rows}


def counts_by_channel(tx: Tx) -> dict[int, dict[str, int]]:
    """``{channel id: {delivery state: count}}``."""
    out: dict[int, dict[str, int]] = {}
    rows = tx.session.execute(
        select(col(Delivery.channel_id), col(Delivery.state), func.count()).group_by(
            col(Delivery.channel_id), col(Delivery.state)
        )
    )
    for channel_id, state, n in rows:
        out.setdefault(int(channel_id), {})[str(state)] = int(n)
    return out


def last_errors(tx: Tx) -> dict[int, str]:
    """The most recent error of each channel's unfinished or failed deliveries."""
    rows = tx.session.execute(
        select(col(Delivery.channel_id), col(Delivery.last_error))
        .where(
            col(Delivery.last_error).is_not(None),
            col(Delivery.state).in_(
                (DeliveryState.PENDING, DeliveryState.FAILED, DeliveryState.NEEDS_ATTENTION)
            ),
        )
        .order_by(col(Delivery.updated_at))
    )
    return {int(channel_id): str(error) for channel_id, error in rows}


def waiting_by_channel(tx: Tx) -> dict[int, int]:
    """How many deliveries wait (pending or unknown) on each channel."""
    rows = tx.session.execute(
        select(col(Delivery.channel_id), func.count())
        .where(col(Delivery.state).in_(WAITING))
        .group_by(col(Delivery.channel_id))
    )
    return {int(c): int(n) for c, n in rows}


class Attention(NamedTuple):
    delivery: DeliveryRecord
    post: PostRecord
    channel: ChannelRecord


def needing_attention(tx: Tx, limit: int = 50) -> list[Attention]:
    rows = tx.session.execute(
        select(Delivery, Post, Channel)
        .join(Post, col(Post.id) == col(Delivery.post_id))
        .join(Channel, col(Channel.id) == col(Delivery.channel_id))
        .where(col(Delivery.state) == DeliveryState.NEEDS_ATTENTION)
        .order_by(col(Delivery.updated_at).desc())
        .limit(limit)
    )
    return [Attention(record(d), posts.record(p), record_of(ChannelRecord, c)) for d, p, c in rows]


def retrying(tx: Tx, limit: int = 50) -> list[tuple[DeliveryRecord, str]]:
    """Deliveries that wait with a reason (a retry after an error, quiet hours…), soonest first.

    Rate-limit waits and paused channels show on their channel instead, so
    those rows are left out.
    """
    rows = tx.session.execute(
        select(Delivery, col(Channel.name))
        .join(Channel, col(Channel.id) == col(Delivery.channel_id))
        .where(
            col(Delivery.state).in_(WAITING),
            col(Delivery.last_error).is_not(None),
            or_(
                col(Delivery.error_kind).is_(None),
                col(Delivery.error_kind).not_in((ErrorKind.RATE_LIMITED, ErrorKind.AUTH)),
            ),
        )
        .order_by(col(Delivery.next_attempt_at), col(Delivery.id))
        .limit(limit)
    )
    return [(record(d), str(name)) for d, name in rows]


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
        .where(col(Delivery.state) == DeliveryState.PENDING, col(Delivery.next_attempt_at) <= now)
    )
    if channel_id is not None:
        query = query.where(col(Delivery.channel_id) == channel_id)
    late, expiring = tx.session.execute(query).one()
    return int(late), int(expiring)


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


def recent_sent_texts(tx: Tx, since: datetime, limit: int = 5000) -> list[str]:
    """Texts published since ``since``, newest first (for near-duplicate checks)."""
    rows = tx.session.execute(
        select(col(Delivery.final_text))
        .where(col(Delivery.state) == DeliveryState.SENT, col(Delivery.sent_at) >= since)
        .order_by(col(Delivery.sent_at).desc())
        .limit(limit)
    ).scalars()
    return list(dict.fromkeys(t for t in rows if t))


def attempt_started(tx: Tx, delivery_id: int) -> datetime | None:
    """When this delivery's last attempt was claimed (its due time for older rows), in UTC.

    No later than the request that may have reached the network: reconciliation
    pages back to it. ``None`` when neither time is known (restored from an archive).
    """
    attempted, due = tx.session.execute(
        select(col(Delivery.attempted_at), col(Delivery.due_at)).where(
            col(Delivery.id) == delivery_id
        )
    ).one()
    when = attempted or due
    return None if when is None else as_utc(when)


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
    n = tx.session.execute(
        select(func.count()).where(
            col(Delivery.channel_id) == channel_id,
            col(Delivery.id) != delivery_id,
            or_(
                and_(
                    col(Delivery.state).in_((DeliveryState.SENT, DeliveryState.RETRACTED)),
                    col(Delivery.sent_at) >= since,
                ),
                col(Delivery.state).in_((DeliveryState.SENDING, DeliveryState.UNKNOWN)),
                # May have gone out too: attempted since (or due since, for older rows).
                and_(
                    col(Delivery.state) == DeliveryState.NEEDS_ATTENTION,
                    func.coalesce(col(Delivery.attempted_at), col(Delivery.due_at)) >= since,
                ),
            ),
        )
    ).scalar_one()
    return int(n)
