"""How a post moves between states, shared by the lifecycle (:mod:`publisher.service.posts`)
and sign-off (:mod:`publisher.service.approval`): one checked transition, its view, and
scheduling with the deliveries it plans.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from publisher.context import Context
from publisher.errors import IllegalTransition
from publisher.service.views import PostView
from queue_db import metrics as metric_db
from queue_db import posts as post_db
from queue_db.deliveries import plan, read
from queue_db.posts import PostRecord
from queue_db.states import NOT_STARTED, PostState
from queue_db.store import Tx

#: The actor of sign-offs no person gave (sources and channels that need none).
SYSTEM = "oyez"


def view(tx: Tx, post: PostRecord) -> PostView:
    deliveries = read.of_post(tx, post.id)
    ids = [d.id for d, _ in deliveries]
    return PostView.of(post, deliveries, metric_db.latest(tx, ids), metric_db.series(tx, ids))


def move(
    tx: Tx,
    post: PostRecord,
    allowed: Sequence[PostState],
    to: PostState,
    action: str,
    **changes: Any,
) -> PostRecord:
    """``post`` moved to ``to``; IllegalTransition naming the state it is really in if not."""
    moved = (
        post_db.transition(tx, post.id, allowed, to, **changes) if post.state in allowed else None
    )
    if moved is None:
        now = post_db.get(tx, post.id).state
        only = ", ".join(s.words for s in allowed)
        raise IllegalTransition(
            f"cannot {action} post {post.id}: it is {now.words}"
            + (f" (only {only} posts can be {_past(action)})" if allowed else "")
        )
    return moved


def _past(action: str) -> str:
    return {
        "submit": "submitted",
        "approve": "approved",
        "reject": "rejected",
        "schedule": "scheduled",
        "cancel": "cancelled",
        "edit": "edited",
    }.get(action, action)


def schedule_at(ctx: Context, tx: Tx, post: PostRecord, at: datetime, *, actor: str) -> PostRecord:
    busy = [c.name for d, c in read.of_post(tx, post.id) if d.state not in NOT_STARTED]
    if busy:
        raise IllegalTransition(
            f"cannot reschedule post {post.id}: delivery to {', '.join(busy)} has already started"
        )
    grace = ctx.settings.delivery.grace_minutes.get(post.source)
    expires = at + timedelta(minutes=grace) if grace is not None else None
    post = move(
        tx,
        post,
        (PostState.APPROVED, PostState.SCHEDULED),
        PostState.SCHEDULED,
        "schedule",
        scheduled_at=at,
        expires_at=expires,
    )
    plan.schedule(tx, post.id, at)
    tx.log(actor, "scheduled", post_id=post.id, at=at.isoformat())
    return post
