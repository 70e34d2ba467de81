"""Read models and small operations the terminal UI needs beyond the post lifecycle.

UI-free: the TUI calls these (and :mod:`publisher.service.posts`) and never the
database. Everything returns frozen views; errors are :mod:`publisher.errors`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from publisher.context import Context
from publisher.context.times import zone
from publisher.errors import IllegalTransition, InvalidInput, NotFoundError
from queue_db import tui_store
from queue_db.tui_store import PostFilter

if TYPE_CHECKING:
    from publisher.guidelines import Target

#: Named state filters the queue offers; "upcoming" is everything not yet final.
STATE_PRESETS: dict[str, tuple[str, ...]] = {
    "upcoming": ("draft", "in_review", "approved", "scheduled"),
    "all": (),
    "draft": ("draft",),
    "in_review": ("in_review",),
    "approved": ("approved",),
    "scheduled": ("scheduled",),
    "sent": ("sent", "partly_sent"),
    "failed": ("failed", "expired"),
    "cancelled": ("cancelled",),
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
    state: str
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
            channel_id = tx.channel(query.channel).id
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
        total = tui_store.count_posts(tx, flt)
        offset = max(0, min(offset, max(0, total - 1)))
        raw = tui_store.page_posts(
            tx, flt, offset=offset, limit=limit, newest_first=query.newest_first
        )
        deliveries = tui_store.delivery_summaries(tx, [int(r[0]) for r in raw])
    rows = []
    for pid, state, at, source, author, head, findings, comment, _updated in raw:
        mine = deliveries[int(pid)]
        rows.append(
            QueueRow(
                id=int(pid),
                state=str(state),
                scheduled_at=at,
                channels=tuple(name for name, _, _ in mine),
                source=str(source),
                author=str(author),
                first_line=(str(head).strip().splitlines() or [""])[0],
                worst=_worst(findings or []),
                review_comment=comment,
                links=tuple(url for _, st, url in mine if url and st == "sent"),
            )
        )
    return QueuePage(rows=tuple(rows), offset=offset, total=total)


def channel_names(ctx: Context) -> list[str]:
    """The configured channels' names, sorted."""
    with ctx.tx() as tx:
        return [c.name for c in tx.channels()]


def change_marker(ctx: Context) -> tuple[Any, ...]:
    """Cheap to compute; differs whenever another process may have changed what is shown."""
    with ctx.tx() as tx:
        return tui_store.change_marker(tx)


# -- activity ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ActivityRow:
    post_id: int
    channel: str
    state: str
    at: datetime
    attempts: int
    link: str | None
    reason: str | None
    first_line: str


def activity(ctx: Context, limit: int = 200) -> list[ActivityRow]:
    """Deliveries that were tried or need a person, the most recent first."""
    with ctx.tx() as tx:
        rows = tui_store.recent_deliveries(tx, limit)
    return [
        ActivityRow(
            post_id=d.post_id,
            channel=c.name,
            state=d.state,
            at=d.sent_at or d.updated_at,
            attempts=d.attempts,
            link=d.remote_url,
            reason=d.last_error,
            first_line=(head.strip().splitlines() or [""])[0],
        )
        for d, c, head in rows
    ]


def retry_delivery(ctx: Context, post_id: int, channel: str) -> str:
    """Send a failed, expired or needs-attention delivery again, now; return its old state."""
    with ctx.tx() as tx:
        row = tx.channel(channel)
        assert row.id is not None
        was = tui_store.retry_delivery(tx, post_id, row.id, ctx.clock())
        if was is None:
            raise NotFoundError(f"post {post_id} has no delivery to {channel!r}")
        if was.startswith("!"):
            raise IllegalTransition(
                f"cannot retry post {post_id} on {channel}: it is {was[1:]} "
                "(only failed, expired or needs-attention deliveries are retried)"
            )
        tx.log(ctx.actor, "retried", post_id=post_id, channel_id=row.id, previous_state=was)
        return was


