"""Settling a delivery that needs attention, once a person has looked at the account.

The engine leaves a delivery ``needs_attention`` when it cannot tell whether
the post went out (a webhook that cannot be asked, a look-back outrun, an
answer it could not read) and never retries it on a guess. A person checks
the account and says which it was: published (with its id or URL, so it can
be retracted later), or not published, which puts it back on the queue, due
now. Either way the audit log keeps who said so.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from publisher.context import Context
from publisher.errors import IllegalTransition, InvalidInput, NotFoundError
from queue_db import engine_outcomes

#: Post states from which a delivery may go back on the queue: signed off, not edited since.
REQUEUE_FROM = ("scheduled", "failed", "partly_sent")


@dataclass(frozen=True)
class Resolved:
    post_id: int
    channel: str
    #: The delivery's new state: ``sent`` or ``pending``.
    state: str
    post_state: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


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
        post = tx.post(post_id)
        found = [(d, c) for d, c in tx.deliveries(post_id) if c.name == channel]
        if not found:
            raise NotFoundError(f"post {post_id} has no delivery to channel {channel!r}")
        delivery, row = found[0]
        assert delivery.id is not None
        if delivery.state != "needs_attention":
            raise IllegalTransition(
                f"post {post_id} on {channel} is {delivery.state.replace('_', ' ')}: "
                "only a delivery that needs attention is settled by hand"
            )
        if not published and post.state not in REQUEUE_FROM:
            # Edited since (back in review) or cancelled: sending it now would
            # publish what nobody signed off.
            raise IllegalTransition(
                f"post {post_id} is {post.state.replace('_', ' ')}: it can be sent again "
                "once it is approved and scheduled"
            )
        if published:
            text = post.variants.get(row.name) or post.variants.get(row.kind) or post.text
            values: dict[str, Any] = {
                "state": "sent",
                "sent_at": now,
                "remote_id": remote_id,
                "remote_url": remote_url,
                "final_text": text,
                "next_attempt_at": None,
                "error_kind": None,
                "last_error": None,
            }
        else:
            values = {
                "state": "pending",
                "next_attempt_at": now,
                "attempts": 0,  # a person asked for it: a fresh set of tries
                "error_kind": "retryable",
                "last_error": f"not published, {ctx.actor} checked: sending again",
            }
        if not engine_outcomes.resolve_attention(tx, delivery.id, now, **values):
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
        tx.session.expire(post)  # its state was just written by SQL, not through the ORM
        state = post.state
    return Resolved(post_id, channel, str(values["state"]), state)
