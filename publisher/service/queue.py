"""The queue of posts as a listing shows it: state presets, filters, one page at a time.

Everything returns frozen views; a page of 100,000 posts costs one ``LIMIT``
query and one ``COUNT`` over the same filter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from publisher.context import Context
from publisher.errors import InvalidInput
from queue_db import changes
from queue_db import channels as channel_db
from queue_db import posts as post_db
from queue_db.deliveries import read
from queue_db.posts import PostFilter
from queue_db.states import DeliveryState, PostState

#: Named state filters the queue offers; "upcoming" is everything not yet final.
STATE_PRESETS: dict[str, tuple[str, ...]] = {
    "upcoming": (PostState.DRAFT, PostState.IN_REVIEW, PostState.APPROVED, PostState.SCHEDULED),
    "all": (),
    "draft": (PostState.DRAFT,),
    "in_review": (PostState.IN_REVIEW,),
    "approved": (PostState.APPROVED,),
    "scheduled": (PostState.SCHEDULED,),
    "sent": (PostState.SENT, PostState.PARTLY_SENT),
    "failed": (PostState.FAILED, PostState.EXPIRED),
    "cancelled": (PostState.CANCELLED,),
}


@dataclass(frozen=True)
class QueueQuery:
    """What the queue screen asks for: a state preset, filters and the sort order."""

    preset: str = "upcoming"
    channel: str | None = None
    source: str | None = None
    search: str | None = None
    newest_first: bool = False


@dataclass(frozen=True)
class QueueRow:
    id: int
    state: PostState
    scheduled_at: datetime | None
    channels: tuple[str, ...]
    source: str
    author: str
    first_line: str
    #: The worst guideline finding stored with the post: suggestion, warning, error or None.
    worst: str | None
    review_comment: str | None
    #: Links of the deliveries that went out.
    links: tuple[str, ...]


@dataclass(frozen=True)
class QueuePage:
    rows: tuple[QueueRow, ...]
    offset: int
    total: int


def _worst(findings: Sequence[dict[str, Any]]) -> str | None:
    order = {"suggestion": 0, "warning": 1, "error": 2}
    ranks = [order.get(str(f.get("severity")), 0) for f in findings]
    return None if not ranks else ("suggestion", "warning", "error")[max(ranks)]


def _filter(ctx: Context, query: QueueQuery) -> PostFilter:
    if query.preset not in STATE_PRESETS:
        raise InvalidInput(f"unknown state filter {query.preset!r}")
    channel_id = None
    if query.channel:
        with ctx.tx() as tx:
            channel_id = channel_db.by_name(tx, query.channel).id
    return PostFilter(
        states=STATE_PRESETS[query.preset],
        source=query.source or None,
        channel_id=channel_id,
        search=(query.search or "").strip() or None,
    )


def queue_page(ctx: Context, query: QueueQuery, *, offset: int = 0, limit: int = 100) -> QueuePage:
    """One page of the queue and the number of posts matching ``query``."""
    flt = _filter(ctx, query)
    with ctx.tx() as tx:
        total = post_db.count(tx, flt)
        offset = max(0, min(offset, max(0, total - 1)))
        raw = post_db.page(tx, flt, offset=offset, limit=limit, newest_first=query.newest_first)
        deliveries = read.summaries(tx, [r.id for r in raw])
    rows = []
    for r in raw:
        mine = deliveries[r.id]
        rows.append(
            QueueRow(
                id=r.id,
                state=r.state,
                scheduled_at=r.scheduled_at,
                channels=tuple(d.channel for d in mine),
                source=r.source,
                author=r.author,
                first_line=first_line(r.head),
                worst=_worst(r.findings or []),
                review_comment=r.review_comment,
                links=tuple(
                    d.remote_url for d in mine if d.remote_url and d.state == DeliveryState.SENT
                ),
            )
        )
    return QueuePage(rows=tuple(rows), offset=offset, total=total)


def first_line(text: str) -> str:
    """The first line of a text, as listings show it."""
    return (text.strip().splitlines() or [""])[0]


def channel_names(ctx: Context) -> list[str]:
    """The configured channels' names, sorted."""
    with ctx.tx() as tx:
        return channel_db.names(tx)


def change_marker(ctx: Context) -> tuple[Any, ...]:
    """Cheap to compute; differs whenever another process may have changed what is shown."""
    with ctx.tx() as tx:
        return changes.change_marker(tx)
