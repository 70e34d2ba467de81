"""The post lifecycle: draft → in_review → approved → scheduled → sent | partly_sent | failed.

``cancelled`` is reachable from any state before sending. Editing an approved
or scheduled post sends it back to review. Every transition writes an Event
with the acting user, in the same transaction as the change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from publisher.context import Context
from publisher.context.controls import strip_controls
from publisher.errors import (
    IllegalTransition,
    InvalidInput,
)
from publisher.service import compose, signoff
from publisher.service.approval import (
    approval_refused,
    approvals_refused,
    approve,
    approve_post,
    needs_no_signoff,
    reject_post,
    waived_reply,
)
from publisher.service.compose import targets_of_rows
from publisher.service.post_moves import SYSTEM, move, schedule_at, view
from publisher.service.views import PostView
from queue_db import channels as channel_db
from queue_db import events
from queue_db import metrics as metric_db
from queue_db import posts as post_db
from queue_db.channels import ChannelRecord
from queue_db.deliveries import plan, read
from queue_db.posts import PostFilter, PostRecord
from queue_db.states import NOT_STARTED, POST_OPEN, DeliveryState, PostState, Source
from queue_db.store import Tx

EDITABLE = POST_OPEN
CANCELLABLE = POST_OPEN
SOURCES = tuple(Source)
STATES = tuple(PostState)
MAX_TEXT = 100_000
#: States a post can be given a (new) time in.
RESCHEDULABLE = (PostState.APPROVED, PostState.SCHEDULED)
#: Sign-off lives in :mod:`publisher.service.approval`; callers reach it here too.
__all__ = [
    "SYSTEM",
    "Channels",
    "approval_refused",
    "approvals_refused",
    "approve_post",
    "cancel",
    "cancel_post",
    "create_post",
    "draft",
    "edit_post",
    "get_post",
    "list_posts",
    "post_history",
    "reject_post",
    "resolve_channels",
    "schedule_hint",
    "schedule_post",
    "submit",
    "submit_post",
]

if TYPE_CHECKING:
    from publisher.guidelines import RecentIndex, Target


def _run_checks(
    ctx: Context,
    text: str,
    targets: Sequence[Target],
    source: str,
    recent: RecentIndex | None = None,
) -> list[dict[str, Any]]:
    # Imported on first use: the rule engine is slow to import, and most commands never check.
    from publisher.service.checks import run

    return run(ctx, text, targets, source, recent=recent)


def _has_errors(findings: Sequence[dict[str, Any]]) -> bool:
    from publisher.service.checks import has_errors

    return has_errors(findings)


def _channels(tx: Tx, names: Sequence[str]) -> list[ChannelRecord]:
    seen: dict[int, ChannelRecord] = {}
    for name in names:
        channel = channel_db.by_name(tx, name.strip())
        seen.setdefault(channel.id, channel)
    return list(seen.values())


@dataclass(frozen=True)
class Channels:
    """Channels resolved once by name, for a source making many posts to the same ones."""

    rows: list[ChannelRecord]
    #: The same channels as guideline targets, with the limits delivery will enforce.
    targets: list[Target]


def resolve_channels(tx: Tx, names: Sequence[str]) -> Channels:
    """The channels ``names`` give, in order, each once (unknown names raise NotFound)."""
    rows = _channels(tx, names)
    return Channels(rows, targets_of_rows(tx, rows))


def _check_text(text: str) -> str:
    """The text as stored: control characters stripped (every UI and source comes through here)."""
    text = strip_controls(text)
    if not text.strip():
        raise InvalidInput("the post's text is empty")
    if len(text) > MAX_TEXT:
        raise InvalidInput(f"the post's text is longer than {MAX_TEXT} characters")
    return text


def create_post(
    ctx: Context,
    text: str,
    channels: Sequence[str] = (),
    *,
    at: datetime | None = None,
    media: Sequence[dict[str, str]] = (),
    source: str = Source.MANUAL,
    source_key: str | None = None,
    urgent: bool = False,
    variants: dict[str, str] | None = None,
    thread_parent_id: int | None = None,
) -> PostView:
    """Create a draft. ``at`` is the wished-for time, used when it is approved."""
    with ctx.tx() as tx:
        post = draft(
            ctx,
            tx,
            text,
            channels,
            at=at,
            media=media,
            source=source,
            source_key=source_key,
            urgent=urgent,
            variants=variants,
            thread_parent_id=thread_parent_id,
        )
        return view(tx, post)


def draft(
    ctx: Context,
    tx: Tx,
    text: str,
    channels: Sequence[str] | Channels = (),
    *,
    at: datetime | None = None,
    media: Sequence[dict[str, str]] = (),
    source: str = Source.MANUAL,
    source_key: str | None = None,
    urgent: bool = False,
    variants: dict[str, str] | None = None,
    thread_parent_id: int | None = None,
) -> PostRecord:
    """:func:`create_post` inside the caller's transaction (a source making many posts in one).

    ``channels`` are names, or :func:`resolve_channels` of them, read once for many posts.
    """
    text = _check_text(text)
    if source not in SOURCES:
        raise InvalidInput(f"unknown source {source!r} (one of {', '.join(SOURCES)})")
    targets = channels.rows if isinstance(channels, Channels) else _channels(tx, channels)
    post = post_db.add(
        tx,
        text=text,
        author=ctx.actor,
        source=source,
        source_key=source_key,
        scheduled_at=at,
        media=list(media),
        urgent=urgent,
        variants=dict(variants or {}),
        thread_parent_id=thread_parent_id,
    )
    plan.target_new(tx, post.id, [c.id for c in targets])
    tx.log(ctx.actor, "created", post_id=post.id, source=source, channels=[c.name for c in targets])
    return post


def get_post(ctx: Context, post_id: int) -> PostView:
    with ctx.tx() as tx:
        return view(tx, post_db.get(tx, post_id))


def list_posts(
    ctx: Context,
    *,
    states: Sequence[str] = (),
    source: str | None = None,
    channel: str | None = None,
    search: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[PostView]:
    unknown = [s for s in states if s not in STATES]
    if unknown:
        raise InvalidInput(f"unknown state {unknown[0]!r} (one of {', '.join(STATES)})")
    with ctx.tx() as tx:
        channel_id = channel_db.by_name(tx, channel).id if channel else None
        flt = PostFilter(states=tuple(states), source=source, channel_id=channel_id, search=search)
        found = post_db.find(tx, flt, limit=limit, offset=offset)
        deliveries = read.of_posts(tx, [p.id for p in found])
        ids = [d.id for p in found for d, _ in deliveries[p.id]]
        reach, history = metric_db.latest(tx, ids), metric_db.series(tx, ids)
        return [PostView.of(p, deliveries[p.id], reach, history) for p in found]


def edit_post(
    ctx: Context, post_id: int, text: str, channels: Sequence[str] | None = None
) -> PostView:
    """Change the text (and channels). An approved or scheduled post goes back to review."""
    text = _check_text(text)
    with ctx.tx() as tx:
        post = post_db.get(tx, post_id)
        if post.state not in EDITABLE:
            raise IllegalTransition(f"cannot edit post {post_id}: it is {post.state.words}")
        was = post.state
        to = PostState.DRAFT if was == PostState.DRAFT else PostState.IN_REVIEW
        findings = (
            _run_checks(ctx, text, _channel_names(tx, post, channels), post.source)
            if to == PostState.IN_REVIEW
            else []
        )
        post = move(
            tx,
            post,
            EDITABLE,
            to,
            "edit",
            text=text,
            findings=findings,
            override_reason=None,
            approved_by=None,
        )
        if channels is not None:
            plan.set_targets(tx, post.id, [c.id for c in _channels(tx, channels)])
        if was in (PostState.APPROVED, PostState.SCHEDULED):
            plan.hold(tx, post.id)
        tx.log(ctx.actor, "edited", post_id=post.id, previous_state=was)
        return view(tx, post)


def _channel_names(tx: Tx, post: PostRecord, override: Sequence[str] | None = None) -> list[Target]:
    """The post's channels (or ``override``) as guideline targets with their own limits."""
    rows = (
        _channels(tx, override)
        if override is not None
        else [c for _, c in read.of_post(tx, post.id)]
    )
    return targets_of_rows(tx, rows)


