"""Reading the archive out: every delivery and audit event, streamed.

Writing it back (a restore, a bulk import) goes through the noun modules that
own each table: :func:`queue_db.posts.insert_many`,
:func:`queue_db.deliveries.plan.insert_many`, :func:`queue_db.events.append_many`.

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

from sqlalchemy import JSON, ColumnElement, String, func, select, type_coerce
from sqlmodel import col

from queue_db.store import Tx
from queue_db.tables import Channel, Delivery, DeliveryReach, Event, Post
from queue_db.types import UTCDateTime

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
    # The latest reach figures (None where the network gives none, or not yet measured).
    ("metrics_likes", DeliveryReach.likes),
    ("metrics_reposts", DeliveryReach.reposts),
    ("metrics_replies", DeliveryReach.replies),
    ("metrics_quotes", DeliveryReach.quotes),
    ("metrics_impressions", DeliveryReach.impressions),
    ("metrics_collected_at", DeliveryReach.collected_at),
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


def stream(tx: Tx, query: Any, batch: int) -> Iterator[Any]:
    """Rows of ``query``, ``batch`` at a time: memory stays flat however many there are."""
    # Core, not the ORM: plain rows need no ORM loading, which would double the cost per row.
    # yield_per streams: a server-side cursor on PostgreSQL, lazy fetching on SQLite.
    connection = tx.connection
    return iter(connection.execute(query, execution_options={"yield_per": batch}))


def count_deliveries(tx: Tx, where: Filter) -> int:
    return int(tx.session.execute(_filtered(select(func.count()), where)).scalar_one())


def _deliveries_query(columns: Sequence[Any], where: Filter) -> Any:
    query = _filtered(select(*columns), where)
    return (
        query.join(Channel, col(Channel.id) == col(Delivery.channel_id))
        .outerjoin(DeliveryReach, col(DeliveryReach.delivery_id) == col(Delivery.id))
        .order_by(col(Delivery.post_id), col(Channel.name))
    )


def stream_deliveries(tx: Tx, where: Filter, batch: int = 2000) -> Iterator[Sequence[Any]]:
    """Every delivery matching ``where`` with its post and channel, by post id then channel name."""
    columns: list[Any] = [col(column).label(name) for name, column in _DELIVERY_COLUMNS]
    yield from stream(tx, _deliveries_query(columns, where), batch)


#: What each field of :func:`stream_raw_deliveries` holds: ``"time"``, ``"json"`` or ``"plain"``.
RAW_KINDS: tuple[str, ...] = tuple(
    "time"
    if isinstance(column.type, UTCDateTime)
    else "json"
    if isinstance(column.type, JSON)
    else "plain"
    for _, column in _DELIVERY_COLUMNS
)


def stream_raw_deliveries(tx: Tx, where: Filter, batch: int = 2000) -> Iterator[Sequence[Any]]:
    """:func:`stream_deliveries` without decoding times and JSON (for a fast CSV export).

    A ``"time"`` field is the database's own value: SQLite's text
    (``YYYY-MM-DD HH:MM:SS.ffffff``, UTC) or PostgreSQL's aware datetime; a
    ``"json"`` field is SQLite's JSON text or PostgreSQL's decoded value.
    Decoding them per row cost more than the rest of the export together.
    """

    def raw(name: str, column: Any) -> Any:
        if isinstance(column.type, UTCDateTime | JSON):
            return type_coerce(column, String).label(name)
        return col(column).label(name)

    columns = [raw(name, column) for name, column in _DELIVERY_COLUMNS]
    yield from stream(tx, _deliveries_query(columns, where), batch)


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
    yield from stream(tx, query, batch)
