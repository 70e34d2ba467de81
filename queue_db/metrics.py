"""Reach: the public figures of sent deliveries. The only writer of ``metric_sample``
and ``delivery_reach``.

Each collection appends a :class:`~queue_db.tables.MetricSample` row (the time
series) and replaces the delivery's latest figures in ``delivery_reach``,
together with when the schedule asks next. A figure the network does not give
stays ``None``: never read it as 0.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, or_, select
from sqlmodel import col

from queue_db.archive import stream
from queue_db.records import record_of
from queue_db.states import PUBLISHED, DeliveryState
from queue_db.store import Tx
from queue_db.tables import Channel, Delivery, DeliveryReach, MetricSample, Post

#: The figures oyez keeps, in the order they are shown.
FIGURES = ("likes", "reposts", "replies", "quotes", "impressions")

Values = Mapping[str, int | None]


@dataclass(frozen=True)
class Latest:
    """A delivery's latest figures (``None`` where its network gives none)."""

    delivery_id: int
    likes: int | None
    reposts: int | None
    replies: int | None
    quotes: int | None
    impressions: int | None
    collected_at: datetime | None
    next_due_at: datetime | None
    gone_at: datetime | None


@dataclass(frozen=True)
class Sample:
    """One collection of one delivery's figures."""

    delivery_id: int
    collected_at: datetime
    likes: int | None
    reposts: int | None
    replies: int | None
    quotes: int | None
    impressions: int | None


@dataclass(frozen=True)
class Target:
    """A sent delivery whose figures may be asked for."""

    delivery_id: int
    channel_id: int
    remote_id: str
    sent_at: datetime


def record_many(
    tx: Tx, at: datetime, figures: Mapping[int, tuple[Values, datetime | None]]
) -> None:
    """Store one collection: delivery id → (its figures, when the schedule asks next)."""
    if not figures:
        return
    tx.session.execute(
        insert(MetricSample),
        [
            {"delivery_id": d, "collected_at": at, **{k: values.get(k) for k in FIGURES}}
            for d, (values, _) in figures.items()
        ],
    )
    rows = _reach_rows(tx, list(figures))
    for delivery_id, (values, next_due) in figures.items():
        row = rows.get(delivery_id) or DeliveryReach(delivery_id=delivery_id)
        for name in FIGURES:
            setattr(row, name, values.get(name))
        row.collected_at = at
        row.next_due_at = next_due
        tx.session.add(row)
    tx.session.flush()


def mark_gone(tx: Tx, delivery_ids: Sequence[int], at: datetime) -> None:
    """The network no longer has these posts: never ask for them again; figures kept."""
    rows = _reach_rows(tx, list(delivery_ids))
    for delivery_id in delivery_ids:
        row = rows.get(delivery_id) or DeliveryReach(delivery_id=delivery_id)
        row.gone_at = at
        row.next_due_at = None
        tx.session.add(row)
    tx.session.flush()


def _reach_rows(tx: Tx, delivery_ids: list[int]) -> dict[int, DeliveryReach]:
    out: dict[int, DeliveryReach] = {}
    for first in range(0, len(delivery_ids), 500):
        chunk = delivery_ids[first : first + 500]
        query = select(DeliveryReach).where(col(DeliveryReach.delivery_id).in_(chunk))
        out.update({r.delivery_id: r for r in tx.session.execute(query).scalars()})
    return out


