"""What a person does to one delivery: send it again, give up on it, or settle it by hand.

Retry and cancel act on one (post, channel) that has not gone out there.
Resolving settles a delivery that needs attention. The engine leaves a delivery ``needs_attention`` when it cannot tell whether
the post went out (a webhook that cannot be asked, a look-back outrun, an
answer it could not read) and never retries it on a guess. A person checks
the account and says which it was: published (with its id or URL, so it can
be retracted later), or not published, which puts it back on the queue, due
now. Either way the audit log keeps who said so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from publisher.context import Context
from publisher.context.serialise import JSONView
from publisher.errors import IllegalTransition, InvalidInput, NotFoundError
from queue_db import channels as channel_db
from queue_db import posts as post_db
from queue_db.deliveries import plan, read
from queue_db.errors import NotFound, WrongState
from queue_db.states import DeliveryState, ErrorKind, PostState

#: Post states from which a delivery may go back on the queue: signed off, not edited since.
REQUEUE_FROM = (PostState.SCHEDULED, PostState.FAILED, PostState.PARTLY_SENT)


def retry_delivery(ctx: Context, post_id: int, channel: str) -> DeliveryState:
    """Send a failed, expired or needs-attention delivery again, now; return its old state."""
    with ctx.tx() as tx:
        row = channel_db.by_name(tx, channel)
        try:
            was = plan.retry(tx, post_id, row.id, ctx.clock())
        except NotFound:
            raise NotFoundError(f"post {post_id} has no delivery to {channel!r}") from None
        except WrongState as exc:
            raise IllegalTransition(
                f"cannot retry post {post_id} on {channel}: it is "
                f"{DeliveryState(exc.state).words} (only failed, expired or needs-attention "
                "deliveries are retried)"
            ) from None
        tx.log(ctx.actor, "retried", post_id=post_id, channel_id=row.id, previous_state=was)
        return was


def cancel_delivery(ctx: Context, post_id: int, channel: str) -> DeliveryState:
    """Give up on one channel of a post that has not gone out there; return its old state."""
    with ctx.tx() as tx:
        row = channel_db.by_name(tx, channel)
        try:
            was = plan.cancel(tx, post_id, row.id, ctx.clock())
        except NotFound:
            raise NotFoundError(f"post {post_id} has no delivery to {channel!r}") from None
        except WrongState as exc:
            raise IllegalTransition(
                f"cannot cancel post {post_id} on {channel}: it is already "
                f"{DeliveryState(exc.state).words}"
            ) from None
        tx.log(ctx.actor, "delivery_cancelled", post_id=post_id, channel_id=row.id, was=was)
        return was


@dataclass(frozen=True)
class Resolved(JSONView):
    post_id: int
    channel: str
    #: The delivery's new state: ``sent`` or ``pending``.
    state: DeliveryState
    post_state: PostState


def resolve_delivery(
    ctx: Context,
    post_id: int,
    channel: str,
    *,
    published: bool,
    remote_id: str | None = None,
    remote_url: str | None = None,
) -> Resolved:
    """Say whether post ``post_id`` went out on ``channel`` after all."""
    remote_id = (remote_id or "").strip() or None
    remote_url = (remote_url or "").strip() or None
    if published and remote_id is None:
        raise InvalidInput(
            "give the post's id on the network (--id): replies thread under it and "
            "retracting deletes it by it; --url is optional"
        )
    if not published and (remote_id or remote_url):
        raise InvalidInput("--not-published takes no --id or --url")
    now = ctx.clock()
    with ctx.tx() as tx:
        post = post_db.get(tx, post_id)
        found = [(d, c) for d, c in read.of_post(tx, post_id) if c.name == channel]
        if not found:
            raise NotFoundError(f"post {post_id} has no delivery to channel {channel!r}")
        delivery, row = found[0]
        if delivery.state != DeliveryState.NEEDS_ATTENTION:
            raise IllegalTransition(
                f"post {post_id} on {channel} is {delivery.state.words}: "
                "only a delivery that needs attention is settled by hand"
            )
        if not published and post.state not in REQUEUE_FROM:
            # Edited since (back in review) or cancelled: sending it now would
            # publish what nobody signed off.
            raise IllegalTransition(
                f"post {post_id} is {post.state.words}: it can be sent again "
                "once it is approved and scheduled"
            )
        if published:
            values: dict[str, Any] = {
                "state": DeliveryState.SENT,
                "sent_at": now,
                "remote_id": remote_id,
                "remote_url": remote_url,
                "final_text": post.text_for(row.name, row.kind),
                "next_attempt_at": None,
                "error_kind": None,
                "last_error": None,
            }
        else:
            values = {
                "state": DeliveryState.PENDING,
                "next_attempt_at": now,
                "attempts": 0,  # a person asked for it: a fresh set of tries
                "checks": 0,
                "error_kind": ErrorKind.RETRYABLE,
                "last_error": f"not published, {ctx.actor} checked: sending again",
            }
        if not plan.resolve_attention(tx, delivery.id, now, **values):
            raise IllegalTransition(f"post {post_id} on {channel} changed meanwhile: look again")
        tx.log(
            ctx.actor,
            "resolved",
            post_id=post_id,
            channel_id=row.id,
            published=published,
            remote_id=remote_id,
            remote_url=remote_url,
            was=delivery.last_error,
        )
        state = post_db.get(tx, post_id).state
    return Resolved(post_id, channel, DeliveryState(values["state"]), state)
