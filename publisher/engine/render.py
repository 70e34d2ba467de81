"""A claimed delivery as its channel will publish it: the text variant, media, thread parent."""

from __future__ import annotations

from pathlib import Path

from channels.base import Media, Rendered
from queue_db.channels import ChannelRecord
from queue_db.deliveries import read
from queue_db.deliveries.settle import ClaimedDelivery, ClaimedPost
from queue_db.states import DeliveryState
from queue_db.store import Tx

#: A parent in one of these states has not reached its channel yet.
IN_FLIGHT = (
    DeliveryState.PENDING,
    DeliveryState.HELD,
    DeliveryState.SENDING,
    DeliveryState.UNKNOWN,
)


def delivery_key(delivery: ClaimedDelivery) -> str:
    """Stable across retries and processes: the idempotency key of a delivery."""
    return f"oyez-{delivery.post_id}-{delivery.channel_id}"


def render(
    tx: Tx, delivery: ClaimedDelivery, post: ClaimedPost, channel: ChannelRecord
) -> Rendered:
    """The delivery as the channel will publish it (text variant, media, thread parent)."""
    text = post.variants.get(channel.name) or post.variants.get(channel.kind) or post.text
    media = tuple(Media(path=Path(m["path"]), alt=m.get("alt", "")) for m in post.media)
    return Rendered(
        delivery_key=delivery_key(delivery),
        text=text,
        media=media,
        reply_to=parent_remote_id(tx, delivery, post, channel),
    )


def parent_remote_id(
    tx: Tx, delivery: ClaimedDelivery, post: ClaimedPost, channel: ChannelRecord
) -> str | None:
    """The remote id to thread under: the parent post's, or the inbox item's it answers."""
    if post.thread_parent_id is None:
        return delivery.answers
    for d, c in read.of_post(tx, post.thread_parent_id):
        if c.id == channel.id:
            return d.remote_id
    return None


def parent_in_flight(tx: Tx, post: ClaimedPost, channel: ChannelRecord) -> bool:
    """Whether the post this one threads under is still on its way to ``channel``."""
    if post.thread_parent_id is None:
        return False
    return any(
        c.id == channel.id and d.state in IN_FLIGHT
        for d, c in read.of_post(tx, post.thread_parent_id)
    )