def submit_post(ctx: Context, post_id: int) -> PostView:
    """Send a draft to sign-off; the guideline findings are stored with it.

    Posts whose source or channels need no sign-off are approved at once.
    """
    with ctx.tx() as tx:
        return view(tx, submit(ctx, tx, post_db.get(tx, post_id)))


def submit(
    ctx: Context,
    tx: Tx,
    post: PostRecord,
    *,
    recent: RecentIndex | None = None,
    channels: Channels | None = None,
) -> PostRecord:
    """:func:`submit_post` inside the caller's transaction.

    A caller making many posts reads once what each check needs: ``recent``
    (:func:`publisher.service.checks.recent_index`) and ``channels``, the
    post's own (:func:`resolve_channels`). Else they are read here.
    """
    targets = channels.targets if channels is not None else _channel_names(tx, post)
    if not targets:
        raise InvalidInput(f"post {post.id} has no channels: add some with --to")
    kinds = [(t.name, t.kind) for t in targets]
    if (refused := compose.media_refused(post.media, kinds)) is not None:
        raise InvalidInput(f"post {post.id}: {refused}")
    findings = _run_checks(ctx, post.text, targets, post.source, recent)
    post = move(
        tx,
        post,
        (PostState.DRAFT,),
        PostState.IN_REVIEW,
        "submit",
        findings=findings,
        review_comment=None,
    )
    tx.log(ctx.actor, "submitted", post_id=post.id, findings=len(findings))
    waived = waived_reply(ctx, tx, post)
    if (
        (waived or needs_no_signoff(ctx, post, targets))
        and not _has_errors(findings)
        and signoff.may_auto_approve(ctx, tx, post)
    ):
        if waived:
            tx.log(
                ctx.actor,
                "review_waived",
                post_id=post.id,
                reason="an inbox reply by a person approval.replies_without_review names",
            )
        post = approve(ctx, tx, post, actor=SYSTEM, reason=None)
    return post


