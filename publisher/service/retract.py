"""Retracting a published post: delete it on each network, keep it in the archive.

The network call goes through the channel's ``delete`` (idempotent: a post
already gone counts as deleted). Only after the network said yes is the
delivery marked ``retracted``, with a ``retracted`` event; its final text,
remote id, URL and time sent stay, so the archive still says what was
published and when. A channel that refuses leaves its delivery ``sent`` and
writes a ``retract_failed`` event; the other channels carry on.
"""

from __future__ import annotations

from dataclasses import dataclass

from channels.base import Receipt
from channels.errors import ChannelError
from publisher.context import Context
from publisher.context.serialise import JSONView
from publisher.errors import ChannelProblem, IllegalTransition, NotFoundError
from publisher.service.channels import build_channel
from queue_db import posts as post_db
from queue_db.channels import ChannelRecord
from queue_db.deliveries import DeliveryRecord, plan, read


@dataclass(frozen=True)
class Retraction(JSONView):
    """What happened on one channel."""

    channel: str
    remote_id: str | None
    remote_url: str | None
    retracted: bool
    error: str | None = None


def _targets(
    ctx: Context, post_id: int, channel: str | None
) -> list[tuple[DeliveryRecord, ChannelRecord]]:
    with ctx.tx() as tx:
        post_db.get(tx, post_id)
        deliveries = read.of_post(tx, post_id)
    if channel is not None:
        chosen = [(d, c) for d, c in deliveries if c.name == channel]
        if not chosen:
            raise NotFoundError(f"post {post_id} has no delivery to channel {channel!r}")
        delivery = chosen[0][0]
        if delivery.state != "sent":
            raise IllegalTransition(
                f"cannot retract post {post_id} from {channel}: it is {delivery.state}, not sent"
            )
        return chosen
    sent = [(d, c) for d, c in deliveries if d.state == "sent"]
    if not sent:
        states = ", ".join(f"{c.name} {d.state}" for d, c in deliveries) or "no deliveries"
        raise IllegalTransition(f"post {post_id} has nothing published to retract ({states})")
    return sent


def retract_post(ctx: Context, post_id: int, channel: str | None = None) -> list[Retraction]:
    """Delete post ``post_id`` from every network it went to (or only ``channel``).

    Raises when there is nothing to retract; otherwise returns one
    :class:`Retraction` per channel tried, failures included.
    """
    outcomes = []
    for delivery, row in _targets(ctx, post_id, channel):
        outcomes.append(_retract_one(ctx, delivery, row))
    return outcomes


def _retract_one(ctx: Context, delivery: DeliveryRecord, row: ChannelRecord) -> Retraction:
    assert delivery.id is not None
    receipt = Receipt(remote_id=delivery.remote_id or "", remote_url=delivery.remote_url)
    error = None
    if not delivery.remote_id:
        error = "no remote id was recorded when it was sent"
    else:
        try:
            live = build_channel(ctx, row)
        except ChannelProblem as exc:
            error = str(exc)
        else:
            try:
                live.delete(receipt)
            except ChannelError as exc:
                error = f"{row.name} refused: {exc}"
            finally:
                live.close()
    with ctx.tx() as tx:
        detail = {"remote_id": delivery.remote_id, "remote_url": delivery.remote_url}
        if error is None and plan.mark_retracted(tx, delivery.id):
            tx.log(ctx.actor, "retracted", post_id=delivery.post_id, channel_id=row.id, **detail)
        else:
            error = error or "it changed while it was being retracted"
            tx.log(
                ctx.actor,
                "retract_failed",
                post_id=delivery.post_id,
                channel_id=row.id,
                reason=error,
                **detail,
            )
    return Retraction(row.name, delivery.remote_id, delivery.remote_url, error is None, error)
