"""Listening streams: subscribe a channel's mentions or a saved search, list, pause, remove.

A stream is checked against its channel when it is added: the channel must
implement :class:`channels.base.Listens` and offer the stream's kind.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from channels import registry
from publisher.context import Context
from publisher.context.controls import strip_controls
from publisher.context.serialise import JSONView
from publisher.errors import InvalidInput
from queue_db import channels as channel_db
from queue_db import inbox as inbox_db
from queue_db import streams as stream_db
from queue_db.states import StreamKind
from queue_db.store import Tx
from queue_db.streams import StreamRecord

NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
#: What a new stream takes when no ``--since`` is given.
FIRST_WINDOW = timedelta(hours=24)
#: The furthest back ``--since`` may reach: never an unbounded backlog.
MAX_WINDOW = timedelta(days=30)
MAX_QUERY = 512


@dataclass(frozen=True)
class StreamView(JSONView):
    name: str
    channel: str
    kind: StreamKind
    query: str | None
    every_minutes: int
    since: datetime
    paused: bool
    #: False when the last round stopped early: the next one goes on from there.
    complete: bool
    last_polled_at: datetime | None
    next_poll_at: datetime | None
    rate_limited_until: datetime | None
    last_error: str | None
    #: Items by state, e.g. ``{"new": 3, "done": 10}``.
    counts: dict[str, int]

    @classmethod
    def of(cls, row: StreamRecord, channel: str, counts: dict[str, int]) -> StreamView:
        return cls(
            row.name,
            channel,
            row.kind,
            row.query,
            row.every_minutes,
            row.since,
            row.paused,
            row.complete,
            row.last_polled_at,
            row.next_poll_at,
            row.rate_limited_until,
            row.last_error,
            counts,
        )


def listen_kinds(kind: str) -> frozenset[str]:
    """The stream kinds a channel kind offers (none if it cannot listen)."""
    cls = registry.channel_class(kind)
    if not all(callable(getattr(cls, m, None)) for m in ("mentions", "search")):
        return frozenset()
    return frozenset(getattr(cls, "listen_kinds", frozenset()))


def add_stream(
    ctx: Context,
    name: str,
    channel: str,
    kind: StreamKind,
    *,
    query: str | None = None,
    every_minutes: int = 5,
    since: datetime | None = None,
) -> StreamView:
    """Subscribe a stream; its first round takes what was posted since ``since`` (24 h ago)."""
    if not NAME.match(name):
        raise InvalidInput(
            f"stream name {name!r}: use lower-case letters, digits, '-' or '_' (at most 64)"
        )
    if kind is StreamKind.QUERY:
        query = strip_controls(query or "").strip()
        if not query:
            raise InvalidInput("--query needs the words or hashtags to search for")
        if len(query) > MAX_QUERY:
            raise InvalidInput(f"the query is longer than {MAX_QUERY} characters")
    else:
        query = None
    if not 1 <= every_minutes <= 24 * 60:
        raise InvalidInput("--every must be between 1 and 1440 minutes")
    now = ctx.clock()
    start = since if since is not None else now - FIRST_WINDOW
    if start > now:
        raise InvalidInput("--since is in the future")
    if start < now - MAX_WINDOW:
        raise InvalidInput("--since reaches back more than 30 days: choose a later time")
    with ctx.tx() as tx:
        row = channel_db.by_name(tx, channel)
        offered = listen_kinds(row.kind)
        if not offered:
            raise InvalidInput(f"channel {channel!r} ({row.kind}) cannot listen: it has no streams")
        if kind not in offered:
            raise InvalidInput(
                f"channel {channel!r} ({row.kind}) has no {kind} streams "
                f"(it offers: {', '.join(sorted(offered))})"
            )
        added = stream_db.add(
            tx,
            name=name,
            channel_id=row.id,
            kind=kind,
            query=query,
            every_minutes=every_minutes,
            since=start,
            created_by=ctx.actor,
            created_at=now,
        )
        tx.log(ctx.actor, "stream_added", channel_id=row.id, stream=name, kind=kind, query=query)
        return StreamView.of(added, row.name, {})


def _views(tx: Tx, rows: list[StreamRecord]) -> list[StreamView]:
    names = {c.id: c.name for c in channel_db.every(tx)}
    counts = inbox_db.counts(tx)
    out = []
    for row in rows:
        mine = {state: n for (sid, state), n in counts.items() if sid == row.id}
        out.append(StreamView.of(row, names.get(row.channel_id, "?"), mine))
    return out


def list_streams(ctx: Context) -> list[StreamView]:
    with ctx.tx() as tx:
        return _views(tx, stream_db.every(tx))


def get_stream(ctx: Context, name: str) -> StreamView:
    with ctx.tx() as tx:
        return _views(tx, [stream_db.by_name(tx, name)])[0]


def remove_stream(ctx: Context, name: str) -> None:
    """Stop listening; items it collected stay in the inbox."""
    with ctx.tx() as tx:
        row = stream_db.by_name(tx, name)
        inbox_db.unlink_stream(tx, row.id)
        stream_db.delete_one(tx, row.id)
        tx.log(ctx.actor, "stream_removed", channel_id=row.channel_id, stream=name)


def pause_stream(ctx: Context, name: str) -> None:
    _set_paused(ctx, name, True)


def resume_stream(ctx: Context, name: str) -> None:
    _set_paused(ctx, name, False)


def _set_paused(ctx: Context, name: str, paused: bool) -> None:
    with ctx.tx() as tx:
        row = stream_db.by_name(tx, name)
        changes: dict[str, object] = {"paused": paused}
        if not paused:
            changes["next_poll_at"] = None  # due at once
        stream_db.change(tx, row.id, **changes)
        tx.log(
            ctx.actor,
            "stream_paused" if paused else "stream_resumed",
            channel_id=row.channel_id,
            stream=name,
        )


def stream_id(tx: Tx, name: str | None) -> int | None:
    """The id of the stream called ``name`` (None for no name)."""
    return None if name is None else stream_db.by_name(tx, name).id
