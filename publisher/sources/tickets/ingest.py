"""Recording ticket events (from the CLI, the webhook or a ticket feed) and listing tickets.

Recording is one transaction per event whose first write is the ticket row, so
the events of one ticket get their order (``seq``) one at a time, whichever
process records them. An event that names an ``event_id`` already recorded is
a repeat (a webhook retried) and changes nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from publisher.context import Context
from publisher.context.times import iso
from publisher.errors import InvalidInput, OyezError
from publisher.sources.tickets.events import EventIn, map_status
from publisher.sources.tickets.thread import pump, store_tx
from queue_db import tickets as ticket_db
from queue_db.deliveries import read
from queue_db.errors import Conflict
from queue_db.tickets import TicketConfigRecord

log = logging.getLogger("oyez.tickets")
_ATTEMPTS = 3


class NotConfigured(OyezError):
    """Ticket posting has not been set up (no channels)."""


@dataclass(frozen=True)
class Recorded:
    """What became of one event."""

    ticket: str
    seq: int
    status: str
    #: True if the event was a repeat of one already recorded (nothing changed).
    duplicate: bool
    #: Posts made right now (a coalesced event may make none yet).
    posts_made: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "ticket": self.ticket,
            "event": self.seq,
            "status": self.status,
            "duplicate": self.duplicate,
            "posts_made": self.posts_made,
        }


def require_config(ctx: Context) -> TicketConfigRecord:
    with ctx.tx() as tx:
        row = ticket_db.config(tx)
    if row is None:
        raise NotConfigured(
            "ticket posting is not configured: run oyez tickets config --to CH[,CH…] first"
        )
    return row


def _apply(event: EventIn, status: str, now: datetime) -> dict[str, Any]:
    changes: dict[str, Any] = {"status": status, "updated_at": now}
    for name in ("title", "impact", "service", "text", "url"):
        value = getattr(event, name)
        if value is not None:
            changes[name] = value
    changes["resolved_at"] = now if status == "resolved" else None
    return changes


def _record(
    ctx: Context, event: EventIn, status: str, source: str, key: str | None
) -> tuple[int, int, bool]:
    now = ctx.clock()
    with store_tx(ctx) as tx:
        if key is not None and (seen := ticket_db.event_by_key(tx, key)) is not None:
            return seen.ticket_id, seen.seq, True
        if ticket_db.lock_ticket(tx, event.ticket, now):
            ticket = ticket_db.ticket(tx, event.ticket)
        else:
            if not event.title:
                raise InvalidInput(f"the first event of ticket {event.ticket} needs a title")
            ticket = ticket_db.add_ticket(
                tx,
                external_id=event.ticket,
                title=event.title,
                status=status,
                opened_at=now,
                updated_at=now,
            )
        assert ticket.id is not None
        seq = ticket_db.next_event_seq(tx, ticket.id)
        ticket_db.add_event(
            tx,
            ticket_id=ticket.id,
            seq=seq,
            source=source,
            event_key=key,
            status=status,
            raw_status=event.status[:64],
            title=event.title,
            text=event.text,
            impact=event.impact,
            service=event.service,
            url=event.url,
            actor=ctx.actor,
            received_at=now,
        )
        ticket_db.update_ticket(tx, ticket.id, **_apply(event, status, now))
        tx.log(
            ctx.actor,
            "ticket_event",
            ticket=event.ticket,
            seq=seq,
            status=status,
            raw_status=event.status,
            source=source,
        )
        return ticket.id, seq, False


def record_event(
    ctx: Context, event: EventIn, *, source: str = "cli", key: str | None = None
) -> Recorded:
    """Record one event, then make (and release) whatever posts it leads to now.

    ``key`` de-duplicates (a feed entry's key); by default the event's
    ``event_id``. Raises :class:`NotConfigured` before recording anything if
    ticket posting has no channels yet.
    """
    cfg = require_config(ctx)
    status = map_status(event.status, cfg.status_map)
    if key is None and event.event_id:
        key = f"id:{event.event_id}"
    for attempt in range(_ATTEMPTS):
        try:
            ticket_id, seq, duplicate = _record(ctx, event, status, source, key)
            break
        except Conflict:
            # Two processes created the same ticket (or recorded the same key) at once.
            if attempt == _ATTEMPTS - 1:
                raise OyezError(f"ticket {event.ticket} is busy; try again") from None
    made = 0 if duplicate else pump(ctx, ticket_id, cfg)
    return Recorded(event.ticket, seq, status, duplicate, made)


def pump_all(ctx: Context, fire_time: datetime | None = None) -> int:
    """Flush, make and release every ticket thread with work waiting; return posts made.

    A ticket that fails is logged and skipped, so one bad ticket never stops the rest.
    """
    with ctx.tx() as tx:
        cfg = ticket_db.config(tx)
        waiting = ticket_db.needing_work(tx) if cfg else []
    made = 0
    for ticket_id in waiting:
        assert cfg is not None
        try:
            made += pump(ctx, ticket_id, cfg)
        except (OyezError, Conflict) as exc:
            log.error("ticket %s: %s", ticket_id, exc)
    return made


# -- listing -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ThreadPostView:
    seq: int
    kind: str
    status: str
    #: claimed | held | released | dropped
    state: str
    post_id: int | None
    post_state: str | None
    deliveries: tuple[dict[str, Any], ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "kind": self.kind,
            "status": self.status,
            "state": self.state,
            "post_id": self.post_id,
            "post_state": self.post_state,
            "deliveries": list(self.deliveries),
        }


@dataclass(frozen=True)
class TicketView:
    id: str
    title: str
    status: str
    impact: str
    service: str
    url: str | None
    opened_at: datetime
    updated_at: datetime
    resolved_at: datetime | None
    events: int
    posts: tuple[ThreadPostView, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "status": self.status,
            "impact": self.impact,
            "service": self.service,
            "url": self.url,
            "opened_at": iso(self.opened_at),
            "updated_at": iso(self.updated_at),
            "resolved_at": iso(self.resolved_at),
            "events": self.events,
            "posts": [p.to_dict() for p in self.posts],
        }


def list_tickets(ctx: Context, *, limit: int = 200) -> list[TicketView]:
    """Tickets, newest first, each with its thread of posts and their deliveries."""
    with ctx.tx() as tx:
        rows = ticket_db.tickets(tx, limit=limit)
        ids = [t.id for t in rows if t.id is not None]
        threads = ticket_db.threads(tx, ids)
        post_ids = [c.post_id for cs in threads.values() for c in cs if c.post_id is not None]
        deliveries = read.of_posts(tx, post_ids)
        post_states = ticket_db.post_states(tx, post_ids)
        counts = ticket_db.event_counts(tx, ids)
    out: list[TicketView] = []
    for t in rows:
        assert t.id is not None
        thread = tuple(
            ThreadPostView(
                seq=c.seq,
                kind=c.kind,
                status=c.status,
                state=c.state,
                post_id=c.post_id,
                post_state=post_states.get(c.post_id) if c.post_id else None,
                deliveries=tuple(
                    {
                        "channel": ch.name,
                        "state": d.state,
                        "remote_id": d.remote_id,
                        "remote_url": d.remote_url,
                    }
                    for d, ch in deliveries.get(c.post_id, [])
                )
                if c.post_id
                else (),
            )
            for c in threads[t.id]
        )
        out.append(
            TicketView(
                id=t.external_id,
                title=t.title,
                status=t.status,
                impact=t.impact,
                service=t.service,
                url=t.url,
                opened_at=t.opened_at,
                updated_at=t.updated_at,
                resolved_at=t.resolved_at,
                events=counts[t.id],
                posts=thread,
            )
        )
    return out
