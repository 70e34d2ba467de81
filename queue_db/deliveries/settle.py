"""Loading claimed deliveries and writing their outcomes: the engine's hot path.

The statements a delivery runs every time (load, settle as sent, audit, roll
up) are built once, with bound parameters: building and keying a SQLAlchemy
statement costs more than SQLite takes to run it, and a daemon runs these a
million times. Every settle checks the lease owner, so a worker whose lease
was taken over cannot overwrite what another worker decided.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, select, update
from sqlmodel import col

from queue_db import events, posts
from queue_db.channels import ChannelRecord
from queue_db.deliveries.lease import HELD
from queue_db.prepared import Prepared
from queue_db.states import DeliveryState
from queue_db.store import Tx
from queue_db.tables import Channel, Delivery, InboxItem, Post
from queue_db.types import utcnow


@dataclass(frozen=True)
class ClaimedDelivery:
    """What publishing needs of a claimed delivery row."""

    id: int
    post_id: int
    channel_id: int
    #: Publish requests started so far (once started, this one included).
    attempts: int
    #: Failed looks for its outcome while it is unknown.
    checks: int = 0
    #: Why it waits or ended (e.g. ``duplicate``: refused as a duplicate on a retry).
    error_kind: str | None = None
    #: The remote id of the inbox item its post answers on this channel, if any.
    answers: str | None = None


@dataclass(frozen=True)
class ClaimedPost:
    """What publishing needs of a post: its text, variants, media and thread."""

    id: int
    text: str
    variants: dict[str, str]
    media: list[dict[str, str]]
    source: str
    urgent: bool
    thread_parent_id: int | None


_D, _P = Delivery.__table__.c, Post.__table__.c  # type: ignore[attr-defined]
_C, _I = Channel.__table__.c, InboxItem.__table__.c  # type: ignore[attr-defined]
#: The channel's columns in a loaded row, each as ``ch_<field>``.
_CHANNEL_FIELDS = tuple(f.name for f in fields(ChannelRecord))
# Plain rows, not ORM objects, and one query for a batch: its deliveries with
# their posts, their channels and the inbox item each post answers (a query
# each cost about as much as the whole load on the benchmark machine).
_LOAD = (
    select(
        _D.id,
        _D.post_id,
        _D.channel_id,
        _D.attempts,
        _D.checks,
        _D.error_kind,
        _P.text,
        _P.variants,
        _P.media,
        _P.source,
        _P.urgent,
        _P.thread_parent_id,
        *(_C[name].label(f"ch_{name}") for name in _CHANNEL_FIELDS),
        select(_I.remote_id)
        .where(_I.reply_post_id == _P.id, _I.channel_id == _D.channel_id)
        .limit(1)  # reply_post_id is unique: one item at most
        .scalar_subquery()
        .label("answers"),
    )
    .join(Post, _P.id == _D.post_id)
    .join(Channel, _C.id == _D.channel_id)
    .where(_D.id.in_(bindparam("ids", expanding=True)))
    .order_by(_D.id)
)
#: Run on the driver's cursor (:mod:`queue_db.prepared`): a group of posts is
#: recorded every twenty sends.
_SENT = Prepared(
    update(Delivery)
    .where(HELD)
    .values(
        state=DeliveryState.SENT,
        remote_id=bindparam("remote_id"),
        remote_url=bindparam("remote_url"),
        final_text=bindparam("final_text"),
        sent_at=bindparam("now"),
        updated_at=bindparam("now"),
        last_error=None,
        error_kind=None,
        next_attempt_at=None,
        lease_owner=None,
        lease_expires_at=None,
    )
)


def _connection(tx: Tx) -> Connection:
    return tx.connection


def load_many(
    tx: Tx, delivery_ids: Sequence[int]
) -> list[tuple[ClaimedDelivery, ClaimedPost, ChannelRecord]]:
    """Deliveries with their posts and channels, in id order: one query."""
    if not delivery_ids:
        return []
    rows = _connection(tx).execute(_LOAD, {"ids": list(delivery_ids)}).all()
    channels: dict[int, ChannelRecord] = {}
    loaded = []
    for r in rows:
        channel = channels.get(r.channel_id)
        if channel is None:
            values = r._mapping
            channel = channels[r.channel_id] = ChannelRecord(
                **{name: values[f"ch_{name}"] for name in _CHANNEL_FIELDS}
            )
        # Posts in a thread reply under their parent, never to an inbox item.
        answers = None if r.thread_parent_id is not None else r.answers
        loaded.append(
            (
                ClaimedDelivery(
                    r.id, r.post_id, r.channel_id, r.attempts, r.checks, r.error_kind, answers
                ),
                ClaimedPost(
                    r.post_id,
                    r.text,
                    r.variants,
                    r.media,
                    r.source,
                    r.urgent,
                    r.thread_parent_id,
                ),
                channel,
            )
        )
    return loaded


def settle(tx: Tx, delivery_id: int, owner: str, **values: Any) -> bool:
    """Write the outcome of a claimed delivery, if ``owner`` still holds its lease."""
    values.setdefault("updated_at", utcnow())
    values.setdefault("lease_owner", None)
    values.setdefault("lease_expires_at", None)
    result = _connection(tx).execute(
        update(Delivery)
        .where(
            col(Delivery.id) == delivery_id,
            col(Delivery.state) == DeliveryState.SENDING,
            col(Delivery.lease_owner) == owner,
        )
        .values(**values)
    )
    return bool(result.rowcount == 1)


@dataclass(frozen=True)
class Sent:
    """A published delivery, to be marked sent: what the network gave back."""

    delivery_id: int
    post_id: int
    channel_id: int
    remote_id: str
    remote_url: str | None
    final_text: str
    detail: dict[str, Any]


class LeaseLost(Exception):
    """Raised inside a transaction to roll back a group write: not every lease was still held."""


def settle_sent(tx: Tx, owner: str, items: Sequence[Sent], now: datetime) -> None:
    """Mark deliveries sent, log them and roll their posts up; ``owner`` must hold every one.

    One transaction for a group: one statement marks the rows, one insert
    logs them all, one roll-up sets their posts. When some lease was lost
    (rare: the lease ran out and another worker took over), raises
    :class:`LeaseLost` so the caller rolls back and writes the group with
    :func:`settle_sent_each`, which looks at every row on its own.
    """
    if not items:
        return
    # One executemany: its row count says whether every row was still ours.
    changed = _SENT.many(tx, [_sent_params(item, owner, now) for item in items])
    if changed != len(items):
        raise LeaseLost(f"{len(items) - changed} of {len(items)} leases lost")
    _log_and_roll_up(tx, items, now)


def settle_sent_each(tx: Tx, owner: str, items: Sequence[Sent], now: datetime) -> list[bool]:
    """:func:`settle_sent` row by row: returns, per item, whether this worker still held it."""
    held = [_SENT.many(tx, [_sent_params(item, owner, now)]) == 1 for item in items]
    _log_and_roll_up(tx, [item for item, ok in zip(items, held, strict=True) if ok], now)
    return held


def _sent_params(item: Sent, owner: str, now: datetime) -> dict[str, Any]:
    return {
        "delivery_id": item.delivery_id,
        "owner": owner,
        "remote_id": item.remote_id,
        "remote_url": item.remote_url,
        "final_text": item.final_text,
        "now": now,
    }


def _log_and_roll_up(tx: Tx, done: Sequence[Sent], now: datetime) -> None:
    if not done:
        return
    events.append_many(
        tx,
        [
            {
                "at": now,
                "actor": "oyez",
                "action": "sent",
                "post_id": item.post_id,
                "channel_id": item.channel_id,
                "detail": item.detail,
            }
            for item in done
        ],
    )
    posts.roll_up_many(tx, {item.post_id for item in done}, now)


def release(
    tx: Tx,
    delivery_ids: Sequence[int],
    owner: str,
    now: datetime,
    *,
    state: DeliveryState = DeliveryState.PENDING,
) -> int:
    """Hand claimed deliveries that were never tried back to ``state``.

    Nothing was counted for them: an attempt counts when its request starts.
    """
    if not delivery_ids:
        return 0
    result = _connection(tx).execute(
        update(Delivery)
        .where(
            col(Delivery.id).in_(list(delivery_ids)),
            col(Delivery.state) == DeliveryState.SENDING,
            col(Delivery.lease_owner) == owner,
        )
        .values(
            state=state,
            lease_owner=None,
            lease_expires_at=None,
            updated_at=now,
        )
    )
    return int(result.rowcount)
