"""Every query the feed source makes: subscriptions, the entry ledger, poll claims.

Functions take an open :class:`~queue_db.store.Tx`, so a caller decides what
commits together. Lookups by key are chunked so a feed of any size stays
within every database's limit on bound parameters.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import delete, func, insert, or_, select, update
from sqlmodel import col
from sqlmodel import select as select_rows

from queue_db.errors import NotFound
from queue_db.records import record_of
from queue_db.store import Tx
from queue_db.tables import Feed, FeedEntry

#: Bound parameters per ``IN (…)`` list.
CHUNK = 500
#: Entry states that still wait for a post to be made.
WAITING = ("queued",)
#: Entry states counted as "posts made".
POSTED = ("posted",)

T = TypeVar("T")


@dataclass(frozen=True)
class LedgerRow:
    """The part of a ledger row that matching needs."""

    id: int
    key: str
    link_key: str | None
    title_key: str | None
    title: str
    published_at: datetime | None
    post_id: int | None
    alias_of: int | None


@dataclass(frozen=True)
class FeedRecord:
    """A subscription as stored (what :class:`~queue_db.tables.Feed` holds)."""

    id: int
    name: str
    url: str
    title: str | None
    channels: list[str]
    template: str
    mode: str
    every_minutes: int
    max_per_day: int | None
    max_age_days: int | None
    include: str | None
    exclude: str | None
    backfill: int
    baselined: bool
    etag: str | None
    last_modified: str | None
    body_hash: str | None
    status: str
    last_error: str | None
    error_count: int
    last_polled_at: datetime | None
    last_ok_at: datetime | None
    next_poll_at: datetime | None
    created_by: str
    created_at: datetime


@dataclass(frozen=True)
class FeedEntryRecord:
    """A ledger entry as stored."""

    id: int
    feed_id: int
    key: str
    link_key: str | None
    title_key: str | None
    title: str
    link: str | None
    published_at: datetime | None
    status: str
    payload: dict[str, Any]
    reason: str | None
    post_id: int | None
    alias_of: int | None
    first_seen_at: datetime
    last_seen_at: datetime
    posted_at: datetime | None


@dataclass(frozen=True)
class FeedCounts:
    seen: int = 0
    posted: int = 0
    waiting: int = 0


def _chunks(values: Iterable[T]) -> Iterator[list[T]]:
    batch: list[T] = []
    for value in values:
        batch.append(value)
        if len(batch) == CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


_LEDGER_COLUMNS = (
    col(FeedEntry.id),
    col(FeedEntry.key),
    col(FeedEntry.link_key),
    col(FeedEntry.title_key),
    col(FeedEntry.title),
    col(FeedEntry.published_at),
    col(FeedEntry.post_id),
    col(FeedEntry.alias_of),
)


def _rows(tx: Tx, feed_id: int, column: Any, values: Iterable[Any]) -> list[LedgerRow]:
    out: list[LedgerRow] = []
    for batch in _chunks(sorted(set(values))):
        result = tx.session.execute(
            select(*_LEDGER_COLUMNS).where(col(FeedEntry.feed_id) == feed_id, column.in_(batch))
        )
        out.extend(LedgerRow(*row) for row in result)
    return out


# -- feeds ------------------------------------------------------------------------------


def _feed(row: Feed) -> FeedRecord:
    return record_of(FeedRecord, row)


def add_feed(tx: Tx, **values: Any) -> FeedRecord:
    """Subscribe: insert a feed row; a taken name is a :class:`~queue_db.errors.Conflict`."""
    return _feed(tx.add(Feed(**values)))


def feed(tx: Tx, name: str) -> FeedRecord:
    row = tx.session.exec(select_rows(Feed).where(col(Feed.name) == name)).first()
    if row is None:
        raise NotFound(f"no feed named {name!r}")
    return _feed(row)


def feed_by_id(tx: Tx, feed_id: int) -> FeedRecord:
    return _feed(tx.by_id(Feed, feed_id, "feed"))


def feeds(tx: Tx) -> list[FeedRecord]:
    return [_feed(r) for r in tx.session.exec(select_rows(Feed).order_by(col(Feed.name)))]


def feed_names(tx: Tx) -> set[str]:
    return set(tx.session.execute(select(col(Feed.name))).scalars())


def update_feed(tx: Tx, feed_id: int, **values: Any) -> None:
    tx.session.execute(update(Feed).where(col(Feed.id) == feed_id).values(**values))


def delete_feed(tx: Tx, feed_id: int) -> int:
    """Delete a feed and its ledger; returns how many ledger rows went with it."""
    result = tx.session.execute(delete(FeedEntry).where(col(FeedEntry.feed_id) == feed_id))
    tx.session.execute(delete(Feed).where(col(Feed.id) == feed_id))
    return int(result.rowcount)  # type: ignore[attr-defined]


def claim_poll(tx: Tx, feed_id: int, now: datetime, hold_until: datetime) -> bool:
    """Take the feed's due poll: one conditional UPDATE, so of several workers one wins.

    The winner moves ``next_poll_at`` to ``hold_until``; the poll's outcome
    sets the real next time.
    """
    result = tx.session.execute(
        update(Feed)
        .where(
            col(Feed.id) == feed_id,
            or_(col(Feed.next_poll_at).is_(None), col(Feed.next_poll_at) <= now),
        )
        .values(next_poll_at=hold_until)
    )
    return int(result.rowcount) == 1  # type: ignore[attr-defined]


def counts(tx: Tx) -> dict[int, FeedCounts]:
    """Per feed: entries seen (aliases of one entry count once), posts made, entries waiting."""
    seen_col = func.count(col(FeedEntry.id)).filter(col(FeedEntry.alias_of).is_(None))
    posted_col = func.count(col(FeedEntry.id)).filter(col(FeedEntry.status).in_(POSTED))
    waiting_col = func.count(col(FeedEntry.id)).filter(col(FeedEntry.status).in_(WAITING))
    rows = tx.session.execute(
        select(col(FeedEntry.feed_id), seen_col, posted_col, waiting_col).group_by(
            col(FeedEntry.feed_id)
        )
    )
    return {int(fid): FeedCounts(int(s), int(p), int(w)) for fid, s, p, w in rows}


# -- the ledger -------------------------------------------------------------------------


def has_entries(tx: Tx, feed_id: int) -> bool:
    row = tx.session.execute(
        select(col(FeedEntry.id)).where(col(FeedEntry.feed_id) == feed_id).limit(1)
    ).first()
    return row is not None


def by_keys(tx: Tx, feed_id: int, keys: Iterable[str]) -> dict[str, LedgerRow]:
    return {r.key: r for r in _rows(tx, feed_id, col(FeedEntry.key), keys)}


def by_link_keys(tx: Tx, feed_id: int, link_keys: Iterable[str]) -> dict[str, LedgerRow]:
    out: dict[str, LedgerRow] = {}
    for row in _rows(tx, feed_id, col(FeedEntry.link_key), link_keys):
        # The original row wins over its aliases: it carries the post.
        if row.link_key and (row.link_key not in out or row.alias_of is None):
            out[row.link_key] = row
    return out


def by_title_keys(tx: Tx, feed_id: int, title_keys: Iterable[str]) -> dict[str, list[LedgerRow]]:
    out: dict[str, list[LedgerRow]] = {}
    for row in _rows(tx, feed_id, col(FeedEntry.title_key), title_keys):
        if row.title_key:
            out.setdefault(row.title_key, []).append(row)
    return out


def by_published(
    tx: Tx, feed_id: int, times: Iterable[datetime]
) -> dict[datetime, list[LedgerRow]]:
    out: dict[datetime, list[LedgerRow]] = {}
    for row in _rows(tx, feed_id, col(FeedEntry.published_at), times):
        if row.published_at is not None:
            out.setdefault(row.published_at, []).append(row)
    return out


def insert_entries(tx: Tx, rows: Sequence[dict[str, Any]]) -> None:
    """Add ledger rows in one batched statement, in the given order (ids follow it)."""
    if rows:
        tx.session.execute(insert(FeedEntry), list(rows))


def touch_seen(tx: Tx, ids: Iterable[int], now: datetime) -> None:
    """Mark entries still in the feed as seen now; each row is written at most once a day."""
    stale = now - timedelta(days=1)
    for batch in _chunks(sorted(set(ids))):
        tx.session.execute(
            update(FeedEntry)
            .where(col(FeedEntry.id).in_(batch), col(FeedEntry.last_seen_at) < stale)
            .values(last_seen_at=now)
        )


def prune(tx: Tx, feed_id: int, before: datetime) -> int:
    """Forget entries not seen in the feed since ``before``; never those still waiting."""
    result = tx.session.execute(
        delete(FeedEntry).where(
            col(FeedEntry.feed_id) == feed_id,
            col(FeedEntry.last_seen_at) < before,
            col(FeedEntry.status).not_in(WAITING),
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def waiting_entries(tx: Tx, feed_id: int) -> list[FeedEntryRecord]:
    """Entries that still need a post, oldest first (rows are inserted oldest first)."""
    return [
        record_of(FeedEntryRecord, row)
        for row in tx.session.exec(
            select_rows(FeedEntry)
            .where(col(FeedEntry.feed_id) == feed_id, col(FeedEntry.status).in_(WAITING))
            .order_by(col(FeedEntry.id))
        )
    ]


def settle_entry(
    tx: Tx,
    entry_id: int,
    status: str,
    *,
    reason: str | None = None,
    post_id: int | None = None,
    posted_at: datetime | None = None,
) -> bool:
    """Move a waiting entry to its outcome; False if another worker settled it first."""
    result = tx.session.execute(
        update(FeedEntry)
        .where(col(FeedEntry.id) == entry_id, col(FeedEntry.status).in_(WAITING))
        .values(status=status, reason=reason, post_id=post_id, posted_at=posted_at, payload={}),
        # No entry row is kept in a session (records are returned), so none needs updating.
        execution_options={"synchronize_session": False},
    )
    return int(result.rowcount) == 1  # type: ignore[attr-defined]


def posts_since(tx: Tx, feed_id: int, since: datetime) -> int:
    """Posts this feed has made since ``since`` (for the daily cap)."""
    return int(
        tx.session.execute(
            select(func.count())
            .select_from(FeedEntry)
            .where(
                col(FeedEntry.feed_id) == feed_id,
                col(FeedEntry.status).in_(POSTED),
                col(FeedEntry.posted_at) >= since,
            )
        ).scalar_one()
    )
