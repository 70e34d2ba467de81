"""Claiming deliveries: the queries behind exactly-once publishing.

A delivery moves ``pending`` → ``sending`` (claimed, with a lease, committed
before any network call; the attempt itself is counted when its request starts,
see :mod:`queue_db.deliveries.lease`) → ``sent`` | ``failed`` | back to
``pending`` for a retry. A started ``sending`` row whose worker died, or whose
call ended without an answer, becomes ``unknown``: it is reconciled (asked of
the network) before it may be retried, and ends in ``needs_attention`` if
nobody can tell.

A claim is one statement. On PostgreSQL the candidates are locked with
``FOR UPDATE SKIP LOCKED`` so concurrent workers never wait on or take each
other's rows; SQLite ignores that clause, so the outer condition on the state
is what makes it safe there (SQLite runs one writer at a time, and the rows
returned say who won). Writing outcomes lives in :mod:`queue_db.deliveries.settle`.
"""

from __future__ import annotations

import functools
from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Update, and_, bindparam, func, or_, select, update
from sqlalchemy.orm import aliased
from sqlalchemy.sql import Select
from sqlalchemy.sql.elements import BindParameter
from sqlmodel import col

from queue_db.prepared import Prepared
from queue_db.states import DeliveryState, ErrorKind
from queue_db.store import Tx
from queue_db.tables import Channel, Delivery, Post
from queue_db.types import UTCDateTime, as_utc

#: States of a delivery that still has to go out (or be reconciled).
OPEN = (DeliveryState.PENDING, DeliveryState.SENDING, DeliveryState.UNKNOWN)


def _is_urgent(urgent_sources: Collection[str]) -> ColumnElement[bool]:
    condition: ColumnElement[bool] = col(Post.urgent).is_(True)
    if urgent_sources:
        condition = or_(condition, col(Post.source).in_(list(urgent_sources)))
    return condition


def _urgent_posts(urgent_sources: Collection[str]) -> Select[Any]:
    return select(col(Post.id)).where(_is_urgent(urgent_sources))


def _state_is(state: str) -> ColumnElement[bool]:
    """``state = :state`` that the planner checks per row rather than by index.

    Beside ``id IN (…)`` SQLite would otherwise walk the state index over every
    pending row of a long queue; ``state || ''`` makes it look rows up by id.
    """
    return col(Delivery.state).concat("") == state


@functools.cache
def _claim_statement(state: str, urgent_only: bool, postgres: bool) -> Update:
    """The claim for ``state``, built once per shape; values are bound at execution.

    Parameters: ``now``, ``owner``, ``until`` (the lease), ``limit`` and, with
    ``urgent_only``, ``sources``.
    """
    now: BindParameter[datetime] = bindparam("now", type_=UTCDateTime())
    candidates = (
        select(col(Delivery.id))
        .join(Post, col(Post.id) == col(Delivery.post_id))
        .where(
            col(Delivery.state) == state,
            col(Delivery.next_attempt_at) <= now,
            col(Delivery.channel_id).in_(
                select(col(Channel.id)).where(
                    col(Channel.paused).is_(False),
                    or_(
                        col(Channel.rate_limited_until).is_(None),
                        col(Channel.rate_limited_until) <= now,
                    ),
                )
            ),
        )
        .order_by(col(Delivery.next_attempt_at), col(Delivery.id))
        .limit(bindparam("limit"))
    )
    if state == DeliveryState.PENDING:
        # A post past its grace period expires; it never goes out late.
        candidates = candidates.where(
            or_(col(Post.expires_at).is_(None), col(Post.expires_at) >= now)
        )
        # Nothing new goes to a channel while one of its outcomes is unknown:
        # reconciliation looks through the channel's latest posts, so the post
        # in question must not be pushed out of that window first.
        unknown = aliased(Delivery)
        candidates = candidates.where(
            col(Delivery.channel_id).not_in(
                select(col(unknown.channel_id)).where(col(unknown.state) == DeliveryState.UNKNOWN)
            )
        )
    if urgent_only:
        candidates = candidates.where(
            or_(
                col(Post.urgent).is_(True),
                col(Post.source).in_(bindparam("sources", expanding=True)),
            )
        )
    values: dict[str, Any] = {
        "state": DeliveryState.SENDING,
        "lease_owner": bindparam("owner"),
        "lease_expires_at": bindparam("until"),
        "updated_at": now,
    }
    if state == DeliveryState.PENDING:
        # Only reserved: the attempt is counted and timed when its request starts
        # (lease.start). Reconciling an unknown one keeps the time of its attempt.
        values["attempted_at"] = None
    if postgres:
        # Locked and picked once, in a materialised CTE. As ``id IN (subquery)``
        # the planner may run the ``LIMIT … SKIP LOCKED`` subquery again (a
        # re-check after a concurrent update does), taking fresh rows each time:
        # one worker then claimed 166 rows with a limit of 5 and left the
        # others idle (tests/integration/engine/test_concurrent_claims.py).
        picked = (
            candidates.with_for_update(skip_locked=True, of=Delivery)
            .cte("picked")
            .prefix_with("MATERIALIZED")
        )
        return (
            update(Delivery)
            .where(col(Delivery.id) == picked.c.id, _state_is(state))
            .values(**values)
            .returning(col(Delivery.id))
        )
    return (
        update(Delivery)
        .where(col(Delivery.id).in_(candidates.scalar_subquery()), _state_is(state))
        .values(**values)
        .returning(col(Delivery.id))
    )


