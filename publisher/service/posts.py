"""The post lifecycle: draft → in_review → approved → scheduled → sent | partly_sent | failed.

``cancelled`` is reachable from any state before sending. Editing an approved
or scheduled post sends it back to review. Every transition writes an Event
with the acting user, in the same transaction as the change.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from publisher.context import Context
from publisher.errors import (
    ApprovalBlocked,
    IllegalTransition,
    InvalidInput,
    PermissionDenied,
)
from publisher.service.views import PostView
from queue_db.models import Channel, Post
from queue_db.store import Tx

EDITABLE = ("draft", "in_review", "approved", "scheduled")
CANCELLABLE = ("draft", "in_review", "approved", "scheduled")
SOURCES = ("manual", "feed", "tip", "ticket", "import")
STATES = (
    "draft",
    "in_review",
    "approved",
    "scheduled",
    "sent",
    "partly_sent",
    "failed",
    "expired",
    "cancelled",
)
MAX_TEXT = 100_000


def _run_checks(
    ctx: Context, text: str, targets: Sequence[tuple[str, str]], source: str
) -> list[dict[str, Any]]:
    # Imported on first use: the rule engine is slow to import, and most commands never check.
    from publisher.service.checks import run

    return run(ctx, text, targets, source)


def _has_errors(findings: Sequence[dict[str, Any]]) -> bool:
    from publisher.service.checks import has_errors

    return has_errors(findings)


def _view(tx: Tx, post: Post) -> PostView:
    assert post.id is not None
    return PostView.of(post, tx.deliveries(post.id))


def _channels(tx: Tx, names: Sequence[str]) -> list[Channel]:
    seen: list[Channel] = []
    for name in names:
        channel = tx.channel(name.strip())
        if channel not in seen:
            seen.append(channel)
    return seen


def _check_text(text: str) -> str:
    if not text.strip():
        raise InvalidInput("the post's text is empty")
    if len(text) > MAX_TEXT:
        raise InvalidInput(f"the post's text is longer than {MAX_TEXT} characters")
    return text


def _move(tx: Tx, post: Post, allowed: Sequence[str], to: str, action: str, **changes: Any) -> None:
    if post.state not in allowed or not tx.transition_post(post, allowed, to, **changes):
        raise IllegalTransition(
            f"cannot {action} post {post.id}: it is {post.state}"
            + (f" (only {', '.join(allowed)} posts can be {_past(action)})" if allowed else "")
        )


def _past(action: str) -> str:
    return {
        "submit": "submitted",
        "approve": "approved",
        "reject": "rejected",
        "schedule": "scheduled",
        "cancel": "cancelled",
        "edit": "edited",
    }.get(action, action)


def create_post(
    ctx: Context,
    text: str,
    channels: Sequence[str] = (),
    *,
    at: datetime | None = None,
    media: Sequence[dict[str, str]] = (),
    source: str = "manual",
    source_key: str | None = None,
    urgent: bool = False,
    variants: dict[str, str] | None = None,
    thread_parent_id: int | None = None,
) -> PostView:
    """Create a draft. ``at`` is the wished-for time, used when it is approved."""
    _check_text(text)
    if source not in SOURCES:
        raise InvalidInput(f"unknown source {source!r} (one of {', '.join(SOURCES)})")
    with ctx.tx() as tx:
        targets = _channels(tx, channels)
        post = tx.add(
            Post(
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
        )
        tx.set_post_channels(post, targets)
        tx.log(
            ctx.actor, "created", post_id=post.id, source=source, channels=[c.name for c in targets]
        )
        return _view(tx, post)


def get_post(ctx: Context, post_id: int) -> PostView:
    with ctx.tx() as tx:
        return _view(tx, tx.post(post_id))


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
        channel_id = tx.channel(channel).id if channel else None
        posts = tx.posts(
            states=states,
            source=source,
            channel_id=channel_id,
            search=search,
            limit=limit,
            offset=offset,
        )
        deliveries = tx.deliveries_for_posts([p.id for p in posts if p.id is not None])
        return [PostView.of(p, deliveries[p.id]) for p in posts if p.id is not None]


def edit_post(
    ctx: Context, post_id: int, text: str, channels: Sequence[str] | None = None
) -> PostView:
    """Change the text (and channels). An approved or scheduled post goes back to review."""
    _check_text(text)
    with ctx.tx() as tx:
        post = tx.post(post_id)
        if post.state not in EDITABLE:
            raise IllegalTransition(f"cannot edit post {post_id}: it is {post.state}")
        was = post.state
        to = "draft" if was == "draft" else "in_review"
        findings = (
            _run_checks(ctx, text, _channel_names(tx, post, channels), post.source)
            if to == "in_review"
            else []
        )
        _move(
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
            tx.set_post_channels(post, _channels(tx, channels))
        assert post.id is not None
        if was in ("approved", "scheduled"):
            tx.hold_deliveries(post.id)
        tx.log(ctx.actor, "edited", post_id=post.id, previous_state=was)
        return _view(tx, post)


def _channel_names(
    tx: Tx, post: Post, override: Sequence[str] | None = None
) -> list[tuple[str, str]]:
    if override is not None:
        return [(c.name, c.kind) for c in _channels(tx, override)]
    assert post.id is not None
    return [(c.name, c.kind) for _, c in tx.deliveries(post.id)]


def submit_post(ctx: Context, post_id: int) -> PostView:
    """Send a draft to sign-off; the guideline findings are stored with it.

    Posts whose source or channels need no sign-off are approved at once.
    """
    with ctx.tx() as tx:
        post = tx.post(post_id)
        targets = _channel_names(tx, post)
        if not targets:
            raise InvalidInput(f"post {post_id} has no channels: add some with --to")
        findings = _run_checks(ctx, post.text, targets, post.source)
        _move(tx, post, ("draft",), "in_review", "submit", findings=findings, review_comment=None)
        tx.log(ctx.actor, "submitted", post_id=post.id, findings=len(findings))
        if _needs_no_signoff(ctx, post, targets) and not _has_errors(findings):
            _approve(ctx, tx, post, actor="oyez", reason=None)
        return _view(tx, post)


def _needs_no_signoff(ctx: Context, post: Post, targets: list[tuple[str, str]]) -> bool:
    approval = ctx.settings.approval
    if post.source in approval.auto_sources:
        return True
    return bool(targets) and all(name in approval.auto_channels for name, _ in targets)


def approve_post(ctx: Context, post_id: int, *, override: str | None = None) -> PostView:
    """Approve a post in review. Error findings need ``override`` (a reason, kept)."""
    with ctx.tx() as tx:
        post = tx.post(post_id)
        if post.state != "in_review":
            raise IllegalTransition(
                f"cannot approve post {post_id}: it is {post.state}, not in_review"
            )
        if post.author == ctx.actor and not ctx.settings.approval.allow_self:
            raise PermissionDenied(
                f"{ctx.actor} wrote post {post_id} and may not approve it "
                "(ask another approver, or set approval.allow_self)"
            )
        errors = [f for f in post.findings if f.get("severity") == "error"]
        if errors and not (override and override.strip()):
            rules = ", ".join(sorted({str(f.get("rule")) for f in errors}))
            raise ApprovalBlocked(
                f"post {post_id} has {len(errors)} error finding(s) ({rules}): fix them, or "
                'approve with --override "REASON"'
            )
        _approve(
            ctx, tx, post, actor=ctx.actor, reason=override.strip() if errors and override else None
        )
        return _view(tx, post)


def _approve(ctx: Context, tx: Tx, post: Post, *, actor: str, reason: str | None) -> None:
    _move(
        tx, post, ("in_review",), "approved", "approve", approved_by=actor, override_reason=reason
    )
    tx.log(actor, "approved", post_id=post.id, override_reason=reason)
    if reason:
        tx.log(
            actor,
            "overrode",
            post_id=post.id,
            reason=reason,
            rules=sorted(
                {str(f.get("rule")) for f in post.findings if f.get("severity") == "error"}
            ),
        )
    if post.scheduled_at is not None:
        _schedule(ctx, tx, post, post.scheduled_at, actor=actor)


def reject_post(ctx: Context, post_id: int, comment: str) -> PostView:
    """Send a post in review back to its author as a draft, with a comment."""
    if not comment.strip():
        raise InvalidInput("a rejection needs a comment for the author")
    with ctx.tx() as tx:
        post = tx.post(post_id)
        _move(tx, post, ("in_review",), "draft", "reject", review_comment=comment.strip())
        tx.log(ctx.actor, "rejected", post_id=post.id, comment=comment.strip())
        return _view(tx, post)


def schedule_post(ctx: Context, post_id: int, at: datetime) -> PostView:
    """Schedule an approved post (or move a scheduled one) to ``at`` (UTC-aware)."""
    with ctx.tx() as tx:
        post = tx.post(post_id)
        if post.state not in ("approved", "scheduled"):
            raise IllegalTransition(
                f"cannot schedule post {post_id}: it is {post.state} (approve it first)"
            )
        _schedule(ctx, tx, post, at, actor=ctx.actor)
        return _view(tx, post)


def _schedule(ctx: Context, tx: Tx, post: Post, at: datetime, *, actor: str) -> None:
    assert post.id is not None
    deliveries = tx.deliveries(post.id)
    busy = [c.name for d, c in deliveries if d.state not in ("pending", "held")]
    if busy:
        raise IllegalTransition(
            f"cannot reschedule post {post.id}: delivery to {', '.join(busy)} has already started"
        )
    grace = ctx.settings.delivery.grace_minutes.get(post.source)
    expires = at + timedelta(minutes=grace) if grace is not None else None
    _move(
        tx,
        post,
        ("approved", "scheduled"),
        "scheduled",
        "schedule",
        scheduled_at=at,
        expires_at=expires,
    )
    tx.schedule_deliveries(post.id, at)
    tx.log(actor, "scheduled", post_id=post.id, at=at.isoformat())


def cancel_post(ctx: Context, post_id: int) -> PostView:
    with ctx.tx() as tx:
        post = tx.post(post_id)
        assert post.id is not None
        if post.state in ("sent", "partly_sent"):
            raise IllegalTransition(
                f"post {post_id} is already {post.state}: use `oyez post retract` to delete "
                "it from the networks"
            )
        started = [c.name for d, c in tx.deliveries(post.id) if d.state not in ("pending", "held")]
        if started:
            raise IllegalTransition(
                f"cannot cancel post {post_id}: delivery to {', '.join(started)} has already started"
            )
        _move(tx, post, CANCELLABLE, "cancelled", "cancel")
        tx.hold_deliveries(post.id, state="cancelled")
        tx.log(ctx.actor, "cancelled", post_id=post.id)
        return _view(tx, post)


def post_history(ctx: Context, post_id: int) -> list[dict[str, Any]]:
    with ctx.tx() as tx:
        tx.post(post_id)
        return [
            {"at": e.at.isoformat(), "actor": e.actor, "action": e.action, "detail": e.detail}
            for e in reversed(tx.events(post_id=post_id))
        ]
