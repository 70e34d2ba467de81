"""Queries behind the terminal UI: a paged post listing, a change marker, activity, a week.

Every function takes an open :class:`~queue_db.store.Tx`. They read only the
columns a screen shows, so a queue of 100,000 posts pages in milliseconds:
one ``LIMIT/OFFSET`` page plus one ``COUNT`` over the same filter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, update
from sqlalchemy import select as sa_select
from sqlmodel import col, select

from queue_db import claims
from queue_db.models import Channel, Delivery, Event, Post, Setting
from queue_db.store import Tx
from queue_db.types import utcnow

#: Characters of a post's text a listing carries (the screen shows the first line).
HEAD_CHARS = 240


@dataclass(frozen=True)
class PostFilter:
    """Which posts a listing shows. Empty fields do not filter."""

    states: tuple[str, ...] = ()
    source: str | None = None
    channel_id: int | None = None
    search: str | None = None


def _where(query: Any, flt: PostFilter) -> Any:
    if flt.states:
        query = query.where(col(Post.state).in_(flt.states))
    if flt.source:
        query = query.where(col(Post.source) == flt.source)
    if flt.channel_id is not None:
        query = query.where(
            col(Post.id).in_(select(Delivery.post_id).where(Delivery.channel_id == flt.channel_id))
        )
    if flt.search:
        query = query.where(col(Post.text).ilike(f"%{flt.search}%"))
    return query


def page_posts(
    tx: Tx, flt: PostFilter, *, offset: int, limit: int, newest_first: bool
) -> list[tuple[Any, ...]]:
    """One page of posts, by scheduled time (unscheduled last), then id.

    Each row is ``(id, state, scheduled_at, source, author, head, findings,
    review_comment, updated_at)`` where ``head`` is the start of the text.
    """
    # sqlalchemy's select: sqlmodel's typed overloads stop at four columns.
    query = _where(
        sa_select(
            col(Post.id),
            col(Post.state),
            col(Post.scheduled_at),
            col(Post.source),
            col(Post.author),
            func.substr(col(Post.text), 1, HEAD_CHARS),
            col(Post.findings),
            col(Post.review_comment),
            col(Post.updated_at),
        ),
        flt,
    )
    when = col(Post.scheduled_at)
    if newest_first:
        query = query.order_by(when.desc().nulls_last(), col(Post.id).desc())
    else:
        query = query.order_by(when.asc().nulls_last(), col(Post.id))
    return [tuple(row) for row in tx.session.execute(query.offset(offset).limit(limit))]


def count_posts(tx: Tx, flt: PostFilter) -> int:
    return int(tx.session.execute(_where(select(func.count(col(Post.id))), flt)).scalar_one())


def delivery_summaries(
    tx: Tx, post_ids: Sequence[int]
) -> dict[int, list[tuple[str, str, str | None]]]:
    """``{post_id: [(channel name, delivery state, remote url), …]}`` by channel name."""
    out: dict[int, list[tuple[str, str, str | None]]] = {pid: [] for pid in post_ids}
    if not post_ids:
        return out
    rows = tx.session.execute(
        select(col(Delivery.post_id), col(Channel.name), col(Delivery.state), Delivery.remote_url)
        .join(Channel, col(Channel.id) == Delivery.channel_id)
        .where(col(Delivery.post_id).in_(post_ids))
        .order_by(col(Channel.name))
    )
    for post_id, name, state, url in rows:
        out[int(post_id)].append((str(name), str(state), url))
    return out


def change_marker(tx: Tx) -> tuple[Any, ...]:
    """A value that changes whenever anything a screen shows may have changed.

    Every lifecycle step writes an Event; deliveries and settings carry
    ``updated_at``; the post count catches rows written without an event.
    """
    return (
        tx.session.execute(select(func.max(col(Event.id)))).scalar_one(),
        tx.session.execute(select(func.count(col(Post.id)))).scalar_one(),
        tx.session.execute(select(func.max(col(Delivery.updated_at)))).scalar_one(),
        tx.session.execute(select(func.max(col(Setting.updated_at)))).scalar_one(),
        tuple(
            tx.session.execute(
                select(col(Channel.id), col(Channel.paused), Channel.rate_limited_until)
            ).all()
        ),
    )


def recent_deliveries(tx: Tx, limit: int) -> list[tuple[Delivery, Channel, str]]:
    """Deliveries that have been tried or need a person, most recently changed first."""
    rows = tx.session.execute(
        select(Delivery, Channel, func.substr(col(Post.text), 1, HEAD_CHARS))
        .join(Channel, col(Channel.id) == Delivery.channel_id)
        .join(Post, col(Post.id) == Delivery.post_id)
        .where(
            (col(Delivery.state) != "pending") | (col(Delivery.attempts) > 0),
            col(Delivery.state).not_in(("held", "cancelled")),
        )
        .order_by(col(Delivery.updated_at).desc(), col(Delivery.id).desc())
        .limit(limit)
    )
    return [(d, c, str(head)) for d, c, head in rows]


def posts_between(
    tx: Tx, start: datetime, end: datetime
) -> list[tuple[int, str, datetime, str, str]]:
    """``(post id, post state, scheduled_at, channel name, head)`` for posts due in [start, end)."""
    rows = tx.session.execute(
        sa_select(
            col(Post.id),
            col(Post.state),
            col(Post.scheduled_at),
            col(Channel.name),
            func.substr(col(Post.text), 1, HEAD_CHARS),
        )
        .join(Delivery, col(Delivery.post_id) == Post.id)
        .join(Channel, col(Channel.id) == Delivery.channel_id)
        .where(
            col(Post.scheduled_at) >= start,
            col(Post.scheduled_at) < end,
            col(Post.state).not_in(("cancelled", "draft")),
        )
        .order_by(col(Post.scheduled_at), col(Post.id))
    )
    return [(int(i), str(s), at, str(c), str(h)) for i, s, at, c, h in rows]


def _delivery(tx: Tx, post_id: int, channel_id: int) -> Delivery | None:
    return tx.session.exec(
        select(Delivery).where(Delivery.post_id == post_id, Delivery.channel_id == channel_id)
    ).first()


def retry_delivery(tx: Tx, post_id: int, channel_id: int, now: datetime) -> str | None:
    """Put a failed or needs-attention delivery back in line, due now.

    Returns the delivery's state before, or ``None`` if it is not retryable.
    """
    delivery = _delivery(tx, post_id, channel_id)
    if delivery is None or delivery.state not in ("failed", "needs_attention", "expired"):
        return None if delivery is None else f"!{delivery.state}"
    was = delivery.state
    result = tx.session.execute(
        update(Delivery)
        .where(col(Delivery.id) == delivery.id, col(Delivery.state) == was)
        .values(state="pending", next_attempt_at=now, attempts=0, error_kind=None, updated_at=now)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None
    tx.session.execute(
        update(Post)
        .where(
            col(Post.id) == post_id,
            col(Post.state).in_(("failed", "partly_sent", "expired", "sent")),
        )
        .values(state="scheduled", updated_at=utcnow())
    )
    return was


def cancel_delivery(tx: Tx, post_id: int, channel_id: int) -> str | None:
    """End a delivery that has not gone out; roll the post's state up.

    Returns the delivery's state before, ``None`` if there is no such delivery,
    or ``"!state"`` if it is past cancelling.
    """
    delivery = _delivery(tx, post_id, channel_id)
    if delivery is None:
        return None
    was = delivery.state
    if was not in ("pending", "held", "failed", "needs_attention"):
        return f"!{was}"
    result = tx.session.execute(
        update(Delivery)
        .where(col(Delivery.id) == delivery.id, col(Delivery.state) == was)
        .values(state="cancelled", next_attempt_at=None, updated_at=utcnow())
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return f"!{was}"
    claims.roll_up(tx, post_id)
    return was


def channel_delivery_counts(tx: Tx) -> dict[int, dict[str, int]]:
    """``{channel id: {delivery state: count}}``."""
    out: dict[int, dict[str, int]] = {}
    rows = tx.session.execute(
        select(col(Delivery.channel_id), col(Delivery.state), func.count()).group_by(
            col(Delivery.channel_id), col(Delivery.state)
        )
    )
    for channel_id, state, count in rows:
        out.setdefault(int(channel_id), {})[str(state)] = int(count)
    return out


def channel_last_errors(tx: Tx) -> dict[int, str]:
    """The most recent error of each channel's unfinished or failed deliveries."""
    rows = tx.session.execute(
        select(col(Delivery.channel_id), Delivery.last_error)
        .where(
            col(Delivery.last_error).is_not(None),
            col(Delivery.state).in_(("pending", "failed", "needs_attention")),
        )
        .order_by(col(Delivery.updated_at))
    )
    return {int(channel_id): str(error) for channel_id, error in rows}
