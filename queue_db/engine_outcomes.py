"""Loading claimed deliveries and writing their outcomes: the engine's hot path.

The statements a delivery runs every time (load, settle as sent, audit, roll
up) are built once, with bound parameters: building and keying a SQLAlchemy
statement costs more than SQLite takes to run it, and a daemon runs these a
million times. Every settle checks the lease owner, so a worker whose lease
was taken over cannot overwrite what another worker decided.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update
from sqlmodel import col

from queue_db.models import Channel, Delivery, Event, Post
from queue_db.store import Tx
from queue_db.types import utcnow

#: Delivery states in which nothing more will happen without a person.
FINAL = ("sent", "failed", "expired", "cancelled", "retracted", "needs_attention")
#: Post states a roll-up may replace (a draft or a cancelled post is left alone).
ROLLABLE = ("scheduled", "sent", "partly_sent", "failed", "expired")


@dataclass(frozen=True)
class ClaimedDelivery:
    """What publishing needs of a claimed delivery row."""

    id: int
    post_id: int
    channel_id: int
    #: Attempts so far, this claim included.
    attempts: int


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
# Plain rows, not ORM objects: a batch is loaded every few posts, and building
# mapped instances cost three times the query.
_LOAD = (
    select(
        _D.id,
        _D.post_id,
        _D.channel_id,
        _D.attempts,
        _P.text,
        _P.variants,
        _P.media,
        _P.source,
        _P.urgent,
        _P.thread_parent_id,
    )
    .join(Post, _P.id == _D.post_id)
    .where(_D.id.in_(bindparam("ids", expanding=True)))
    .order_by(_D.id)
)
_CHANNELS = select(Channel).where(col(Channel.id).in_(bindparam("ids", expanding=True)))
_SENT = (
    update(Delivery)
    .where(
        col(Delivery.id) == bindparam("delivery_id"),
        col(Delivery.state) == "sending",
        col(Delivery.lease_owner) == bindparam("owner"),
    )
    .values(
        state="sent",
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
_EVENT = insert(Event).values(
    at=bindparam("at"),
    actor=bindparam("actor"),
    action=bindparam("action"),
    post_id=bindparam("post_id"),
    channel_id=bindparam("channel_id"),
    detail=bindparam("detail"),
)
_STATES = select(col(Delivery.post_id), col(Delivery.state)).where(
    col(Delivery.post_id).in_(bindparam("post_ids", expanding=True))
)
_LOCK_POSTS = (
    select(col(Post.id))
    .where(col(Post.id).in_(bindparam("post_ids", expanding=True)))
    .order_by(col(Post.id))
    .with_for_update()
)
_POST_STATE = (
    update(Post)
    .where(col(Post.id).in_(bindparam("post_ids", expanding=True)), col(Post.state).in_(ROLLABLE))
    .values(state=bindparam("new_state"), updated_at=bindparam("now"))
)


def _connection(tx: Tx) -> Connection:
    return tx.session.connection()


def load_many(
    tx: Tx, delivery_ids: Sequence[int]
) -> list[tuple[ClaimedDelivery, ClaimedPost, Channel]]:
    """Deliveries with their posts and channels, in id order: one query, and one for the channels."""
    if not delivery_ids:
        return []
    rows = _connection(tx).execute(_LOAD, {"ids": list(delivery_ids)}).all()
    wanted = sorted({int(r.channel_id) for r in rows})
    channels = {c.id: c for c in tx.session.execute(_CHANNELS, {"ids": wanted}).scalars()}
    return [
        (
            ClaimedDelivery(r.id, r.post_id, r.channel_id, r.attempts),
            ClaimedPost(
                r.post_id,
                r.text,
                r.variants,
                r.media,
                r.source,
                r.urgent,
                r.thread_parent_id,
            ),
            channels[r.channel_id],
        )
        for r in rows
    ]


def settle(tx: Tx, delivery_id: int, owner: str, **values: Any) -> bool:
    """Write the outcome of a claimed delivery, if ``owner`` still holds its lease."""
    values.setdefault("updated_at", utcnow())
    values.setdefault("lease_owner", None)
    values.setdefault("lease_expires_at", None)
    result = _connection(tx).execute(
        update(Delivery)
        .where(
            col(Delivery.id) == delivery_id,
            col(Delivery.state) == "sending",
            col(Delivery.lease_owner) == owner,
        )
        .values(**values)
    )
    return result.rowcount == 1


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
    result = _connection(tx).execute(_SENT, [_sent_params(item, owner, now) for item in items])
    if result.rowcount != len(items):
        raise LeaseLost(f"{len(items) - result.rowcount} of {len(items)} leases lost")
    _log_and_roll_up(tx, items, now)


def settle_sent_each(tx: Tx, owner: str, items: Sequence[Sent], now: datetime) -> list[bool]:
    """:func:`settle_sent` row by row: returns, per item, whether this worker still held it."""
    connection = _connection(tx)
    held = [
        connection.execute(_SENT, _sent_params(item, owner, now)).rowcount == 1 for item in items
    ]
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
    _connection(tx).execute(
        _EVENT,
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
    roll_up_many(tx, {item.post_id for item in done}, now)


def roll_up(tx: Tx, post_id: int, now: datetime | None = None) -> str | None:
    """Set a post's state from its deliveries once none is still in flight."""
    return roll_up_many(tx, [post_id], now).get(post_id)