def cancel_delivery(ctx: Context, post_id: int, channel: str) -> str:
    """Give up on one channel of a post that has not gone out there; return its old state."""
    with ctx.tx() as tx:
        row = tx.channel(channel)
        assert row.id is not None
        was = tui_store.cancel_delivery(tx, post_id, row.id)
        if was is None:
            raise NotFoundError(f"post {post_id} has no delivery to {channel!r}")
        if was.startswith("!"):
            raise IllegalTransition(
                f"cannot cancel post {post_id} on {channel}: it is already {was[1:]}"
            )
        tx.log(ctx.actor, "delivery_cancelled", post_id=post_id, channel_id=row.id, was=was)
        return was


# -- calendar ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CalendarPost:
    post_id: int
    state: str
    at: datetime
    channel: str
    first_line: str


@dataclass(frozen=True)
class CalendarWeek:
    start: datetime
    days: int
    #: ``{channel name: [open slot times in UTC]}`` within the week.
    slots: dict[str, list[datetime]] = field(default_factory=dict)
    posts: tuple[CalendarPost, ...] = ()


def week(ctx: Context, start: datetime, days: int = 7) -> CalendarWeek:
    """Each channel's posting slots and the posts due from ``start`` (UTC) for ``days``."""
    from publisher.service.channels import list_channels
    from publisher.service.slots import slots_for

    end = start + timedelta(days=days)
    with ctx.tx() as tx:
        raw = tui_store.posts_between(tx, start, end)
    slots = {
        c.name: [s.time for s in slots_for(ctx, c.name, start, days) if s.open]
        for c in list_channels(ctx)
    }
    posts = tuple(
        CalendarPost(
            post_id=i, state=s, at=at, channel=c, first_line=(h.strip().splitlines() or [""])[0]
        )
        for i, s, at, c, h in raw
    )
    return CalendarWeek(start=start, days=days, slots=slots, posts=posts)


# -- composing --------------------------------------------------------------------------


def targets(channel_kinds: Sequence[tuple[str, str]]) -> list[Target]:
    """Guideline targets for (channel name, kind) pairs."""
    from publisher.guidelines import Target

    return [Target(name, kind) for name, kind in channel_kinds]


def thread_preview(text: str, kind: str) -> list[str]:
    """The posts ``text`` becomes on a channel of ``kind``: one, or a numbered thread."""
    from channels.length import default_limits
    from channels.split import split_for_thread

    limits = default_limits(kind)
    if limits.fits(text.strip()) or not limits.threads:
        return [text.strip()] if text.strip() else []
    return split_for_thread(text, limits, numbered=True)


# -- channels ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ChannelHealth:
    name: str
    kind: str
    timezone: str
    paused: bool
    paused_reason: str | None
    rate_limited_until: datetime | None
    #: Deliveries by state, e.g. ``{"pending": 3, "sent": 120}``.
    counts: dict[str, int]
    last_error: str | None


def channel_health(ctx: Context) -> list[ChannelHealth]:
    """Every channel with its pause and rate-limit state and its delivery counts."""
    with ctx.tx() as tx:
        rows = tx.channels()
        counts = tui_store.channel_delivery_counts(tx)
        errors = tui_store.channel_last_errors(tx)
    now = ctx.clock()
    return [
        ChannelHealth(
            name=c.name,
            kind=c.kind,
            timezone=c.timezone,
            paused=c.paused,
            paused_reason=c.paused_reason,
            rate_limited_until=(
                c.rate_limited_until
                if c.rate_limited_until and c.rate_limited_until > now
                else None
            ),
            counts=counts.get(c.id or -1, {}),
            last_error=errors.get(c.id or -1),
        )
        for c in rows
    ]


def parse_local_time(text: str, tz_name: str) -> datetime:
    """``YYYY-MM-DD HH:MM`` in ``tz_name`` (or ISO 8601 with an offset), as UTC."""
    raw = text.strip()
    try:
        value = datetime.fromisoformat(raw.replace("z", "Z"))
    except ValueError:
        raise InvalidInput(
            f"not a date and time: {text!r} (e.g. 2026-12-01 09:30, in {tz_name})"
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone(tz_name))
    return value.astimezone(zone("UTC"))
