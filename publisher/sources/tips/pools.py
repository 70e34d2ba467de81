"""Tip pools: import, add, list and retire tips.

Sign-off happens once, for the pool: whoever imports or adds tips signs them
off (``approved_by``, and a ``tips_imported`` event in the audit log), so a
cadence posts them unattended. Tips imported with ``approve=False`` send each
of their posts to review instead. Guideline error findings hold or drop a
tip's post either way (see :mod:`publisher.sources.tips.cadences`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from publisher.context import Context
from publisher.context.times import iso
from publisher.errors import IllegalTransition, InvalidInput
from publisher.sources.tips.importer import TipDraft, draft, read_tips
from queue_db import tips as tip_db
from queue_db.store import Tx
from queue_db.tips import TipPoolRecord, TipRecord

NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


def check_name(name: str, what: str) -> str:
    if not NAME.match(name):
        raise InvalidInput(
            f"{what} name {name!r} must be lower-case letters, digits, '-' or '_' (max 64)"
        )
    return name


def is_active(tip: TipRecord, at: datetime) -> bool:
    """Whether ``tip`` may go out at ``at``: not retired, inside its window."""
    if tip.retired_at is not None:
        return False
    if tip.valid_from is not None and at < tip.valid_from:
        return False
    return tip.valid_until is None or at < tip.valid_until


@dataclass(frozen=True)
class TipView:
    id: int
    pool: str
    text: str
    tags: tuple[str, ...]
    variants: dict[str, str]
    media: tuple[dict[str, str], ...]
    valid_from: datetime | None
    valid_until: datetime | None
    retired: bool
    active: bool
    approved_by: str | None
    served: int
    last_served: datetime | None

    @property
    def status(self) -> str:
        if self.retired:
            return "retired"
        return "active" if self.active else "out of window"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "pool": self.pool,
            "text": self.text,
            "tags": list(self.tags),
            "variants": self.variants,
            "media": list(self.media),
            "valid_from": iso(self.valid_from),
            "valid_until": iso(self.valid_until),
            "status": self.status,
            "approved_by": self.approved_by,
            "served": self.served,
            "last_served": iso(self.last_served),
        }


@dataclass(frozen=True)
class ImportResult:
    pool: str
    added: tuple[int, ...]
    #: Tips whose text the pool already had.
    skipped: int
    approved_by: str | None


def _pool(tx: Tx, ctx: Context, name: str) -> TipPoolRecord:
    row = tip_db.pool_named(tx, check_name(name, "pool"))
    if row is None:
        row = tip_db.add_pool(tx, name, ctx.actor)
        tx.log(ctx.actor, "tip_pool_created", pool=name)
    return row


def _store(
    ctx: Context,
    pool_name: str,
    drafts: Sequence[TipDraft],
    approve: bool,
    *,
    refuse_known: bool = False,
) -> ImportResult:
    """Add the drafts whose text the pool lacks; ``refuse_known`` refuses (and writes nothing) instead."""
    approver = ctx.actor if approve else None
    with ctx.tx() as tx:
        pool = _pool(tx, ctx, pool_name)
        assert pool.id is not None
        known = {t.text for t in tip_db.tips(tx, pool.id) if t.retired_at is None}
        added: list[int] = []
        for d in drafts:
            if d.text in known:
                if refuse_known:
                    raise InvalidInput(f"pool {pool_name!r} already has a tip with this text")
                continue
            row = tip_db.add_tip(
                tx,
                pool_id=pool.id,
                text=d.text,
                tags=d.tags,
                variants=d.variants,
                media=d.media,
                valid_from=d.valid_from,
                valid_until=d.valid_until,
                approved_by=approver,
                created_by=ctx.actor,
            )
            assert row.id is not None
            added.append(row.id)
            known.add(d.text)
        tx.log(
            ctx.actor,
            "tips_imported",
            pool=pool_name,
            added=len(added),
            skipped=len(drafts) - len(added),
            approved_by=approver,
        )
    return ImportResult(pool_name, tuple(added), len(drafts) - len(added), approver)


def import_tips(ctx: Context, path: Path, pool: str, *, approve: bool = True) -> ImportResult:
    """Import every tip of a YAML or CSV file into ``pool`` (created if new), or none.

    Tips whose text the pool already holds are skipped, so importing a file
    again adds only its new tips. With ``approve`` the importing user signs
    the tips off for unattended posting.
    """
    check_name(pool, "pool")
    return _store(ctx, pool, read_tips(path), approve)


def add_tip(
    ctx: Context,
    pool: str,
    text: str,
    *,
    tags: Sequence[str] = (),
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
    variants: dict[str, str] | None = None,
    approve: bool = True,
) -> TipView:
    """Add one tip to ``pool`` (created if new); refuses a text the pool already holds."""
    checked = draft(
        {
            "text": text,
            "tags": list(tags),
            "valid_from": valid_from,
            "valid_until": valid_until,
            "variants": variants or None,
        },
        Path.cwd(),
    )
    result = _store(ctx, pool, [checked], approve, refuse_known=True)
    return get_tip(ctx, result.added[0])


def _views(tx: Tx, ctx: Context, rows: Sequence[TipRecord]) -> list[TipView]:
    names = {p.id: p.name for p in tip_db.pools(tx)}
    stats = tip_db.served_stats(tx, [t.id for t in rows if t.id is not None])
    now = ctx.clock()
    out = []
    for t in rows:
        assert t.id is not None
        served, last = stats.get(t.id, (0, None))
        out.append(
            TipView(
                id=t.id,
                pool=names.get(t.pool_id, "?"),
                text=t.text,
                tags=tuple(t.tags),
                variants=dict(t.variants),
                media=tuple(t.media),
                valid_from=t.valid_from,
                valid_until=t.valid_until,
                retired=t.retired_at is not None,
                active=is_active(t, now),
                approved_by=t.approved_by,
                served=served,
                last_served=last,
            )
        )
    return out


def list_tips(ctx: Context, pool: str | None = None) -> list[TipView]:
    with ctx.tx() as tx:
        pool_id = tip_db.pool(tx, pool).id if pool else None
        return _views(tx, ctx, tip_db.tips(tx, pool_id))


def get_tip(ctx: Context, tip_id: int) -> TipView:
    with ctx.tx() as tx:
        return _views(tx, ctx, [tip_db.tip(tx, tip_id)])[0]


def retire_tip(ctx: Context, tip_id: int) -> TipView:
    """Retire a tip: it never goes out again (posts already made are not touched)."""
    with ctx.tx() as tx:
        tip = tip_db.tip(tx, tip_id)
        if not tip_db.retire(tx, tip_id, ctx.clock()):
            raise IllegalTransition(f"tip {tip_id} is already retired")
        tx.log(ctx.actor, "tip_retired", tip=tip_id, pool_id=tip.pool_id)
    return get_tip(ctx, tip_id)