def _claim(
    tx: Tx,
    state: str,
    owner: str,
    now: datetime,
    *,
    limit: int,
    lease: timedelta,
    urgent_only: bool,
    urgent_sources: Collection[str],
) -> list[int]:
    postgres = tx.dialect == "postgresql"
    params: dict[str, Any] = {"now": now, "owner": owner, "until": now + lease, "limit": limit}
    if urgent_only:  # its list of sources is expanded by Core
        params["sources"] = list(urgent_sources) or [""]
        found = tx.connection.execute(_claim_statement(state, True, postgres), params).scalars()
        return sorted(int(i) for i in found)
    return sorted(int(row[0]) for row in _prepared_claim(state, postgres).rows(tx, params))


@functools.cache
def _prepared_claim(state: str, postgres: bool) -> Prepared:
    """The claim of every batch, run on the driver's cursor (:mod:`queue_db.prepared`)."""
    return Prepared(_claim_statement(state, False, postgres))


def claim_due(
    tx: Tx,
    owner: str,
    now: datetime,
    *,
    limit: int = 10,
    lease: timedelta = timedelta(minutes=2),
    urgent_only: bool = False,
    urgent_sources: Collection[str] = (),
) -> list[int]:
    """Claim up to ``limit`` due ``pending`` deliveries for ``owner``; return their ids.

    Skips paused and rate-limited channels, channels with an ``unknown``
    delivery (until it is reconciled) and posts past their expiry. With
    ``urgent_only`` (a crisis pause) only urgent posts, or posts of
    ``urgent_sources``, are claimed. A claim is not an attempt: see ``lease.start``.
    """
    return _claim(
        tx,
        DeliveryState.PENDING,
        owner,
        now,
        limit=limit,
        lease=lease,
        urgent_only=urgent_only,
        urgent_sources=urgent_sources,
    )


def claim_unknown(
    tx: Tx,
    owner: str,
    now: datetime,
    *,
    limit: int = 10,
    lease: timedelta = timedelta(minutes=2),
) -> list[int]:
    """Claim ``unknown`` deliveries that are due for reconciliation (no attempt is counted).

    Reconciling only asks the network, so it goes ahead during a crisis pause:
    knowing what was published is always safe.
    """
    return _claim(
        tx,
        DeliveryState.UNKNOWN,
        owner,
        now,
        limit=limit,
        lease=lease,
        urgent_only=False,
        urgent_sources=(),
    )


def next_due(
    tx: Tx,
    now: datetime,
    *,
    urgent_only: bool = False,
    urgent_sources: Collection[str] = (),
    leases: bool = True,
) -> datetime | None:
    """When the next delivery can be claimed, or (with ``leases``) a lease runs out.

    This is the dispatcher's alarm. Per channel, the earliest waiting delivery
    counts from the end of the channel's rate-limit wait; paused channels are
    left out.
    """
    times: list[datetime] = []
    for channel_id, limited in tx.session.execute(
        select(col(Channel.id), col(Channel.rate_limited_until)).where(
            col(Channel.paused).is_(False)
        )
    ):
        # A channel with an unknown outcome publishes nothing new until it is
        # reconciled (see claim_due), so its next event is that reconciliation.
        first = _first_due(tx, channel_id, DeliveryState.UNKNOWN)
        if first is None:
            first = _first_due(tx, channel_id, DeliveryState.PENDING, urgent_only, urgent_sources)
        if first is not None:
            if limited is not None and as_utc(limited) > first:
                first = as_utc(limited)
            times.append(first)
    lease = None
    if leases:
        lease = tx.session.execute(
            select(func.min(col(Delivery.lease_expires_at))).where(
                col(Delivery.state) == DeliveryState.SENDING
            )
        ).scalar()
    if lease is not None:
        times.append(as_utc(lease))
    return min(times) if times else None


def _first_due(
    tx: Tx,
    channel_id: int,
    state: str,
    urgent_only: bool = False,
    urgent_sources: Collection[str] = (),
) -> datetime | None:
    query = (
        select(col(Delivery.next_attempt_at))
        .where(
            col(Delivery.state) == state,
            col(Delivery.channel_id) == channel_id,
            col(Delivery.next_attempt_at).is_not(None),
        )
        .order_by(col(Delivery.next_attempt_at))
        .limit(1)
    )
    if urgent_only:
        query = query.where(col(Delivery.post_id).in_(_urgent_posts(urgent_sources)))
    first = tx.session.execute(query).scalar()
    return as_utc(first) if first is not None else None


def expire_late(tx: Tx, now: datetime) -> list[int]:
    """End due ``pending`` deliveries of posts past their expiry; return the affected post ids.

    Only due rows are looked at (an index range), so this stays cheap with a
    long queue; a late row that is not yet due is expired when it becomes due.
    """
    query = (
        select(col(Delivery.id), col(Delivery.post_id))
        .join(Post, col(Post.id) == Delivery.post_id)
        .where(
            col(Delivery.state) == DeliveryState.PENDING,
            col(Delivery.next_attempt_at) <= now,
            and_(col(Post.expires_at).is_not(None), col(Post.expires_at) < now),
        )
    )
    rows = list(tx.session.execute(query))
    if not rows:
        return []
    tx.session.execute(
        update(Delivery)
        .where(col(Delivery.id).in_([r[0] for r in rows]), _state_is(DeliveryState.PENDING))
        .values(
            state=DeliveryState.EXPIRED,
            error_kind=ErrorKind.EXPIRED,
            last_error="expired: past its source's grace period, too late to make sense",
            next_attempt_at=None,
            updated_at=now,
        )
    )
    return sorted({int(r[1]) for r in rows})
