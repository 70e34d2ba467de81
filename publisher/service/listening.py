"""One round of listening: every due stream asked once, its items stored with its cursor.

Each stream is claimed before it is polled (one worker per stream at a
time); its channel is called outside any transaction; the new items, their
routing and the stream's new cursor are then written in one transaction, so
a round that dies stores nothing and the next one asks again from the same
cursor. A rate limit holds the stream until the network's reset time.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from channels.base import Inbound, InboundPage, Listens
from channels.errors import ChannelError, RateLimited
from publisher.context import Context
from publisher.context.controls import strip_controls
from publisher.context.serialise import JSONView
from publisher.errors import OyezError
from publisher.guidelines.routes import Route, route
from publisher.service.channels import build_channel
from queue_db import channels as channel_db
from queue_db import events
from queue_db import inbox as inbox_db
from queue_db import streams as stream_db
from queue_db.errors import NotFound
from queue_db.states import InboxState, Source, StreamKind
from queue_db.store import Tx
from queue_db.streams import StreamRecord

log = logging.getLogger("oyez.inbox")

#: How long a claimed round holds its stream before another worker may take it.
HOLD = timedelta(minutes=10)
#: A rate limit without a reset time holds the stream this long.
DEFAULT_BACKOFF = timedelta(minutes=15)
#: Stored text is cut here: an item is a post, not a document.
MAX_TEXT = 10_000
MAX_FIELD = 255
#: Bidirectional embeddings and overrides (U+202A–E, U+2066–9): they reorder what is shown.
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True)
class StreamRound(JSONView):
    stream: str
    #: Items new to the inbox, and items the channel returned in all.
    new: int = 0
    seen: int = 0
    #: False when the channel stopped early: the next round goes on from the cursor.
    complete: bool = True
    error: str | None = None
    rate_limited_until: datetime | None = None
    spike: bool = False


@dataclass(frozen=True)
class PollResult(JSONView):
    streams: list[StreamRound]
    purged: int = 0

    @property
    def new(self) -> int:
        return sum(s.new for s in self.streams)


def clean(text: str, limit: int = MAX_TEXT) -> str:
    """Text from a network as the inbox keeps it: no controls or bidi overrides, bounded."""
    text = _BIDI.sub("", strip_controls(unicodedata.normalize("NFC", text)))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _routes(ctx: Context) -> tuple[Route, ...]:
    from publisher.service.checks import checker_for

    return checker_for(ctx).pack.routes


def _row(item: Inbound, routes: tuple[Route, ...]) -> dict[str, Any]:
    text = clean(item.text)
    routing = route(routes, text)
    return {
        "remote_id": clean(item.remote_id, MAX_FIELD),
        "kind": clean(item.kind, 16),
        "author_handle": clean(item.author_handle, MAX_FIELD),
        "author_name": clean(item.author_name, MAX_FIELD),
        "text": text,
        "url": clean(item.url, 2048) if item.url else None,
        "created_at": item.created_at,
        "in_reply_to": clean(item.in_reply_to, MAX_FIELD) if item.in_reply_to else None,
        "tags": list(routing.tags),
        "urgent": routing.urgent,
        "assignee": routing.assignee,
        "state": InboxState.ASSIGNED if routing.assignee else InboxState.NEW,
    }


def poll(ctx: Context) -> PollResult:
    """One round of every stream that is due (not paused, not held by a rate limit)."""
    now = ctx.clock()
    with ctx.tx() as tx:
        due = stream_db.due(tx, now)
        purged = inbox_db.purge(tx, now - timedelta(days=ctx.settings.inbox.keep_days))
    rounds = [r for r in (poll_stream(ctx, s.id) for s in due) if r is not None]
    return PollResult(rounds, purged)


def poll_stream(ctx: Context, stream_id: int) -> StreamRound | None:
    """One round of one stream if it is due and no other worker has it; None otherwise."""
    now = ctx.clock()
    with ctx.tx() as tx:
        if not stream_db.claim(tx, stream_id, now, now + HOLD):
            return None
        stream = stream_db.by_id(tx, stream_id)
        channel_row = channel_db.by_id(tx, stream.channel_id)
    try:
        page = _ask(ctx, stream, channel_row)
    except RateLimited as exc:
        until = exc.reset_at or now + DEFAULT_BACKOFF
        with ctx.tx() as tx:
            stream_db.change(
                tx, stream.id, next_poll_at=until, rate_limited_until=until, last_error=str(exc)
            )
        return StreamRound(stream.name, error=str(exc), rate_limited_until=until)
    except (ChannelError, OyezError) as exc:
        with ctx.tx() as tx:
            stream_db.change(
                tx,
                stream.id,
                next_poll_at=now + timedelta(minutes=stream.every_minutes),
                last_error=str(exc),
                last_polled_at=now,
            )
        log.warning("stream %s: round failed: %s", stream.name, exc)
        return StreamRound(stream.name, error=str(exc))
    return _store(ctx, stream, page, now)


def _ask(ctx: Context, stream: StreamRecord, channel_row: Any) -> InboundPage:
    channel = build_channel(ctx, channel_row)
    try:
        if not isinstance(channel, Listens):
            raise OyezError(f"channel {channel_row.name!r} ({channel_row.kind}) cannot listen")
        # Never further back than the window a stream may take.
        since = max(stream.since, ctx.clock() - timedelta(days=30))
        if stream.kind is StreamKind.MENTIONS:
            return channel.mentions(stream.cursor, since)
        return channel.search(stream.query or "", stream.cursor, since)
    finally:
        channel.close()


def _store(ctx: Context, stream: StreamRecord, page: InboundPage, now: datetime) -> StreamRound:
    routes = _routes(ctx)
    rows = [_row(item, routes) for item in page.items]
    # A round that stopped early goes on from its cursor at once; a whole one waits its interval.
    later = now if not page.complete else now + timedelta(minutes=stream.every_minutes)
    with ctx.tx() as tx:
        new = inbox_db.store(tx, stream.channel_id, stream.id, rows, now)
        stream_db.advance(
            tx,
            stream.id,
            cursor=page.cursor,
            complete=page.complete,
            polled_at=now,
            next_poll_at=later,
        )
        for item in new:
            if item.urgent or item.assignee:
                tx.log(
                    "oyez",
                    "inbox_routed",
                    channel_id=item.channel_id,
                    item=item.id,
                    stream=stream.name,
                    tags=item.tags,
                    assignee=item.assignee,
                    urgent=item.urgent,
                )
        spike = _spike(ctx, tx, stream, now) if new else None
    if spike is not None and ctx.settings.inbox.spike_channel:
        _alert(ctx, stream, *spike)
    return StreamRound(stream.name, len(new), len(rows), page.complete, spike=spike is not None)


def _spike(ctx: Context, tx: Tx, stream: StreamRecord, now: datetime) -> tuple[int, float] | None:
    """Raise a spike alert when the last hour holds N× the stream's average hour (once an hour).

    Returns the last hour's items and the average hour, when it raised one.
    """
    if stream.spike_at is not None and stream.spike_at > now - timedelta(hours=1):
        return None
    settings = ctx.settings.inbox
    hour = timedelta(hours=1)
    last = inbox_db.volume(tx, stream.id, now - hour, now + timedelta(minutes=5))
    if last < settings.spike_min:
        return None
    average = inbox_db.volume(tx, stream.id, now - 25 * hour, now - hour) / 24
    if last <= settings.spike_factor * average:
        return None
    stream_db.change(tx, stream.id, spike_at=now)
    tx.log(
        "oyez",
        "inbox_spike",
        channel_id=stream.channel_id,
        stream=stream.name,
        last_hour=last,
        average=round(average, 2),
    )
    return last, average


def _alert(ctx: Context, stream: StreamRecord, last: int, average: float) -> None:
    """Post the spike to the webhook channel ``inbox.spike_channel`` (urgent, no sign-off).

    A setting that names no webhook channel is logged and skipped: the spike
    itself is already recorded (the event and ``oyez status``).
    """
    from publisher.service import posts

    name = ctx.settings.inbox.spike_channel
    try:
        with ctx.tx() as tx:
            kind: str | None = channel_db.by_name(tx, name).kind
    except NotFound:
        kind = None
    if kind != "webhook":
        log.warning(
            "inbox.spike_channel %r is not a webhook channel; no spike alert was posted", name
        )
        return
    text = (
        f"Inbox spike on stream {stream.name}: {last} items in the last hour "
        f"(an hour averaged {average:g} over the day before)."
    )
    draft = posts.create_post(ctx, text, [name], at=ctx.clock(), source=Source.ALERT, urgent=True)
    posts.submit_post(ctx, draft.id)


@dataclass(frozen=True)
class Spike(JSONView):
    stream: str
    at: datetime
    last_hour: int
    average: float


def recent_spikes(ctx: Context, within: timedelta = timedelta(hours=1)) -> list[Spike]:
    """Streams whose last spike alert is recent, with its figures (for ``oyez status``)."""
    now = ctx.clock()
    with ctx.tx() as tx:
        rows = [r for r in stream_db.every(tx) if r.spike_at and r.spike_at > now - within]
        if not rows:
            return []
        alerts = {e.detail.get("stream"): e.detail for e in events.of_actions(tx, ["inbox_spike"])}
    out = []
    for r in rows:
        detail = alerts.get(r.name, {})
        assert r.spike_at is not None
        last, average = int(detail.get("last_hour", 0)), float(detail.get("average", 0))
        out.append(Spike(r.name, r.spike_at, last, average))
    return out


def poll_named(ctx: Context, name: str) -> int:
    """One round of the stream called ``name`` if it is due (the daemon's fire); new items."""
    now = ctx.clock()
    with ctx.tx() as tx:
        stream = stream_db.by_name(tx, name)
        inbox_db.purge(tx, now - timedelta(days=ctx.settings.inbox.keep_days))
    done = poll_stream(ctx, stream.id)
    return done.new if done is not None else 0
