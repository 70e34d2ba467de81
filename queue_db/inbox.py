"""Inbox items: what streams collected, once per channel and remote id.

The only writer of ``inbox_item`` and ``inbox_link``. :func:`store` inserts a
round's items with ``ON CONFLICT DO NOTHING`` on (channel, remote id), so two
workers, two overlapping streams or a restarted round never store an item
twice; it returns only the items it really added.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col

from queue_db.records import record_of
from queue_db.states import InboxState
from queue_db.store import Tx
from queue_db.tables import Delivery, InboxItem, InboxLink
from queue_db.types import as_utc

#: Rows per batch (SQLAlchemy splits each executemany INSERT within the parameter limits).
CHUNK = 200
#: The tables themselves, for executemany INSERTs (compiled once, not once per batch).
_ITEMS, _LINKS = InboxItem.__table__, InboxLink.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class ItemRecord:
    id: int
    channel_id: int
    remote_id: str
    kind: str
    author_handle: str
    author_name: str
    text: str
    url: str | None
    created_at: datetime
    collected_at: datetime
    in_reply_to: str | None
    answers_post_id: int | None
    state: InboxState
    assignee: str | None
    tags: list[str]
    urgent: bool
    reply_post_id: int | None


@dataclass(frozen=True)
class ItemFilter:
    states: tuple[str, ...] = ()
    stream_id: int | None = None
    channel_id: int | None = None
    tag: str | None = None
    since: datetime | None = None


def _record(row: InboxItem) -> ItemRecord:
    found = record_of(ItemRecord, row)
    return ItemRecord(**{**found.__dict__, "state": InboxState(row.state), "tags": list(row.tags)})


def _chunks(rows: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _insert(tx: Tx, table: Any) -> Any:
    """The dialect's INSERT, which knows ``ON CONFLICT DO NOTHING``."""
    return (postgresql if tx.dialect == "postgresql" else sqlite).insert(table)


def store(
    tx: Tx, channel_id: int, stream_id: int, rows: Sequence[dict[str, Any]], now: datetime
) -> list[ItemRecord]:
    """Add a round's items and link them to the stream; returns the items new to the inbox.

    Each row has the item's columns (``remote_id``, ``kind``, ``text``…).
    An item already stored (by this stream or another) is only linked.
    """
    answers = _our_posts(tx, channel_id, {r["in_reply_to"] for r in rows if r.get("in_reply_to")})
    fresh: list[ItemRecord] = []
    for batch in _chunks(rows):
        values = [
            {
                "state": InboxState.NEW,
                "tags": [],
                "urgent": False,
                "assignee": None,
                **row,
                "channel_id": channel_id,
                "collected_at": now,
                "answers_post_id": answers.get(row.get("in_reply_to") or ""),
            }
            for row in batch
        ]
        # One statement executed for many rows: compiled once and cached, where a
        # VALUES list of 200 rows is compiled again every time.
        statement = (
            _insert(tx, _ITEMS)
            .on_conflict_do_nothing(index_elements=["channel_id", "remote_id"])
            .returning(_ITEMS.c.id, _ITEMS.c.remote_id)
        )
        added = {str(r): int(i) for i, r in tx.session.execute(statement, values)}
        # The new items as written, rather than read back through the ORM (which
        # cost a third of an ingest round): the rows hold every column but the id.
        fresh.extend(_written(added[v["remote_id"]], v) for v in values if v["remote_id"] in added)
        # New items are linked by the ids just returned; only items stored before
        # (by another stream or an earlier round) are looked up.
        ids = list(added.values())
        known = [r["remote_id"] for r in batch if r["remote_id"] not in added]
        if known:
            ids.extend(
                tx.session.execute(
                    select(col(InboxItem.id)).where(
                        col(InboxItem.channel_id) == channel_id,
                        col(InboxItem.remote_id).in_(known),
                    )
                ).scalars()
            )
        links = [{"item_id": int(i), "stream_id": stream_id, "linked_at": now} for i in ids]
        if links:
            tx.session.execute(
                _insert(tx, _LINKS).on_conflict_do_nothing(index_elements=["item_id", "stream_id"]),
                links,
            )
    return sorted(fresh, key=lambda item: item.id)


def _written(item_id: int, values: dict[str, Any]) -> ItemRecord:
    return ItemRecord(
        id=item_id,
        channel_id=values["channel_id"],
        remote_id=values["remote_id"],
        kind=values["kind"],
        author_handle=values.get("author_handle", ""),
        author_name=values.get("author_name", ""),
        text=values.get("text", ""),
        url=values.get("url"),
        created_at=as_utc(values["created_at"]),
        collected_at=as_utc(values["collected_at"]),
        in_reply_to=values.get("in_reply_to"),
        answers_post_id=values["answers_post_id"],
        state=InboxState(values["state"]),
        assignee=values["assignee"],
        tags=list(values["tags"]),
        urgent=bool(values["urgent"]),
        reply_post_id=None,
    )


def _our_posts(tx: Tx, channel_id: int, remote_ids: set[str]) -> dict[str, int]:
    """Our posts on the channel with these remote ids: what items answer."""
    if not remote_ids:
        return {}
    rows = tx.session.execute(
        select(col(Delivery.remote_id), col(Delivery.post_id)).where(
            col(Delivery.channel_id) == channel_id, col(Delivery.remote_id).in_(sorted(remote_ids))
        )
    )
    return {str(r): int(p) for r, p in rows}


