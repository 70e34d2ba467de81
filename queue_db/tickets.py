"""Queries for tickets, their events and thread posts, the ticket config and ticket feeds.

Each function takes an open :class:`Tx`. A ticket's writers take turns by
making the ticket row their first write (:func:`lock_ticket`): a row lock on
PostgreSQL, the database write lock on SQLite.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_, update
from sqlmodel import col, select

from queue_db.errors import NotFound
from queue_db.records import record_of
from queue_db.store import Tx
from queue_db.tables import Post, Ticket, TicketConfig, TicketEvent, TicketFeed, TicketPost

CONFIG = "default"


@dataclass(frozen=True)
class TicketRecord:
    """A ticket as stored."""

    id: int
    external_id: str
    title: str
    status: str
    impact: str
    service: str
    text: str
    url: str | None
    opened_at: datetime
    updated_at: datetime
    resolved_at: datetime | None


@dataclass(frozen=True)
class TicketEventRecord:
    """A ticket event as stored."""

    id: int
    ticket_id: int
    seq: int
    source: str
    event_key: str | None
    status: str
    raw_status: str
    title: str | None
    text: str | None
    impact: str | None
    service: str | None
    url: str | None
    actor: str
    received_at: datetime
    ticket_post_id: int | None


@dataclass(frozen=True)
class TicketPostRecord:
    """A post of a ticket's thread as stored."""

    id: int
    ticket_id: int
    seq: int
    source_key: str
    kind: str
    status: str
    post_id: int | None
    state: str
    created_at: datetime
    released_at: datetime | None


@dataclass(frozen=True)
class TicketConfigRecord:
    """The ticket configuration as stored."""

    name: str
    channels: list[str]
    template: str
    update_template: str
    closing_template: str
    coalesce_seconds: int
    urgent: bool
    mode: str
    status_map: dict[str, str]
    link_template: str
    updated_by: str
    updated_at: datetime


@dataclass(frozen=True)
class TicketFeedRecord:
    """A ticket feed as stored."""

    id: int
    url: str
    id_pattern: str
    every_minutes: int
    baseline: list[str]
    etag: str | None
    last_modified: str | None
    polled_at: datetime | None
    last_error: str | None
    created_by: str
    created_at: datetime


# -- configuration ---------------------------------------------------------------------


def config(tx: Tx) -> TicketConfigRecord | None:
    row = tx.session.get(TicketConfig, CONFIG)
    return None if row is None else record_of(TicketConfigRecord, row)


def save_config(tx: Tx, **values: Any) -> TicketConfigRecord:
    """Create the configuration with ``values``, or change those fields of it."""
    row = tx.session.get(TicketConfig, CONFIG)
    if row is None:
        row = TicketConfig(name=CONFIG, **values)
    else:
        for name, value in values.items():
            setattr(row, name, value)
    tx.session.add(row)
    tx.session.flush()
    return record_of(TicketConfigRecord, row)


# -- tickets ---------------------------------------------------------------------------


