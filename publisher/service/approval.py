"""Sign-off of a post in review: who may approve it, approval (one or two
sign-offs, an override reason for error findings) and rejection back to its author.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from publisher.context import Context
from publisher.errors import (
    ApprovalBlocked,
    IllegalTransition,
    InvalidInput,
    OyezError,
    PermissionDenied,
)
from publisher.service import signoff
from publisher.service.post_moves import SYSTEM, move, schedule_at, view
from publisher.service.views import PostView
from queue_db import inbox as inbox_db
from queue_db import posts as post_db
from queue_db.posts import PostRecord
from queue_db.states import PostState, Source
from queue_db.store import Tx

if TYPE_CHECKING:
    from publisher.guidelines import Target


def needs_no_signoff(ctx: Context, post: PostRecord, targets: Sequence[Target]) -> bool:
    """By its source or channels (an inbox reply may also be waived: :func:`waived_reply`)."""
    approval = ctx.settings.approval
    if post.source in approval.auto_sources:
        return True
    if bool(targets) and all(t.name in approval.auto_channels for t in targets):
        return True
    return post.source == Source.ALERT and is_alert_channel(ctx, targets)


def is_alert_channel(ctx: Context, targets: Sequence[Target]) -> bool:
    """Whether ``targets`` is just the webhook channel ``inbox.spike_channel`` names."""
    name = ctx.settings.inbox.spike_channel
    return bool(name) and [(t.name, t.kind) for t in targets] == [(name, "webhook")]


def waived_reply(ctx: Context, tx: Tx, post: PostRecord) -> bool:
    """An inbox reply by someone ``approval.replies_without_review`` names."""
    assert post.id is not None
    if post.author not in ctx.settings.approval.replies_without_review:
        return False
    return bool(inbox_db.reply_targets(tx, [post.id]))


def approval_refused(ctx: Context, post_id: int, state: str, author: str) -> OyezError | None:
    """Why ``ctx.actor`` may not approve this post whatever the findings, or None.

    Interfaces ask this before asking for an override reason, so nobody types
    a reason for an approval that is refused anyway.
    """
    refused = _state_refused(ctx, post_id, state, author)
    if refused is not None:
        return refused
    with ctx.tx() as tx:
        return _signoff_refused(ctx, tx, post_db.get(tx, post_id))


def approvals_refused(ctx: Context, post_ids: Sequence[int]) -> dict[int, str]:
    """Why the acting person may not approve each of these posts (only those refused)."""
    out: dict[int, str] = {}
    with ctx.tx() as tx:
        for post_id in post_ids:
            post = post_db.get(tx, post_id)
            refused = _state_refused(ctx, post_id, post.state, post.author) or _signoff_refused(
                ctx, tx, post
            )
            if refused is not None:
                out[post_id] = str(refused)
    return out


def _signoff_refused(ctx: Context, tx: Tx, post: PostRecord) -> OyezError | None:
    """The acting login's right to sign off (PostgreSQL), and a second sign-off by a second name."""
    why = signoff.signoff_refused(ctx, tx, post)
    if why is not None:
        return PermissionDenied(why)
    if ctx.actor in signoff.signers(post.approved_by):
        return PermissionDenied(
            f"{ctx.actor} has already signed off post {post.id}: it needs another approver"
        )
    return None


def _state_refused(ctx: Context, post_id: int, state: str, author: str) -> OyezError | None:
    if state != PostState.IN_REVIEW:
        words = PostState(state).words
        return IllegalTransition(f"cannot approve post {post_id}: it is {words}, not in review")
    if author == ctx.actor and not ctx.settings.approval.allow_self:
        return PermissionDenied(
            f"{ctx.actor} wrote post {post_id} and may not approve it "
            "(ask another approver, or set approval.allow_self)"
        )
    return None


def approve_post(ctx: Context, post_id: int, *, override: str | None = None) -> PostView:
    """Approve a post in review. Error findings need ``override`` (a reason, kept)."""
    with ctx.tx() as tx:
        return view(tx, approve_checked(ctx, tx, post_db.get(tx, post_id), override=override))


def approve_checked(
    ctx: Context, tx: Tx, post: PostRecord, *, override: str | None = None
) -> PostRecord:
    """:func:`approve_post` inside the caller's transaction: every refusal still applies."""
    refused = _state_refused(ctx, post.id, post.state, post.author) or _signoff_refused(
        ctx, tx, post
    )
    if refused is not None:
        raise refused
    errors = [f for f in post.findings if f.get("severity") == "error"]
    if errors and not (override and override.strip()):
        rules = ", ".join(sorted({str(f.get("rule")) for f in errors}))
        raise ApprovalBlocked(
            f"post {post.id} has {len(errors)} error finding(s) ({rules}): fix them, or "
            'approve with --override "REASON"'
        )
    return approve(
        ctx, tx, post, actor=ctx.actor, reason=override.strip() if errors and override else None
    )


def approve(
    ctx: Context, tx: Tx, post: PostRecord, *, actor: str, reason: str | None
) -> PostRecord:
    names = [*signoff.signers(post.approved_by), actor] if actor != SYSTEM else [actor]
    needed = signoff.approvals_needed(tx, post.id) if actor != SYSTEM else 1
    done = len(names) >= needed
    post = move(
        tx,
        post,
        (PostState.IN_REVIEW,),
        PostState.APPROVED if done else PostState.IN_REVIEW,
        "approve",
        approved_by=",".join(names),
        override_reason=reason,
    )
    if not done:
        tx.log(actor, "signed_off", post_id=post.id, signed=len(names), needed=needed)
        return post
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
        post = schedule_at(ctx, tx, post, post.scheduled_at, actor=actor)
    return post


def reject_post(ctx: Context, post_id: int, comment: str) -> PostView:
    """Send a post in review back to its author as a draft, with a comment."""
    if not comment.strip():
        raise InvalidInput("a rejection needs a comment for the author")
    with ctx.tx() as tx:
        post = move(
            tx,
            post_db.get(tx, post_id),
            (PostState.IN_REVIEW,),
            PostState.DRAFT,
            "reject",
            review_comment=comment.strip(),
            approved_by=None,
        )
        tx.log(ctx.actor, "rejected", post_id=post.id, comment=comment.strip())
        return view(tx, post)
