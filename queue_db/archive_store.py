"""Queries of the archive: streaming it out, restoring it, retracting, pruning, reporting.

Every function takes an open :class:`~queue_db.store.Tx`. The streaming
queries fetch ``batch`` rows at a time (a server-side cursor on PostgreSQL,
SQLite's own lazy cursor), so reading a million rows keeps memory flat.
Rows come back as plain tuples in the order of :data:`DELIVERY_FIELDS` or
:data:`EVENT_FIELDS`, with aware UTC times and decoded JSON.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, case, delete, func, insert, select, text, update
from sqlalchemy import inspect as sa_inspect
from sqlmodel import col

from queue_db.models import Channel, Delivery, Event, Post
from queue_db.store import Tx
from queue_db.tickets_models import Ticket, TicketPost
from queue_db.tips_models import TipServed
from queue_db.types import UTCDateTime, utcnow

#: Delivery states that mean "it was published" (a retracted post was published first).
PUBLISHED = ("sent", "retracted")
#: Delivery states that mean "it will not be published", with a reason in ``last_error``.
UNPUBLISHED = ("failed", "needs_attention", "expired")
#: Rows inserted per statement by the bulk inserts.
INSERT_CHUNK = 2000

# One archive record per delivery: (field name, column). The order is the export's.
_DELIVERY_COLUMNS: tuple[tuple[str, Any], ...] = (
    ("post_id", Delivery.post_id),
    ("channel", Channel.name),
    ("channel_kind", Channel.kind),
    ("state", Delivery.state),
    ("due_at", Delivery.due_at),
    ("sent_at", Delivery.sent_at),
    ("remote_id", Delivery.remote_id),
    ("remote_url", Delivery.remote_url),
    ("final_text", Delivery.final_text),
    ("attempts", Delivery.attempts),
    ("error_kind", Delivery.error_kind),
    ("last_error", Delivery.last_error),
    ("post_state", Post.state),
    ("text", Post.text),
    ("variants", Post.variants),
    ("media", Post.media),
    ("author", Post.author),
    ("source", Post.source),
    ("source_key", Post.source_key),
    ("created_at", Post.created_at),
    ("scheduled_at", Post.scheduled_at),
    ("approved_by", Post.approved_by),
    ("override_reason", Post.override_reason),
    ("thread_parent_id", Post.thread_parent_id),
)
# One archive record per audit event, likewise.
_EVENT_COLUMNS: tuple[tuple[str, Any], ...] = (
    ("at", Event.at),
    ("actor", Event.actor),
    ("action", Event.action),
    ("post_id", Event.post_id),
    ("channel", Channel.name),
    ("detail", Event.detail),
)
DELIVERY_FIELDS: tuple[str, ...] = tuple(name for name, _ in _DELIVERY_COLUMNS)
EVENT_FIELDS: tuple[str, ...] = tuple(name for name, _ in _EVENT_COLUMNS)
#: The fields of either record that hold (aware) times.
TIME_FIELDS = frozenset(
    name
    for name, column in (*_DELIVERY_COLUMNS, *_EVENT_COLUMNS)
    if isinstance(column.type, UTCDateTime)
)


@dataclass(frozen=True)
class Filter:
    """Which deliveries are in an export or a report; times are aware, ``until`` exclusive."""

    since: datetime | None = None
    until: datetime | None = None
    channel_id: int | None = None


def archive_time() -> ColumnElement[datetime]:
    """When a delivery belongs in the archive: sent, else due, else when its post was written."""
    return func.coalesce(col(Delivery.sent_at), col(Delivery.due_at), col(Post.created_at))


def _filtered(query: Any, where: Filter) -> Any:
    query = query.select_from(Delivery).join(Post, col(Post.id) == col(Delivery.post_id))
    if where.since is not None:
        query = query.where(archive_time() >= where.since)
    if where.until is not None:
        query = query.where(archive_time() < where.until)
    if where.channel_id is not None:
        query = query.where(col(Delivery.channel_id) == where.channel_id)
    return query


def _select(columns: tuple[tuple[str, Any], ...]) -> Any:
    return select(*(col(column).label(name) for name, column in columns))


def _stream(tx: Tx, query: Any, batch: int) -> Iterator[Any]:
    # Core, not the ORM: plain rows need no ORM loading, which would double the cost per row.
    # yield_per streams: a server-side cursor on PostgreSQL, lazy fetching on SQLite.
    connection = tx.session.connection()
    return iter(connection.execute(query, execution_options={"yield_per": batch}))


def count_deliveries(tx: Tx, where: Filter) -> int:
    return int(tx.session.execute(_filtered(select(func.count()), where)).scalar_one())


def stream_deliveries(tx: Tx, where: Filter, batch: int = 2000) -> Iterator[Sequence[Any]]:
    """Every delivery matching ``where`` with its post and channel, by post id then channel name."""
    query = _filtered(_select(_DELIVERY_COLUMNS), where)
    query = query.join(Channel, col(Channel.id) == col(Delivery.channel_id)).order_by(
        col(Delivery.post_id), col(Channel.name)
    )
    yield from _stream(tx, query, batch)


def count_events(tx: Tx, where: Filter) -> int:
    return int(tx.session.execute(_events_query(select(func.count()), where)).scalar_one())


def _events_query(query: Any, where: Filter) -> Any:
    posts = _filtered(select(col(Delivery.post_id)), where).distinct()
    return query.select_from(Event).where(col(Event.post_id).in_(posts.scalar_subquery()))


def stream_events(tx: Tx, where: Filter, batch: int = 2000) -> Iterator[Sequence[Any]]:
    """The audit log of every post that has a delivery matching ``where``, oldest first."""
    query = _events_query(_select(_EVENT_COLUMNS), where)
    query = query.outerjoin(Channel, col(Channel.id) == col(Event.channel_id)).order_by(
        col(Event.id)
    )
    yield from _stream(tx, query, batch)


# -- restoring and bulk creation ---------------------------------------------------------


def _table(model: type[Post] | type[Delivery] | type[Event]) -> Any:
    return sa_inspect(model).local_table


def existing_post_ids(tx: Tx, ids: Sequence[int]) -> set[int]:
    found: set[int] = set()
    for start in range(0, len(ids), INSERT_CHUNK):
        chunk = list(ids[start : start + INSERT_CHUNK])
        found.update(
            int(i)
            for i in tx.session.execute(
                select(col(Post.id)).where(col(Post.id).in_(chunk))
            ).scalars()
        )
    return found


def insert_posts(tx: Tx, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert posts (every column given, ``id`` optional); return their ids in order."""
    table = _table(Post)
    if tx.session.get_bind().dialect.name == "postgresql" and rows and "id" not in rows[0]:
        # Reserve the ids first, then insert without RETURNING: psycopg re-parses every
        # multi-row RETURNING statement, which costs three times a pipelined executemany.
        ids = [
            int(i)
            for i in tx.session.execute(
                text(
                    "SELECT nextval(pg_get_serial_sequence('post', 'id')) FROM generate_series(1, :n)"
                ),
                {"n": len(rows)},
            ).scalars()
        ]
        insert_rows(tx, Post, [{**row, "id": i} for row, i in zip(rows, ids, strict=True)])
        return ids
    ids = []
    for start in range(0, len(rows), INSERT_CHUNK):
        statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        result = tx.session.execute(statement, list(rows[start : start + INSERT_CHUNK]))
        ids.extend(int(i) for i in result.scalars())
    return ids