def lock_ticket(tx: Tx, external_id: str, at: datetime) -> bool:
    """Make the ticket row this transaction's first write; False if there is no such ticket."""
    result = tx.session.execute(
        update(Ticket).where(col(Ticket.external_id) == external_id).values(updated_at=at)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def add_ticket(tx: Tx, **values: Any) -> TicketRecord:
    return record_of(TicketRecord, tx.add(Ticket(**values)))


def ticket_named(tx: Tx, external_id: str) -> TicketRecord | None:
    row = tx.session.exec(select(Ticket).where(Ticket.external_id == external_id)).first()
    return None if row is None else record_of(TicketRecord, row)


def ticket(tx: Tx, external_id: str) -> TicketRecord:
    row = ticket_named(tx, external_id)
    if row is None:
        raise NotFound(f"no ticket {external_id!r}")
    return row


def ticket_by_id(tx: Tx, ticket_id: int) -> TicketRecord:
    return record_of(TicketRecord, tx.by_id(Ticket, ticket_id, "ticket"))


def tickets(tx: Tx, *, limit: int | None = None) -> list[TicketRecord]:
    query = select(Ticket).order_by(col(Ticket.opened_at).desc(), col(Ticket.id).desc())
    if limit is not None:
        query = query.limit(limit)
    return [record_of(TicketRecord, r) for r in tx.session.exec(query)]


def update_ticket(tx: Tx, ticket_id: int, **values: Any) -> None:
    tx.session.execute(update(Ticket).where(col(Ticket.id) == ticket_id).values(**values))


def needing_work(tx: Tx) -> list[int]:
    """Tickets with events not yet in a post, or posts not yet made or released."""
    waiting_events = select(TicketEvent.ticket_id).where(col(TicketEvent.ticket_post_id).is_(None))
    waiting_posts = select(TicketPost.ticket_id).where(
        col(TicketPost.state).in_(("claimed", "held"))
    )
    rows = tx.session.exec(
        select(Ticket.id).where(
            or_(col(Ticket.id).in_(waiting_events), col(Ticket.id).in_(waiting_posts))
        )
    ).all()
    return sorted(int(r) for r in rows if r is not None)


# -- events ----------------------------------------------------------------------------


def add_event(tx: Tx, **values: Any) -> TicketEventRecord:
    return record_of(TicketEventRecord, tx.add(TicketEvent(**values)))


def event_by_key(tx: Tx, event_key: str) -> TicketEventRecord | None:
    row = tx.session.exec(select(TicketEvent).where(TicketEvent.event_key == event_key)).first()
    return None if row is None else record_of(TicketEventRecord, row)


def count_events_keyed(tx: Tx, prefix: str) -> int:
    """How many events have a key that starts with ``prefix`` (a feed's: ``feed:<id>:``)."""
    return int(
        tx.session.exec(
            select(func.count()).where(
                col(TicketEvent.event_key).startswith(prefix, autoescape=True)
            )
        ).one()
    )


def next_event_seq(tx: Tx, ticket_id: int) -> int:
    last = tx.session.exec(
        select(func.max(col(TicketEvent.seq))).where(TicketEvent.ticket_id == ticket_id)
    ).one()
    return int(last or 0) + 1


def event_counts(tx: Tx, ticket_ids: Sequence[int]) -> dict[int, int]:
    """How many events each ticket has (0 for none), in one query."""
    out = dict.fromkeys(ticket_ids, 0)
    if not ticket_ids:
        return out
    rows = tx.session.exec(
        select(TicketEvent.ticket_id, func.count())
        .where(col(TicketEvent.ticket_id).in_(ticket_ids))
        .group_by(col(TicketEvent.ticket_id))
    ).all()
    out.update((int(ticket_id), int(count)) for ticket_id, count in rows)
    return out


def post_states(tx: Tx, post_ids: Sequence[int]) -> dict[int, str]:
    """The state of each post, in one query."""
    if not post_ids:
        return {}
    rows = tx.session.exec(select(Post.id, Post.state).where(col(Post.id).in_(post_ids))).all()
    return {int(post_id): state for post_id, state in rows if post_id is not None}


def unassigned_events(tx: Tx, ticket_id: int) -> list[TicketEventRecord]:
    return [
        record_of(TicketEventRecord, row)
        for row in tx.session.exec(
            select(TicketEvent)
            .where(TicketEvent.ticket_id == ticket_id, col(TicketEvent.ticket_post_id).is_(None))
            .order_by(col(TicketEvent.seq))
        )
    ]


def events_of(tx: Tx, ticket_id: int) -> list[TicketEventRecord]:
    rows = tx.session.exec(
        select(TicketEvent).where(TicketEvent.ticket_id == ticket_id).order_by(col(TicketEvent.seq))
    )
    return [record_of(TicketEventRecord, r) for r in rows]


def assign_events(tx: Tx, event_ids: Sequence[int], ticket_post_id: int) -> None:
    tx.session.execute(
        update(TicketEvent)
        .where(col(TicketEvent.id).in_(event_ids), col(TicketEvent.ticket_post_id).is_(None))
        .values(ticket_post_id=ticket_post_id)
    )


# -- thread posts ----------------------------------------------------------------------


def add_post(tx: Tx, **values: Any) -> TicketPostRecord:
    """Claim a thread post; a taken (ticket, seq) or source key is a Conflict."""
    return record_of(TicketPostRecord, tx.add(TicketPost(**values)))


def thread(tx: Tx, ticket_id: int) -> list[TicketPostRecord]:
    rows = tx.session.exec(
        select(TicketPost).where(TicketPost.ticket_id == ticket_id).order_by(col(TicketPost.seq))
    )
    return [record_of(TicketPostRecord, r) for r in rows]


def threads(tx: Tx, ticket_ids: Sequence[int]) -> dict[int, list[TicketPostRecord]]:
    out: dict[int, list[TicketPostRecord]] = {t: [] for t in ticket_ids}
    if not ticket_ids:
        return out
    rows = tx.session.exec(
        select(TicketPost)
        .where(col(TicketPost.ticket_id).in_(ticket_ids))
        .order_by(col(TicketPost.ticket_id), col(TicketPost.seq))
    )
    for row in rows:
        out[row.ticket_id].append(record_of(TicketPostRecord, row))
    return out


def move_post(tx: Tx, ticket_post_id: int, from_state: str, **values: Any) -> bool:
    """Change a thread post only if it is still in ``from_state`` (so one worker wins)."""
    result = tx.session.execute(
        update(TicketPost)
        .where(col(TicketPost.id) == ticket_post_id, col(TicketPost.state) == from_state)
        .values(**values)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


# -- feeds -----------------------------------------------------------------------------


def add_feed(tx: Tx, **values: Any) -> TicketFeedRecord:
    return record_of(TicketFeedRecord, tx.add(TicketFeed(**values)))


def feeds(tx: Tx) -> list[TicketFeedRecord]:
    rows = tx.session.exec(select(TicketFeed).order_by(col(TicketFeed.id)))
    return [record_of(TicketFeedRecord, r) for r in rows]


def feed(tx: Tx, feed_id: int) -> TicketFeedRecord:
    return record_of(TicketFeedRecord, tx.by_id(TicketFeed, feed_id, "ticket feed"))


def feed_by_url(tx: Tx, url: str) -> TicketFeedRecord | None:
    row = tx.session.exec(select(TicketFeed).where(TicketFeed.url == url)).first()
    return None if row is None else record_of(TicketFeedRecord, row)


def update_feed(tx: Tx, feed_id: int, **values: Any) -> None:
    tx.session.execute(update(TicketFeed).where(col(TicketFeed.id) == feed_id).values(**values))


def delete_feed(tx: Tx, feed_id: int) -> None:
    """Delete a ticket feed and its backlog (kept on the row); the events it brought stay."""
    tx.session.execute(delete(TicketFeed).where(col(TicketFeed.id) == feed_id))
