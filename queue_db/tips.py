"""Queries for tip pools, tips, cadences and the rotation ledger. Each takes an open :class:`Tx`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, update
from sqlmodel import col, select

from queue_db.errors import NotFound
from queue_db.records import record_of
from queue_db.store import Tx
from queue_db.tables import Cadence, Tip, TipPool, TipServed
from queue_db.types import as_utc


@dataclass(frozen=True)
class TipPoolRecord:
    """A tip pool as stored."""

    id: int
    name: str
    description: str
    created_by: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class TipRecord:
    """A tip as stored."""

    id: int
    pool_id: int
    text: str
    variants: dict[str, str]
    media: list[dict[str, str]]
    tags: list[str]
    valid_from: datetime | None
    valid_until: datetime | None
    retired_at: datetime | None
    approved_by: str | None
    created_by: str
    created_at: datetime


@dataclass(frozen=True)
class CadenceRecord:
    """A cadence as stored."""

    id: int
    name: str
    pool_id: int
    cron: str
    timezone: str
    channels: list[str]
    skip_dates: list[str]
    paused: bool
    created_by: str
    created_at: datetime


@dataclass(frozen=True)
class TipServedRecord:
    """A row of the rotation ledger as stored."""

    id: int
    pool_id: int
    round: int
    tip_id: int
    cadence_id: int | None
    source_key: str
    fire_at: datetime
    post_id: int | None
    created_at: datetime


# -- pools and tips ------------------------------------------------------------------


def pool_named(tx: Tx, name: str) -> TipPoolRecord | None:
    row = tx.session.exec(select(TipPool).where(TipPool.name == name)).first()
    return None if row is None else record_of(TipPoolRecord, row)


def add_pool(tx: Tx, name: str, created_by: str) -> TipPoolRecord:
    return record_of(TipPoolRecord, tx.add(TipPool(name=name, created_by=created_by)))


def pool(tx: Tx, name: str) -> TipPoolRecord:
    row = pool_named(tx, name)
    if row is None:
        raise NotFound(f"no tip pool named {name!r}")
    return row


def pool_by_id(tx: Tx, pool_id: int) -> TipPoolRecord:
    return record_of(TipPoolRecord, tx.by_id(TipPool, pool_id, "tip pool"))


def pools(tx: Tx) -> list[TipPoolRecord]:
    rows = tx.session.exec(select(TipPool).order_by(col(TipPool.name)))
    return [record_of(TipPoolRecord, r) for r in rows]


def add_tip(tx: Tx, **values: Any) -> TipRecord:
    return record_of(TipRecord, tx.add(Tip(**values)))


def tips(tx: Tx, pool_id: int | None = None) -> list[TipRecord]:
    query = select(Tip)
    if pool_id is not None:
        query = query.where(Tip.pool_id == pool_id)
    rows = tx.session.exec(query.order_by(col(Tip.pool_id), col(Tip.id)))
    return [record_of(TipRecord, r) for r in rows]


def tip(tx: Tx, tip_id: int) -> TipRecord:
    return record_of(TipRecord, tx.by_id(Tip, tip_id, "tip"))


def retire(tx: Tx, tip_id: int, at: datetime) -> bool:
    """Retire a tip; False if it already was."""
    result = tx.session.execute(
        update(Tip)
        .where(col(Tip.id) == tip_id, col(Tip.retired_at).is_(None))
        .values(retired_at=at)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def lock_pool(tx: Tx, pool_id: int, at: datetime) -> None:
    """Make this transaction's first write the pool row, so firings on one pool take turns."""
    tx.session.execute(update(TipPool).where(col(TipPool.id) == pool_id).values(updated_at=at))


# -- cadences ------------------------------------------------------------------------


def add_cadence(tx: Tx, **values: Any) -> CadenceRecord:
    return record_of(CadenceRecord, tx.add(Cadence(**values)))


def cadence_named(tx: Tx, name: str) -> CadenceRecord:
    row = tx.session.exec(select(Cadence).where(Cadence.name == name)).first()
    if row is None:
        raise NotFound(f"no cadence named {name!r}")
    return record_of(CadenceRecord, row)


def cadence_by_id(tx: Tx, cadence_id: int) -> CadenceRecord | None:
    """The cadence, or None once it is removed (a daemon may still hold its job)."""
    row = tx.session.get(Cadence, cadence_id)
    return None if row is None else record_of(CadenceRecord, row)