def roll_up_many(tx: Tx, post_ids: Collection[int], now: datetime | None = None) -> dict[int, str]:
    """Roll several posts up at once; returns the new state of each post that is settled."""
    if not post_ids:
        return {}
    connection = _connection(tx)
    ids = sorted(post_ids)
    if connection.dialect.name == "postgresql":
        # Two workers settling the two channels of one post at once would each
        # see the other's delivery still in flight (read committed) and leave
        # the post unsettled: take the posts' locks first, in id order (so
        # two groups cannot deadlock), then read the deliveries' states.
        connection.execute(_LOCK_POSTS, {"post_ids": ids})
    states: dict[int, list[str]] = {}
    for post_id, state in connection.execute(_STATES, {"post_ids": ids}):
        states.setdefault(int(post_id), []).append(str(state))
    new_states = {post_id: _summed(found) for post_id, found in states.items()}
    settled = {post_id: new for post_id, new in new_states.items() if new is not None}
    by_state: dict[str, list[int]] = {}
    for post_id, new in settled.items():
        by_state.setdefault(new, []).append(post_id)
    for new, ids in by_state.items():
        connection.execute(_POST_STATE, {"post_ids": ids, "new_state": new, "now": now or utcnow()})
    return settled


def _summed(states: list[str]) -> str | None:
    """A post's state from its deliveries' states; None while any is in flight."""
    if not states or any(s not in FINAL for s in states):
        return None
    live = [s for s in states if s != "cancelled"]
    sent = sum(1 for s in live if s in ("sent", "retracted"))
    if sent == len(live) and live:
        return "sent"
    if sent:
        return "partly_sent"
    if all(s == "expired" for s in live) and live:
        return "expired"
    return "failed"


def release(
    tx: Tx, delivery_ids: Sequence[int], owner: str, now: datetime, *, state: str = "pending"
) -> int:
    """Hand claimed deliveries that were never tried back to ``state`` (attempt not counted)."""
    if not delivery_ids:
        return 0
    result = _connection(tx).execute(
        update(Delivery)
        .where(
            col(Delivery.id).in_(list(delivery_ids)),
            col(Delivery.state) == "sending",
            col(Delivery.lease_owner) == owner,
        )
        .values(
            state=state,
            lease_owner=None,
            lease_expires_at=None,
            attempts=col(Delivery.attempts) - 1,
            updated_at=now,
        )
    )
    return result.rowcount


def resolve_attention(tx: Tx, delivery_id: int, now: datetime, **values: Any) -> bool:
    """A person settles a delivery that needs attention; False if it no longer does.

    Put back to ``pending``, a ``failed`` or ``partly_sent`` post is
    ``scheduled`` again until it rolls up (the caller checks it was signed off).
    """
    result = _connection(tx).execute(
        update(Delivery)
        .where(col(Delivery.id) == delivery_id, col(Delivery.state) == "needs_attention")
        .values(updated_at=now, **values)
    )
    if result.rowcount != 1:
        return False
    post_id = select(col(Delivery.post_id)).where(col(Delivery.id) == delivery_id)
    if values.get("state") == "pending":
        _connection(tx).execute(
            update(Post)
            .where(
                col(Post.id) == post_id.scalar_subquery(),
                col(Post.state).in_(("failed", "partly_sent")),
            )
            .values(state="scheduled", updated_at=now)
        )
    else:
        (owner,) = _connection(tx).execute(post_id).one()
        roll_up(tx, int(owner), now)
    return True
