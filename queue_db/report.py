"""The figures the report reads: what was published, what was not and why, per ticket and cadence.

Read-only; the big reads stream (``yield_per``) so a year of deliveries keeps memory flat.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import case, func, select
from sqlmodel import col

from queue_db.archive import stream
from queue_db.states import PUBLISHED, DeliveryState
from queue_db.store import Tx
from queue_db.tables import Channel, Delivery, Event, Ticket, TicketPost, TipServed

#: Delivery states that mean "it will not be published", with a reason in ``last_error``.
UNPUBLISHED = (DeliveryState.FAILED, DeliveryState.NEEDS_ATTENTION, DeliveryState.EXPIRED)


def stream_published(
    tx: Tx, since: datetime | None, until: datetime | None, batch: int = 5000
) -> Iterator[tuple[str, datetime | None, datetime]]:
    """(channel name, due, sent) of every delivery published in [since, until)."""
    query = (
        select(col(Channel.name), col(Delivery.due_at), col(Delivery.sent_at))
        .join(Channel, col(Channel.id) == col(Delivery.channel_id))
        .where(col(Delivery.state).in_(PUBLISHED), col(Delivery.sent_at).is_not(None))
    )
    if since is not None:
        query = query.where(col(Delivery.sent_at) >= since)
    if until is not None:
        query = query.where(col(Delivery.sent_at) < until)
    for name, due, sent in stream(tx, query, batch):
        yield str(name), due, sent


def unpublished_counts(
    tx: Tx, since: datetime | None, until: datetime | None
) -> list[tuple[str, str | None, str | None, int]]:
    """(state, error kind, last error, count) of deliveries that ended unpublished."""
    query = select(
        col(Delivery.state), col(Delivery.error_kind), col(Delivery.last_error), func.count()
    ).where(col(Delivery.state).in_(UNPUBLISHED))
    if since is not None:
        query = query.where(col(Delivery.updated_at) >= since)
    if until is not None:
        query = query.where(col(Delivery.updated_at) < until)
    query = query.group_by(col(Delivery.state), col(Delivery.error_kind), col(Delivery.last_error))
    return [(s, k, e, int(n)) for s, k, e, n in tx.session.execute(query)]


def ticket_posts(
    tx: Tx, since: datetime | None, until: datetime | None
) -> list[tuple[str, str, int, int]]:
    """(ticket id, title, posts made, deliveries published) per ticket, for posts made in range."""
    published = case((col(Delivery.state).in_(PUBLISHED), 1), else_=0)
    query = (
        select(
            col(Ticket.external_id),
            col(Ticket.title),
            func.count(func.distinct(col(TicketPost.id))),
            func.coalesce(func.sum(published), 0),
        )
        .join(Ticket, col(Ticket.id) == col(TicketPost.ticket_id))
        .outerjoin(Delivery, col(Delivery.post_id) == col(TicketPost.post_id))
        .where(col(TicketPost.post_id).is_not(None))
        .group_by(col(Ticket.id), col(Ticket.external_id), col(Ticket.title))
    )
    if since is not None:
        query = query.where(col(TicketPost.created_at) >= since)
    if until is not None:
        query = query.where(col(TicketPost.created_at) < until)
    return [(str(e), str(t), int(n), int(p)) for e, t, n, p in tx.session.execute(query)]


def cadence_tips_sent(tx: Tx, since: datetime | None, until: datetime | None) -> dict[int, int]:
    """Cadence id → firings in range whose tip was published on at least one channel."""
    published = (
        select(col(Delivery.post_id))
        .where(col(Delivery.state).in_(PUBLISHED))
        .where(col(Delivery.post_id) == col(TipServed.post_id))
        .exists()
    )
    query = (
        select(col(TipServed.cadence_id), func.count())
        .where(col(TipServed.cadence_id).is_not(None), published)
        .group_by(col(TipServed.cadence_id))
    )
    if since is not None:
        query = query.where(col(TipServed.fire_at) >= since)
    if until is not None:
        query = query.where(col(TipServed.fire_at) < until)
    return {int(c): int(n) for c, n in tx.session.execute(query)}


def cadence_pauses(tx: Tx) -> dict[str, list[tuple[datetime, bool]]]:
    """Cadence name → its pauses (True) and resumes (False), oldest first, from the audit log."""
    query = (
        select(col(Event.at), col(Event.action), col(Event.detail))
        .where(col(Event.action).in_(("cadence_paused", "cadence_resumed")))
        .order_by(col(Event.at), col(Event.id))
    )
    out: dict[str, list[tuple[datetime, bool]]] = {}
    for at, action, detail in tx.session.execute(query):
        name = (detail or {}).get("cadence")
        if isinstance(name, str):
            out.setdefault(name, []).append((at, action == "cadence_paused"))
    return out