def cadences(
    tx: Tx, *, pool_id: int | None = None, active_only: bool = False
) -> list[tuple[CadenceRecord, TipPoolRecord]]:
    query = select(Cadence, TipPool).join(TipPool, col(TipPool.id) == Cadence.pool_id)
    if pool_id is not None:
        query = query.where(Cadence.pool_id == pool_id)
    if active_only:
        query = query.where(col(Cadence.paused).is_(False))
    return [
        (record_of(CadenceRecord, c), record_of(TipPoolRecord, p))
        for c, p in tx.session.exec(query.order_by(col(Cadence.name)))
    ]


def set_paused(tx: Tx, cadence_id: int, paused: bool) -> bool:
    """Pause or resume; False if it already was in that state."""
    result = tx.session.execute(
        update(Cadence)
        .where(col(Cadence.id) == cadence_id, col(Cadence.paused).is_(not paused))
        .values(paused=paused)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def delete_cadence(tx: Tx, cadence_id: int) -> int:
    """Delete a cadence; its ledger rows stay, detached from it. Returns how many there are.

    The rows stay because the rotation reads them: a tip the cadence served
    still counts as served in its round.
    """
    result = tx.session.execute(
        update(TipServed).where(col(TipServed.cadence_id) == cadence_id).values(cadence_id=None)
    )
    tx.session.execute(delete(Cadence).where(col(Cadence.id) == cadence_id))
    return int(result.rowcount)  # type: ignore[attr-defined]


# -- the rotation ledger ---------------------------------------------------------------


def served_by_key(tx: Tx, source_key: str) -> TipServedRecord | None:
    row = tx.session.exec(select(TipServed).where(TipServed.source_key == source_key)).first()
    return None if row is None else record_of(TipServedRecord, row)


def add_served(tx: Tx, **values: Any) -> TipServedRecord:
    """Claim a tip for a firing; a repeat of (pool, round, tip) or of the key is a Conflict."""
    return record_of(TipServedRecord, tx.add(TipServed(**values)))


def ledger_state(tx: Tx, pool_id: int, history: int) -> tuple[int, list[int], list[int]]:
    """(current round, tips served in it, the last ``history`` tips served, oldest first)."""
    current = tx.session.exec(
        select(func.max(col(TipServed.round))).where(TipServed.pool_id == pool_id)
    ).one()
    if current is None:
        return 1, [], []
    served = tx.session.exec(
        select(TipServed.tip_id).where(TipServed.pool_id == pool_id, TipServed.round == current)
    ).all()
    tail = tx.session.exec(
        select(TipServed.tip_id)
        .where(TipServed.pool_id == pool_id)
        .order_by(col(TipServed.id).desc())
        .limit(history)
    ).all()
    return int(current), list(served), list(reversed(tail))


def set_served_post(tx: Tx, served_id: int, post_id: int) -> None:
    tx.session.execute(
        update(TipServed).where(col(TipServed.id) == served_id).values(post_id=post_id)
    )


def served_stats(tx: Tx, tip_ids: Sequence[int]) -> dict[int, tuple[int, datetime | None]]:
    """For each tip: how often it was served and when last (its last fire time)."""
    if not tip_ids:
        return {}
    rows = tx.session.exec(
        select(TipServed.tip_id, func.count(), func.max(col(TipServed.fire_at)))
        .where(col(TipServed.tip_id).in_(tip_ids))
        .group_by(col(TipServed.tip_id))
    ).all()
    out: dict[int, tuple[int, datetime | None]] = {}
    for tip_id, count, last in rows:
        out[int(tip_id)] = (int(count), _maybe_utc(last))
    return out


def cadence_counts(tx: Tx) -> dict[int, dict[str, Any]]:
    """Per cadence: tips served and the last fire time."""
    rows = tx.session.exec(
        select(TipServed.cadence_id, func.count(), func.max(col(TipServed.fire_at))).group_by(
            col(TipServed.cadence_id)
        )
    ).all()
    return {
        int(cid): {"served": int(count), "last": _maybe_utc(last)}
        for cid, count, last in rows
        if cid is not None
    }


def release_claim(tx: Tx, served_id: int) -> None:
    """Forget a ledger row whose post could not be made, so the tip is not lost to the round."""
    row = tx.session.get(TipServed, served_id)
    if row is not None and row.post_id is None:
        tx.session.delete(row)
        tx.session.flush()


def _maybe_utc(value: datetime | None) -> datetime | None:
    # In case an aggregate bypasses the column type: SQLite hands back naive UTC.
    return None if value is None else as_utc(value)
