"""What the delivery engine did lately: deliveries tried, sent, failed or waiting for a person."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from publisher.context import Context
from publisher.service.queue import first_line
from queue_db.deliveries import read
from queue_db.states import DeliveryState


@dataclass(frozen=True)
class ActivityRow:
    post_id: int
    channel: str
    state: DeliveryState
    at: datetime
    attempts: int
    link: str | None
    reason: str | None
    first_line: str


def activity(ctx: Context, limit: int = 200) -> list[ActivityRow]:
    """Deliveries that were tried or need a person, the most recent first."""
    with ctx.tx() as tx:
        rows = read.recent(tx, limit)
    return [
        ActivityRow(
            post_id=r.delivery.post_id,
            channel=r.channel,
            state=r.delivery.state,
            at=r.delivery.sent_at or r.delivery.updated_at,
            attempts=r.delivery.attempts,
            link=r.delivery.remote_url,
            reason=r.delivery.last_error,
            first_line=first_line(r.head),
        )
        for r in rows
    ]
