"""Turning queued ledger entries into posts, through the post lifecycle service.

Every step is idempotent, so two workers (or a worker that died half way)
end with one post per entry: the post's unique source key
``feed:<feed id>:<entry key>`` makes the second ``create_post`` fail, and the
loser carries on with the post the winner made; a lifecycle step someone
else already took is skipped. A post is ``submit``-ted (the guideline checks
run and their findings are stored). In ``review`` mode it then waits for an
approver. In ``auto`` mode it is approved by the system user and scheduled;
error findings instead hold it in review or cancel it, as
``guidelines.automated_errors`` says; they never pass silently.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from channels.length import default_limits
from publisher.context import Context
from publisher.errors import IllegalTransition, OyezError
from publisher.service import checks, compose, slots
from publisher.service import posts as lifecycle
from publisher.service.approval import approve_checked
from publisher.service.post_moves import schedule_at
from publisher.service.views import PostView
from publisher.sources.base import existing_post_id
from publisher.sources.feeds.template import EntryText, Template
from publisher.sources.feeds.text import hashtags
from queue_db import channels as channel_db
from queue_db import feeds as feed_db
from queue_db.feeds import FeedEntryRecord, FeedRecord
from queue_db.posts import PostRecord
from queue_db.states import PostState
from queue_db.store import Tx

log = logging.getLogger("oyez.feeds")

#: The user that approves and schedules ``auto`` feed posts in the audit log.
SYSTEM_ACTOR = "oyez"


@dataclass
class Drained:
    posts: int = 0
    held: int = 0
    dropped: int = 0
    failed: int = 0
    waiting: int = 0
    error: str | None = None


def source_key(feed: FeedRecord, entry: FeedEntryRecord) -> str:
    return f"feed:{feed.id}:{entry.key[:40]}"


def slot_time(ctx: Context, channels: list[str], after: datetime) -> datetime:
    """When an ``auto`` post goes out: the channels' next free slot, else at once.

    Channels without posting slots take a post at any time (quiet hours and
    blackout dates are the dispatcher's to honour). When slots exist but none
    is free, :func:`~publisher.service.slots.next_free_slot` raises and the
    entry stays queued, with the reason on the feed.
    """
    if not _has_slots(ctx, channels):
        return after
    return slots.next_free_slot(ctx, channels, after)


def fitter(ctx: Context, channel_names: list[str]) -> Callable[[str], bool]:
    """A test that a text fits every target channel, counted as each network counts."""
    limits = [
        t.limits or default_limits(t.kind) for t in compose.channel_targets(ctx, channel_names)
    ]
    return lambda text: all(limit.fits(text) for limit in limits)


def drain(ctx: Context, feed: FeedRecord) -> Drained:
    """Make posts for the feed's queued entries, oldest first, within the daily cap.

    All of a poll's posts are made in one transaction (:func:`_post_all`):
    they appear together or not at all. If that fails (another worker made
    one of them, a step is refused, the database is busy), nothing of it is
    kept and the entries are taken one by one, each step its own
    transaction, which takes on what others made and says which entry failed.
    """
    assert feed.id is not None
    out = Drained()
    now = ctx.clock()
    with ctx.tx() as tx:
        limit = None
        if feed.max_per_day:
            made = feed_db.posts_since(tx, feed.id, now - timedelta(days=1))
            limit = max(0, feed.max_per_day - made)
        queued = feed_db.waiting_entries(tx, feed.id)
    out.waiting = len(queued)
    waiting = queued if limit is None else queued[:limit]
    if not waiting:
        return out
    template = Template.parse(feed.template)
    try:
        fits = fitter(ctx, feed.channels)
        slotted = _has_slots(ctx, feed.channels)
    except OyezError as exc:
        out.error = f"cannot post: {exc}"
        return out
    if not (slotted and feed.mode == "auto"):
        # Slots are chosen against what is booked, which one transaction could not see.
        try:
            return _post_all(ctx, feed, waiting, template, fits, out)
        except OyezError as exc:
            log.info("feed %s: posting at once failed (%s); one entry at a time", feed.name, exc)
    for entry in waiting:
        try:
            outcome = _post_entry(ctx, feed, entry, template, fits)
        except OyezError as exc:
            # The entry stays queued; the next poll tries again.
            out.error = f"cannot post entry {entry.title[:60]!r}: {exc}"
            log.warning("feed %s: %s", feed.name, out.error)
            break
        setattr(out, outcome, getattr(out, outcome) + 1)
        out.waiting -= 1
    return out


def _has_slots(ctx: Context, channels: list[str]) -> bool:
    with ctx.tx() as tx:
        rows = [channel_db.by_name(tx, name) for name in channels]
    return any(slots.calendar_of(row).has_slots for row in rows)


def _text(entry: FeedEntryRecord, template: Template, fits: Callable[[str], bool]) -> str:
    payload = entry.payload or {}
    return template.fit(
        EntryText(
            title=entry.title,
            link=entry.link or "",
            summary=str(payload.get("summary", "")),
            author=str(payload.get("author", "")),
            tags=_tags(payload.get("tags")),
        ),
        fits,
    )


def _post_all(
    ctx: Context,
    feed: FeedRecord,
    waiting: list[FeedEntryRecord],
    template: Template,
    fits: Callable[[str], bool],
    before: Drained,
) -> Drained:
    """Every waiting entry's post made, taken as far as the mode allows, and settled: one transaction.

    The same steps as :func:`_post_entry`, through the lifecycle's
    in-transaction forms, with the near-duplicate window read once.
    """
    out = replace(before)
    author = replace(ctx, actor=f"feed:{feed.name}")
    system = replace(ctx, actor=SYSTEM_ACTOR)
    recent = checks.recent_index(ctx)
    with ctx.tx() as tx:
        channels = lifecycle.resolve_channels(tx, feed.channels)
        for entry in waiting:
            text = _text(entry, template, fits)
            if not text.strip():
                outcome = _record(tx, entry, _NOTHING, None, system.clock())
            else:
                key = source_key(feed, entry)
                post = lifecycle.draft(author, tx, text, channels, source="feed", source_key=key)
                post = lifecycle.submit(author, tx, post, recent=recent, channels=channels)
                post = _advance_in(system, tx, feed, post)
                done = _settled(feed, post.state, post.findings)
                outcome = _record(tx, entry, done, post.id, system.clock())
            setattr(out, outcome, getattr(out, outcome) + 1)
            out.waiting -= 1
    return out


def _advance_in(system: Context, tx: Tx, feed: FeedRecord, post: PostRecord) -> PostRecord:
    """:func:`_advance` in one transaction, for channels without slots (an auto post goes at once)."""
    if post.state == PostState.IN_REVIEW and checks.has_errors(post.findings):
        if system.settings.guidelines.automated_errors == "drop":
            return lifecycle.cancel(system, tx, post)
        _log_hold_in(tx, post.id, post.findings)
        return post
    if feed.mode != "auto":
        return post
    if post.state == PostState.IN_REVIEW:
        post = approve_checked(system, tx, post)
    if post.state == PostState.APPROVED:
        post = schedule_at(system, tx, post, system.clock(), actor=SYSTEM_ACTOR)
    return post


@dataclass(frozen=True)
class _Settled:
    """How an entry ends: its ledger status and reason, and the Drained counter to bump."""

    status: str
    reason: str | None
    counter: str


_NOTHING = _Settled("failed", "nothing to post: no title, link or summary", "failed")


def _settled(feed: FeedRecord, state: str, findings: Sequence[dict[str, Any]]) -> _Settled:
    """How an entry ends, from the state its post reached."""
    if state == PostState.CANCELLED:
        return _Settled("dropped", "guideline errors: dropped", "dropped")
    held = state == PostState.IN_REVIEW and checks.has_errors(findings)
    reason = "held in review: guideline errors" if held else None
    return _Settled("posted", reason, "held" if held and feed.mode == "auto" else "posts")


def _record(
    tx: Tx, entry: FeedEntryRecord, done: _Settled, post_id: int | None, now: datetime
) -> str:
    """Settle the entry in the ledger as ``done`` says; returns the Drained counter to bump."""
    assert entry.id is not None
    posted_at = now if done.status == "posted" else None
    feed_db.settle_entry(
        tx, entry.id, done.status, reason=done.reason, post_id=post_id, posted_at=posted_at
    )
    return done.counter


def _post_entry(
    ctx: Context,
    feed: FeedRecord,
    entry: FeedEntryRecord,
    template: Template,
    fits: Callable[[str], bool],
) -> str:
    """Make (or finish making) the post for one entry; returns the Drained counter to bump."""
    text = _text(entry, template, fits)
    if not text.strip():
        with ctx.tx() as tx:
            return _record(tx, entry, _NOTHING, None, ctx.clock())
    view = _create(ctx, feed, entry, text)
    view = _advance(ctx, feed, view)
    with ctx.tx() as tx:
        return _record(tx, entry, _settled(feed, view.state, view.findings), view.id, ctx.clock())


def _tags(value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(hashtags([str(v) for v in value]))


def _create(ctx: Context, feed: FeedRecord, entry: FeedEntryRecord, text: str) -> PostView:
    key = source_key(feed, entry)
    author = replace(ctx, actor=f"feed:{feed.name}")
    try:
        return lifecycle.create_post(author, text, feed.channels, source="feed", source_key=key)
    except OyezError:
        # Another worker (or this one, before it died) made it: carry on with that post.
        existing = existing_post_id(ctx, key)
        if existing is None:
            raise
        return lifecycle.get_post(ctx, existing)


def _advance(ctx: Context, feed: FeedRecord, view: PostView) -> PostView:
    """Take the post as far as the feed's mode allows; steps others took are skipped."""
    author = replace(ctx, actor=f"feed:{feed.name}")
    system = replace(ctx, actor=SYSTEM_ACTOR)
    steps = 0
    while steps < 4:
        steps += 1
        try:
            if view.state == "draft":
                view = lifecycle.submit_post(author, view.id)
            elif view.state == "in_review" and checks.has_errors(view.findings):
                if ctx.settings.guidelines.automated_errors == "drop":
                    view = lifecycle.cancel_post(system, view.id)
                else:
                    _log_hold(ctx, view)
                return view
            elif view.state == "in_review" and feed.mode == "auto":
                view = lifecycle.approve_post(system, view.id)
            elif view.state == "approved" and feed.mode == "auto":
                at = slot_time(ctx, feed.channels, ctx.clock())
                view = lifecycle.schedule_post(system, view.id, at)
            else:
                return view
        except IllegalTransition:
            view = lifecycle.get_post(ctx, view.id)  # someone else moved it: look again
    return view


def _log_hold(ctx: Context, view: PostView) -> None:
    with ctx.tx() as tx:
        _log_hold_in(tx, view.id, view.findings)


def _log_hold_in(tx: Tx, post_id: int, findings: Sequence[dict[str, Any]]) -> None:
    rules = sorted({str(f.get("rule")) for f in findings if f.get("severity") == "error"})
    tx.log(SYSTEM_ACTOR, "held", post_id=post_id, reason="guideline errors", rules=rules)