def targets(
    tx: Tx,
    *,
    sent_since: datetime,
    now: datetime,
    first_due_before: datetime | None = None,
) -> list[Target]:
    """Sent deliveries (sent since ``sent_since``) the network may still have, by channel.

    With ``first_due_before`` only those the schedule asks for now: never
    measured and sent before that time, or measured and next due by ``now``.
    Without it, every one (``oyez metrics collect``). Gone posts never.
    """
    query = (
        select(
            col(Delivery.id),
            col(Delivery.channel_id),
            col(Delivery.remote_id),
            col(Delivery.sent_at),
        )
        .outerjoin(DeliveryReach, col(DeliveryReach.delivery_id) == col(Delivery.id))
        .where(
            col(Delivery.state) == DeliveryState.SENT,
            col(Delivery.remote_id).is_not(None),
            col(Delivery.sent_at) >= sent_since,
            col(Delivery.sent_at) <= now,
            col(DeliveryReach.gone_at).is_(None),
        )
        .order_by(col(Delivery.channel_id), col(Delivery.sent_at), col(Delivery.id))
    )
    if first_due_before is not None:
        query = query.where(
            or_(
                (col(DeliveryReach.delivery_id).is_(None))
                & (col(Delivery.sent_at) <= first_due_before),
                col(DeliveryReach.next_due_at) <= now,
            )
        )
    return [Target(int(d), int(c), str(r), s) for d, c, r, s in tx.session.execute(query)]


def latest(tx: Tx, delivery_ids: Sequence[int]) -> dict[int, Latest]:
    """The latest figures of those of ``delivery_ids`` that were ever measured."""
    return {d: record_of(Latest, r) for d, r in _reach_rows(tx, list(delivery_ids)).items()}


def samples(tx: Tx, delivery_id: int) -> list[Sample]:
    """Every collection of one delivery, oldest first: its figures over its life."""
    return series(tx, [delivery_id]).get(delivery_id, [])


def series(tx: Tx, delivery_ids: Sequence[int]) -> dict[int, list[Sample]]:
    """Every collection of each of ``delivery_ids`` ever measured, oldest first."""
    out: dict[int, list[Sample]] = {}
    ids = list(dict.fromkeys(delivery_ids))
    for first in range(0, len(ids), 500):
        query = (
            select(MetricSample)
            .where(col(MetricSample.delivery_id).in_(ids[first : first + 500]))
            .order_by(col(MetricSample.collected_at), col(MetricSample.id))
        )
        for row in tx.session.execute(query).scalars():
            out.setdefault(row.delivery_id, []).append(record_of(Sample, row))
    return out


@dataclass(frozen=True)
class Reached:
    """One published delivery in the report's range with its latest figures (if measured)."""

    delivery_id: int
    post_id: int
    channel: str
    kind: str
    source: str
    sent_at: datetime
    text: str
    remote_url: str | None
    likes: int | None
    reposts: int | None
    replies: int | None
    quotes: int | None
    impressions: int | None
    collected_at: datetime | None


def stream_reached(
    tx: Tx, since: datetime | None, until: datetime | None, batch: int = 5000
) -> Iterator[Reached]:
    """Every delivery published in [since, until) with its latest figures, by time sent."""
    query = (
        select(
            col(Delivery.id),
            col(Delivery.post_id),
            col(Channel.name),
            col(Channel.kind),
            col(Post.source),
            col(Delivery.sent_at),
            col(Delivery.final_text),
            col(Delivery.remote_url),
            *(getattr(DeliveryReach, name) for name in FIGURES),
            col(DeliveryReach.collected_at),
        )
        .join(Channel, col(Channel.id) == col(Delivery.channel_id))
        .join(Post, col(Post.id) == col(Delivery.post_id))
        .outerjoin(DeliveryReach, col(DeliveryReach.delivery_id) == col(Delivery.id))
        .where(col(Delivery.state).in_(PUBLISHED), col(Delivery.sent_at).is_not(None))
        .order_by(col(Delivery.sent_at), col(Delivery.id))
    )
    if since is not None:
        query = query.where(col(Delivery.sent_at) >= since)
    if until is not None:
        query = query.where(col(Delivery.sent_at) < until)
    for d, p, name, kind, source, sent, text, url, *figures, at in stream(tx, query, batch):
        values = dict(zip(FIGURES, figures, strict=True))
        yield Reached(d, p, name, kind, source, sent, text or "", url, **values, collected_at=at)