def get(tx: Tx, item_id: int) -> ItemRecord:
    return _record(tx.by_id(InboxItem, item_id, "inbox item"))


def _where(query: Any, flt: ItemFilter) -> Any:
    if flt.states:
        query = query.where(col(InboxItem.state).in_(list(flt.states)))
    if flt.channel_id is not None:
        query = query.where(col(InboxItem.channel_id) == flt.channel_id)
    if flt.stream_id is not None:
        linked = select(col(InboxLink.item_id)).where(col(InboxLink.stream_id) == flt.stream_id)
        query = query.where(col(InboxItem.id).in_(linked))
    if flt.since is not None:
        query = query.where(col(InboxItem.created_at) >= flt.since)
    return query


def page(tx: Tx, flt: ItemFilter, *, offset: int = 0, limit: int = 100) -> list[ItemRecord]:
    """Items newest first (by the time they were posted)."""
    query = _where(select(InboxItem), flt).order_by(
        col(InboxItem.created_at).desc(), col(InboxItem.id).desc()
    )
    if flt.tag is None:
        rows = tx.session.execute(query.offset(offset).limit(limit)).scalars()
        return [_record(r) for r in rows]
    # Tags are a JSON list: filtered here, the same way on every database.
    tagged = [_record(r) for r in tx.session.execute(query).scalars() if flt.tag in r.tags]
    return tagged[offset : offset + limit]


def count(tx: Tx, flt: ItemFilter) -> int:
    query = _where(select(func.count()).select_from(InboxItem), flt)
    return int(tx.session.execute(query).scalar_one())


def streams_of(tx: Tx, item_ids: Sequence[int]) -> dict[int, list[int]]:
    """The ids of the streams that saw each item."""
    out: dict[int, list[int]] = {}
    for batch in _chunks(list(item_ids), 500):
        rows = tx.session.execute(
            select(col(InboxLink.item_id), col(InboxLink.stream_id))
            .where(col(InboxLink.item_id).in_(batch))
            .order_by(col(InboxLink.stream_id))
        )
        for item_id, stream_id in rows:
            out.setdefault(int(item_id), []).append(int(stream_id))
    return out


def move(
    tx: Tx, item_id: int, allowed: Sequence[InboxState], to: InboxState, **changes: Any
) -> ItemRecord | None:
    """Move the item to ``to`` if it is in one of ``allowed``; None if it was not."""
    result = tx.session.execute(
        update(InboxItem)
        .where(col(InboxItem.id) == item_id, col(InboxItem.state).in_(list(allowed)))
        .values(state=to, **changes)
    )
    if int(result.rowcount) != 1:  # type: ignore[attr-defined]
        return None
    return get(tx, item_id)


def reply_targets(tx: Tx, post_ids: Collection[int]) -> dict[tuple[int, int], str]:
    """(post id, channel id) → the remote id each of ``post_ids`` answers, for inbox replies."""
    if not post_ids:
        return {}
    rows = tx.session.execute(
        select(
            col(InboxItem.reply_post_id), col(InboxItem.channel_id), col(InboxItem.remote_id)
        ).where(col(InboxItem.reply_post_id).in_(list(post_ids)))
    )
    return {(int(post), int(channel)): str(remote) for post, channel, remote in rows}


def volume(tx: Tx, stream_id: int, start: datetime, end: datetime) -> int:
    """Items of the stream posted in [start, end)."""
    return int(
        tx.session.execute(
            select(func.count())
            .select_from(InboxItem)
            .join(InboxLink, col(InboxLink.item_id) == col(InboxItem.id))
            .where(
                col(InboxLink.stream_id) == stream_id,
                col(InboxItem.created_at) >= start,
                col(InboxItem.created_at) < end,
            )
        ).scalar_one()
    )


def counts(tx: Tx) -> dict[tuple[int, str], int]:
    """Items per (stream id, state)."""
    rows = tx.session.execute(
        select(col(InboxLink.stream_id), col(InboxItem.state), func.count())
        .join(InboxItem, col(InboxLink.item_id) == col(InboxItem.id))
        .group_by(col(InboxLink.stream_id), col(InboxItem.state))
    )
    return {(int(s), str(st)): int(n) for s, st, n in rows}


def every(tx: Tx) -> Iterator[ItemRecord]:
    """Every item, oldest first (for exports)."""
    rows = tx.session.execute(select(InboxItem).order_by(col(InboxItem.id))).scalars()
    for row in rows:
        yield _record(row)


def unlink_stream(tx: Tx, stream_id: int) -> None:
    """Forget which items a stream saw (the items stay in the inbox)."""
    tx.session.execute(delete(InboxLink).where(col(InboxLink.stream_id) == stream_id))


def purge(tx: Tx, before: datetime) -> int:
    """Delete items collected before ``before`` (and their links); returns how many."""
    old = select(col(InboxItem.id)).where(col(InboxItem.collected_at) < before)
    tx.session.execute(delete(InboxLink).where(col(InboxLink.item_id).in_(old)))
    result = tx.session.execute(delete(InboxItem).where(col(InboxItem.collected_at) < before))
    return int(result.rowcount)  # type: ignore[attr-defined]


def marker(tx: Tx) -> tuple[int, int]:
    """Cheap to read, different whenever an item was added or purged: (newest id, count)."""
    newest, total = tx.session.execute(
        select(func.max(col(InboxItem.id)), func.count(col(InboxItem.id)))
    ).one()
    return int(newest or 0), int(total)