def schedule_post(ctx: Context, post_id: int, at: datetime) -> PostView:
    """Schedule an approved post (or move a scheduled one) to ``at`` (UTC-aware)."""
    with ctx.tx() as tx:
        post = post_db.get(tx, post_id)
        if post.state not in RESCHEDULABLE:
            raise IllegalTransition(
                f"cannot schedule post {post_id}: it is {post.state.words}{schedule_hint(post.state)}"
            )
        post = schedule_at(ctx, tx, post, at, actor=ctx.actor)
        return view(tx, post)


def schedule_hint(state: PostState) -> str:
    """What to do instead, for a post in ``state`` that cannot be scheduled."""
    if state in (PostState.DRAFT, PostState.IN_REVIEW):
        return " (approve it first)"
    if state in (PostState.SENT, PostState.PARTLY_SENT):
        return " (it has gone out: it cannot be moved)"
    return ""


def cancel_post(ctx: Context, post_id: int) -> PostView:
    with ctx.tx() as tx:
        return view(tx, cancel(ctx, tx, post_db.get(tx, post_id)))


def cancel(ctx: Context, tx: Tx, post: PostRecord) -> PostRecord:
    """:func:`cancel_post` inside the caller's transaction."""
    if post.state in (PostState.SENT, PostState.PARTLY_SENT):
        raise IllegalTransition(
            f"post {post.id} is already {post.state.words}: use `oyez post retract` to "
            "delete it from the networks"
        )
    started = [c.name for d, c in read.of_post(tx, post.id) if d.state not in NOT_STARTED]
    if started:
        raise IllegalTransition(
            f"cannot cancel post {post.id}: delivery to {', '.join(started)} has already started"
        )
    post = move(tx, post, CANCELLABLE, PostState.CANCELLED, "cancel")
    plan.hold(tx, post.id, state=DeliveryState.CANCELLED)
    tx.log(ctx.actor, "cancelled", post_id=post.id)
    return post


def post_history(ctx: Context, post_id: int) -> list[dict[str, Any]]:
    with ctx.tx() as tx:
        post_db.get(tx, post_id)
        return [
            {"at": e.at.isoformat(), "actor": e.actor, "action": e.action, "detail": e.detail}
            for e in reversed(events.for_post(tx, post_id))
        ]
