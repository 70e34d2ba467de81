"""Posts: the text, who wrote it, its state and time. The only writer of ``post``.

A post's state moves by :func:`transition` (one conditional UPDATE, so two
people acting at once cannot both win) or, once delivery has begun, by
:func:`roll_up` from the states of its deliveries.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Select, bindparam, func, select, update
from sqlmodel import col

from queue_db.records import record_of
from queue_db.states import DELIVERY_FINAL, DeliveryState, PostState
from queue_db.store import Tx
from queue_db.tables import Channel, Delivery, Post
from queue_db.types import utcnow

#: Characters of a post's text a listing carries (screens show the first line).
HEAD_CHARS = 240
#: Rows written per statement by the bulk inserts and deletes.
CHUNK = 2000
#: Post states a roll-up may replace (a draft or a cancelled post is left alone).
ROLLABLE = (
    PostState.SCHEDULED,
    PostState.SENT,
    PostState.PARTLY_SENT,
    PostState.FAILED,
    PostState.EXPIRED,
)


@dataclass(frozen=True)
class PostRecord:
    id: int
    text: str
    #: Per-channel text that replaces ``text`` on that channel (by name or kind).
    variants: dict[str, str]
    #: ``[{"path": "...", "alt": "..."}]``
    media: list[dict[str, str]]
    author: str
    source: str
    source_key: str | None
    state: PostState
    scheduled_at: datetime | None
    expires_at: datetime | None
    priority: int
    urgent: bool
    #: Guideline findings stored at submission (Finding dicts).
    findings: list[dict[str, Any]]
    override_reason: str | None
    approved_by: str | None
    review_comment: str | None
    thread_parent_id: int | None
    created_at: datetime
    updated_at: datetime

    def text_for(self, channel_name: str, channel_kind: str) -> str:
        """The text this post has on a channel: its variant, by name then kind, else the text."""
        return self.variants.get(channel_name) or self.variants.get(channel_kind) or self.text


def record(row: Post) -> PostRecord:
    """The frozen record of a post row (for queue_db modules that join posts in)."""
    return replace(record_of(PostRecord, row), state=PostState(row.state))


@dataclass(frozen=True)
class PostFilter:
    """Which posts a listing shows. Empty fields do not filter."""

    states: tuple[str, ...] = ()
    source: str | None = None
    channel_id: int | None = None
    search: str | None = None
    ids: tuple[int, ...] = field(default=())


class PostHead(NamedTuple):
    """A post as a listing shows it: the start of its text, not all of it."""

    id: int
    state: PostState
    scheduled_at: datetime | None
    source: str
    author: str
    head: str
    findings: list[dict[str, Any]]
    review_comment: str | None
    updated_at: datetime


# -- one post -------------------------------------------------------------------------


def add(tx: Tx, **values: Any) -> PostRecord:
    """A new post; ``values`` are its columns (``text`` and ``author`` at least)."""
    return record(tx.add(Post(**values)))


def get(tx: Tx, post_id: int) -> PostRecord:
    """The post with this id; :class:`~queue_db.errors.NotFound` if none."""
    return record(tx.by_id(Post, post_id, "post"))


def by_source_key(tx: Tx, source_key: str) -> PostRecord | None:
    row = tx.session.execute(select(Post).where(col(Post.source_key) == source_key)).scalar()
    return record(row) if row is not None else None


def id_by_source_key(tx: Tx, source_key: str) -> int | None:
    found = tx.session.execute(
        select(col(Post.id)).where(col(Post.source_key) == source_key)
    ).scalar()
    return int(found) if found is not None else None


def transition(
    tx: Tx, post_id: int, from_states: Sequence[str], to_state: PostState, **changes: Any
) -> PostRecord | None:
    """Move the post to ``to_state`` only if it is still in one of ``from_states``.

    ``changes`` are other columns to set at the same time. Returns the post as
    it is now, or None (and changes nothing) if someone else moved it first.
    """
    values = {"state": to_state, "updated_at": utcnow(), **changes}
    # RETURNING gives the row as it is now, and refreshes a copy this session
    # already holds, in the one statement.
    row = tx.session.execute(
        update(Post)
        .where(col(Post.id) == post_id, col(Post.state).in_(list(from_states)))
        .values(**values)
        .returning(Post),
        execution_options={"synchronize_session": False, "populate_existing": True},
    ).scalar_one_or_none()
    return record(row) if row is not None else None


def states_of(tx: Tx, post_ids: Sequence[int]) -> dict[int, PostState]:
    if not post_ids:
        return {}
    rows = tx.session.execute(
        select(col(Post.id), col(Post.state)).where(col(Post.id).in_(list(post_ids)))
    )
    return {int(i): PostState(s) for i, s in rows}


# -- listings -------------------------------------------------------------------------


def _where(query: Any, flt: PostFilter) -> Any:
    if flt.states:
        query = query.where(col(Post.state).in_(flt.states))
    if flt.source:
        query = query.where(col(Post.source) == flt.source)
    if flt.channel_id is not None:
        query = query.where(
            col(Post.id).in_(
                select(col(Delivery.post_id)).where(col(Delivery.channel_id) == flt.channel_id)
            )
        )
    if flt.search:
        query = query.where(col(Post.text).ilike(f"%{flt.search}%"))
    if flt.ids:
        query = query.where(col(Post.id).in_(flt.ids))
    return query


def _ordered(query: Select[Any], newest_first: bool) -> Select[Any]:
    when = col(Post.scheduled_at)
    if newest_first:
        return query.order_by(when.desc().nulls_last(), col(Post.id).desc())
    return query.order_by(when.asc().nulls_last(), col(Post.id))


def _in_time_order(
    tx: Tx, query: Select[Any], flt: PostFilter, offset: int, limit: int
) -> list[Any]:
    """Rows of ``query`` as :func:`_ordered` sorts them (oldest first), read in index order.

    ``ORDER BY scheduled_at NULLS LAST`` makes every database sort all the
    matches (SQLite puts NULL first in an index). Here the scheduled posts are
    read along ``ix_post_scheduled_id`` (a filter on one state keeps the state
    index, whose matches are few) and the unscheduled ones by id; only a
    page that reaches past the scheduled ones reads the others (and, if it
    starts past them all, counts them to know where the unscheduled part starts).
    """
    when = col(Post.scheduled_at)
    if len(flt.states) == 1:
        timed = _where(query.where(when.is_not(None)), flt)  # one state's rows: few to sort
    else:
        # Several states are tested through an expression, which no index serves:
        # without statistics SQLite would pick the state index and sort every match.
        timed = _where(query.where(when.is_not(None)), replace(flt, states=()))
        if flt.states:
            timed = timed.where(func.coalesce(col(Post.state), "").in_(flt.states))
    timed = timed.order_by(when, col(Post.id))
    rows = list(tx.session.execute(timed.offset(offset).limit(limit)))
    if len(rows) == limit:
        return rows
    if rows or not offset:
        scheduled = offset + len(rows)
    else:
        counted = _where(select(func.count(col(Post.id))).where(when.is_not(None)), flt)
        scheduled = int(tx.session.execute(counted).scalar_one())
    untimed = _where(query.where(when.is_(None)), flt).order_by(col(Post.id))
    untimed = untimed.offset(max(0, offset - scheduled)).limit(limit - len(rows))
    return rows + list(tx.session.execute(untimed))


def find(
    tx: Tx,
    flt: PostFilter,
    *,
    limit: int | None = None,
    offset: int = 0,
    newest_first: bool = False,
) -> list[PostRecord]:
    """Posts matching ``flt``, by scheduled time (unscheduled last), then id."""
    query = _ordered(_where(select(Post), flt), newest_first)
    if offset:
        query = query.offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return [record(r) for r in tx.session.execute(query).scalars()]


def page(tx: Tx, flt: PostFilter, *, offset: int, limit: int, newest_first: bool) -> list[PostHead]:
    """One page of posts as a listing shows them: only the columns it needs."""
    columns = select(
        col(Post.id),
        col(Post.state),
        col(Post.scheduled_at),
        col(Post.source),
        col(Post.author),
        func.substr(col(Post.text), 1, HEAD_CHARS),
        col(Post.findings),
        col(Post.review_comment),
        col(Post.updated_at),
    )
    if newest_first:
        rows = list(
            tx.session.execute(_ordered(_where(columns, flt), True).offset(offset).limit(limit))
        )
    else:
        rows = _in_time_order(tx, columns, flt, offset, limit)
    return [
        PostHead(int(r[0]), PostState(r[1]), r[2], str(r[3]), str(r[4]), str(r[5]), *r[6:])
        for r in rows
    ]


def count(tx: Tx, flt: PostFilter) -> int:
    return int(tx.session.execute(_where(select(func.count(col(Post.id))), flt)).scalar_one())


def count_by_state(tx: Tx) -> dict[str, int]:
    rows = tx.session.execute(select(col(Post.state), func.count()).group_by(col(Post.state)))
    return {str(state): int(n) for state, n in rows}


class ScheduledPost(NamedTuple):
    post_id: int
    state: PostState
    at: datetime
    channel: str
    head: str


def scheduled_between(tx: Tx, start: datetime, end: datetime) -> list[ScheduledPost]:
    """A row per (post, channel) due in [start, end), cancelled posts and drafts left out."""
    rows = tx.session.execute(
        select(
            col(Post.id),
            col(Post.state),
            col(Post.scheduled_at),
            col(Channel.name),
            func.substr(col(Post.text), 1, HEAD_CHARS),
        )
        .join(Delivery, col(Delivery.post_id) == col(Post.id))
        .join(Channel, col(Channel.id) == col(Delivery.channel_id))
        .where(
            col(Post.scheduled_at) >= start,
            col(Post.scheduled_at) < end,
            col(Post.state).not_in((PostState.CANCELLED, PostState.DRAFT)),
        )
        .order_by(col(Post.scheduled_at), col(Post.id))
    )
    return [ScheduledPost(int(i), PostState(s), at, str(c), str(h)) for i, s, at, c, h in rows]


# -- rolling a post up from its deliveries ---------------------------------------------

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


def roll_up(tx: Tx, post_id: int, now: datetime | None = None) -> PostState | None:
    """Set a post's state from its deliveries once none is still in flight."""
    return roll_up_many(tx, [post_id], now).get(post_id)


