"""A ticket's thread: events grouped into bursts, one post per burst, released in order.

Three steps, each safe to repeat and to run in several processes at once
(:func:`pump` runs them; the daemon calls it every few seconds, and every
recorded event calls it at once):

1. **Flush**: events not yet in a post form bursts. A burst starts at its first
   event and takes every event within ``coalesce_seconds`` of it; it is cut
   when its window has closed, or at a ``resolved`` event. Each burst becomes a
   :class:`TicketPost` claim (``ticket:<id>:<seq>``), under the ticket's lock.
2. **Make**: each claim becomes a post through the lifecycle, as ``oyez``:
   the first from the first-post template, later ones as replies with
   ``thread_parent_id`` = the first post, the one that says resolved from the
   closing template; the latest status of the burst wins.
3. **Release**: a post is scheduled only once the one before it has finished
   (sent, failed, expired or cancelled), so updates go out in order and a
   reply never goes before its parent. The engine holds a reply back while its
   parent's delivery on that channel is still in flight, too.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timedelta

from publisher.context import Context
from publisher.errors import IllegalTransition, NotFoundError, StorageProblem
from publisher.service import checks, posts
from publisher.service.views import PostView
from publisher.sources.base import BOT, create_once, hold_or_drop, submit_draft
from publisher.sources.tickets import templates
from queue_db import posts as post_db
from queue_db import tickets as ticket_db
from queue_db.errors import Conflict, NotFound, StoreError
from queue_db.store import Tx
from queue_db.tickets import TicketConfigRecord, TicketEventRecord, TicketPostRecord, TicketRecord

log = logging.getLogger("oyez.tickets")
#: Post states after which the next post of the thread may go.
FINISHED = ("sent", "partly_sent", "failed", "expired", "cancelled")


@contextmanager
def store_tx(ctx: Context) -> Iterator[Tx]:
    """Like ``ctx.tx()``, but a unique-key conflict stays a :class:`Conflict` to retry on."""
    try:
        with ctx.store.begin() as tx:
            yield tx
    except Conflict:
        raise
    except NotFound as exc:
        raise NotFoundError(str(exc)) from None
    except StoreError as exc:
        raise StorageProblem(str(exc)) from None


# -- 1. flush ----------------------------------------------------------------------------


def _cut(
    events: Sequence[TicketEventRecord], coalesce: int, now: datetime
) -> tuple[list[TicketEventRecord], list[TicketEventRecord]]:
    """The first closed burst of ``events`` and the rest; ([], events) if still open."""
    if not events:
        return [], []
    if coalesce <= 0:
        return [events[0]], list(events[1:])
    end = events[0].received_at + timedelta(seconds=coalesce)
    burst: list[TicketEventRecord] = []
    for index, event in enumerate(events):
        if event.received_at >= end:
            return burst, list(events[index:])
        burst.append(event)
        if event.status == "resolved":
            return burst, list(events[index + 1 :])
    return (burst, []) if now >= end else ([], list(events))


def flush(ctx: Context, ticket_id: int, cfg: TicketConfigRecord) -> None:
    """Turn every closed burst of the ticket's waiting events into a thread-post claim."""
    now = ctx.clock()
    with store_tx(ctx) as tx:
        ticket_db.update_ticket(tx, ticket_id, updated_at=now)  # the lock: first write
        ticket = ticket_db.ticket_by_id(tx, ticket_id)
        waiting = ticket_db.unassigned_events(tx, ticket_id)
        seq = len(ticket_db.thread(tx, ticket_id)) + 1
        while waiting:
            burst, waiting = _cut(waiting, cfg.coalesce_seconds, now)
            if not burst:
                break
            status = burst[-1].status
            kind = "first" if seq == 1 else ("closing" if status == "resolved" else "update")
            claim = ticket_db.add_post(
                tx,
                ticket_id=ticket_id,
                seq=seq,
                source_key=f"ticket:{ticket.external_id}:{seq}",
                kind=kind,
                status=status,
            )
            assert claim.id is not None
            ticket_db.assign_events(tx, [e.id for e in burst if e.id is not None], claim.id)
            seq += 1


# -- 2. make -----------------------------------------------------------------------------


def post_text(
    cfg: TicketConfigRecord,
    ticket: TicketRecord,
    claim: TicketPostRecord,
    burst: Sequence[TicketEventRecord],
) -> str:
    """The text of one thread post: its template filled with the ticket and its burst."""
    template = {"first": cfg.template, "closing": cfg.closing_template}.get(
        claim.kind, cfg.update_template
    )
    text = next((e.text for e in reversed(burst) if e.text), None)
    url = ticket.url or (
        cfg.link_template.replace("{id}", ticket.external_id) if cfg.link_template else ""
    )
    impact = ticket.impact or "Incident"
    values = {
        "id": ticket.external_id,
        "title": ticket.title,
        "status": claim.status,
        "impact": impact[:1].upper() + impact[1:],
        "service": ticket.service,
        "text": text or (ticket.text if claim.kind == "first" else ""),
        "url": url,
    }
    return templates.render(template, values)