def insert_rows(
    tx: Tx, model: type[Post] | type[Delivery] | type[Event], rows: Sequence[dict[str, Any]]
) -> None:
    """Insert rows in chunks (every column given that has no default in the database)."""
    table = _table(model)
    for start in range(0, len(rows), INSERT_CHUNK):
        tx.session.execute(insert(table), list(rows[start : start + INSERT_CHUNK]))


def delivery_row(
    post_id: int, channel_id: int | None, due: datetime | None, now: datetime, **values: Any
) -> dict[str, Any]:
    """A full delivery row for :func:`insert_rows` (pending unless ``values`` say otherwise)."""
    row: dict[str, Any] = {
        "post_id": post_id,
        "channel_id": channel_id,
        "state": "pending",
        "due_at": due,
        "next_attempt_at": due,
        "attempts": 0,
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
    row.update(values)
    return row


def event_row(
    when: datetime,
    actor: str,
    action: str,
    post_id: int | None,
    channel_id: int | None = None,
    /,
    **detail: Any,
) -> dict[str, Any]:
    """A full audit event row for :func:`insert_rows` (``detail`` may use any key)."""
    return {
        "at": when,
        "actor": actor,
        "action": action,
        "post_id": post_id,
        "channel_id": channel_id,
        "detail": detail,
    }


def catch_up_post_ids(tx: Tx) -> None:
    """After inserting posts with explicit ids, make PostgreSQL's sequence continue past them."""
    if tx.session.get_bind().dialect.name == "postgresql":
        tx.session.execute(
            text(
                "SELECT setval(pg_get_serial_sequence('post', 'id'), "
                "COALESCE((SELECT MAX(id) FROM post), 0) + 1, false)"
            )
        )


# -- retracting and pruning --------------------------------------------------------------


def mark_retracted(tx: Tx, delivery_id: int) -> bool:
    """``sent`` → ``retracted``, keeping the archived text, remote id, URL and time sent."""
    result = tx.session.execute(
        update(Delivery)
        .where(col(Delivery.id) == delivery_id, col(Delivery.state) == "sent")
        .values(state="retracted", updated_at=utcnow())
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def prunable_drafts(tx: Tx, before: datetime) -> list[int]:
    """Drafts untouched since ``before`` that nothing was published from or threads under."""
    parents = select(col(Post.thread_parent_id)).where(col(Post.thread_parent_id).is_not(None))
    started = select(col(Delivery.post_id)).where(
        col(Delivery.state).not_in(("pending", "held", "cancelled"))
    )
    query = (
        select(col(Post.id))
        .where(
            col(Post.state) == "draft",
            col(Post.updated_at) < before,
            col(Post.id).not_in(parents.scalar_subquery()),
            col(Post.id).not_in(started.scalar_subquery()),
        )
        .order_by(col(Post.id))
    )
    return [int(i) for i in tx.session.execute(query).scalars()]


def delete_posts(tx: Tx, post_ids: Sequence[int]) -> None:
    """Delete posts and their (never started) deliveries. Their audit events stay."""
    for start in range(0, len(post_ids), INSERT_CHUNK):
        chunk = list(post_ids[start : start + INSERT_CHUNK])
        tx.session.execute(delete(Delivery).where(col(Delivery.post_id).in_(chunk)))
        tx.session.execute(delete(Post).where(col(Post.id).in_(chunk)))


# -- reports -----------------------------------------------------------------------------


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
    for name, due, sent in _stream(tx, query, batch):
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