def roll_up_many(
    tx: Tx, post_ids: Collection[int], now: datetime | None = None
) -> dict[int, PostState]:
    """Roll several posts up at once; returns the new state of each post that is settled."""
    if not post_ids:
        return {}
    connection = tx.connection
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
    settled = {pid: new for pid, found in states.items() if (new := summed(found)) is not None}
    by_state: dict[PostState, list[int]] = {}
    for post_id, new in settled.items():
        by_state.setdefault(new, []).append(post_id)
    for new, group in by_state.items():
        connection.execute(
            _POST_STATE, {"post_ids": group, "new_state": new, "now": now or utcnow()}
        )
    return settled


def summed(states: Sequence[str]) -> PostState | None:
    """A post's state from its deliveries' states; None while any is in flight."""
    if not states or any(s not in DELIVERY_FINAL for s in states):
        return None
    live = [s for s in states if s != DeliveryState.CANCELLED]
    sent = sum(1 for s in live if s in (DeliveryState.SENT, DeliveryState.RETRACTED))
    if sent == len(live) and live:
        return PostState.SENT
    if sent:
        return PostState.PARTLY_SENT
    if all(s == DeliveryState.EXPIRED for s in live) and live:
        return PostState.EXPIRED
    return PostState.FAILED


def reopen(tx: Tx, post_id: int, from_states: Sequence[PostState], now: datetime) -> bool:
    """A delivery goes out again: its settled post is ``scheduled`` until it rolls up anew."""
    result = tx.session.execute(
        update(Post)
        .where(col(Post.id) == post_id, col(Post.state).in_(list(from_states)))
        .values(state=PostState.SCHEDULED, updated_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