def _bot(ctx: Context, cfg: TicketConfigRecord) -> Context:
    bot = replace(ctx, actor=BOT)
    if cfg.mode == "review":
        # Review mode: every ticket post waits for an approver, whatever auto_sources says.
        approval = ctx.settings.approval.model_copy(
            update={
                "auto_sources": [s for s in ctx.settings.approval.auto_sources if s != "ticket"],
                "auto_channels": [],
            }
        )
        bot = replace(bot, settings=ctx.settings.model_copy(update={"approval": approval}))
    return bot


def _create(
    ctx: Context, cfg: TicketConfigRecord, claim: TicketPostRecord, text: str, parent: int | None
) -> tuple[int, bool]:
    bot = _bot(ctx, cfg)

    def make() -> int:
        return posts.create_post(
            bot,
            text,
            cfg.channels,
            source="ticket",
            source_key=claim.source_key,
            urgent=cfg.urgent,
            thread_parent_id=parent,
        ).id

    post_id, made = create_once(ctx, claim.source_key, make)

    def in_review(view: PostView) -> None:
        _review(ctx, bot, cfg, view.id, checks.has_errors(view.findings))

    submit_draft(bot, post_id, in_review)
    return post_id, made


def _review(
    ctx: Context, bot: Context, cfg: TicketConfigRecord, post_id: int, errors: bool
) -> None:
    if errors:
        action = hold_or_drop(bot, post_id, "ticket_post")
        with ctx.tx() as tx:
            tx.log(BOT, action, post_id=post_id, reason="error findings")
        log.warning("ticket post %s has error findings: %s", post_id, action)
    elif cfg.mode == "auto":
        # Auto mode with "ticket" taken out of approval.auto_sources: the person
        # who set auto mode signed ticket posts off, so approve in their name.
        posts.approve_post(replace(ctx, actor=cfg.updated_by), post_id)


def make(ctx: Context, ticket_id: int, cfg: TicketConfigRecord) -> int:
    """Make the post of every claim not yet made; return how many this call made."""
    with ctx.tx() as tx:
        ticket = ticket_db.ticket_by_id(tx, ticket_id)
        thread = ticket_db.thread(tx, ticket_id)
        events = ticket_db.events_of(tx, ticket_id)
    first = thread[0].post_id if thread else None
    made = 0
    for claim in thread:
        if claim.state != "claimed":
            continue
        if claim.seq > 1 and first is None:
            break  # the first post must exist before a reply can point at it
        burst = [e for e in events if e.ticket_post_id == claim.id]
        text = post_text(cfg, ticket, claim, burst)
        post_id, new = _create(ctx, cfg, claim, text, first if claim.seq > 1 else None)
        made += int(new)
        assert claim.id is not None
        with ctx.tx() as tx:
            ticket_db.move_post(tx, claim.id, "claimed", state="held", post_id=post_id)
        if claim.seq == 1:
            first = post_id
    return made


# -- 3. release --------------------------------------------------------------------------


def _state(states: Mapping[int, str], post_id: int | None) -> str:
    return states.get(post_id, "none") if post_id is not None else "none"


def release(ctx: Context, ticket_id: int, cfg: TicketConfigRecord) -> None:
    """Schedule the next post of the thread if the one before it has finished."""
    bot = _bot(ctx, cfg)
    while True:
        with ctx.tx() as tx:
            thread = ticket_db.thread(tx, ticket_id)
            states = {c.post_id: post_db.get(tx, c.post_id).state for c in thread if c.post_id}
        nxt = next((c for c in thread if c.state in ("claimed", "held")), None)
        if nxt is None or nxt.state == "claimed" or nxt.post_id is None or nxt.id is None:
            return
        before = [c for c in thread if c.seq < nxt.seq]
        if any(c.state != "dropped" and _state(states, c.post_id) not in FINISHED for c in before):
            return
        state = states[nxt.post_id]
        if state in ("draft", "in_review"):
            return  # waits for an approver; the thread waits with it
        now = ctx.clock()
        target = "dropped" if state == "cancelled" else "released"
        with ctx.tx() as tx:
            won = ticket_db.move_post(tx, nxt.id, "held", state=target, released_at=now)
        if not won:
            continue
        if state == "approved":
            try:
                posts.schedule_post(bot, nxt.post_id, now)
            except IllegalTransition:
                with ctx.tx() as tx:
                    ticket_db.move_post(tx, nxt.id, "released", state="held", released_at=None)
                return
            return  # the next one waits until this one has finished


def pump(ctx: Context, ticket_id: int, cfg: TicketConfigRecord) -> int:
    """Flush, make and release one ticket's thread; return how many posts were made."""
    flush(ctx, ticket_id, cfg)
    made = make(ctx, ticket_id, cfg)
    release(ctx, ticket_id, cfg)
    return made
