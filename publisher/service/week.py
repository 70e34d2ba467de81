"""A week of the calendar: each channel's open posting slots and the posts due."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from publisher.context import Context
from publisher.service.queue import first_line
from queue_db import posts as post_db
from queue_db.states import PostState


@dataclass(frozen=True)
class CalendarPost:
    post_id: int
    state: PostState
    at: datetime
    channel: str
    first_line: str


@dataclass(frozen=True)
class CalendarWeek:
    start: datetime
    days: int
    #: ``{channel name: [open slot times in UTC]}`` within the week.
    slots: dict[str, list[datetime]] = field(default_factory=dict)
    posts: tuple[CalendarPost, ...] = ()


def week(ctx: Context, start: datetime, days: int = 7) -> CalendarWeek:
    """Each channel's posting slots and the posts due from ``start`` (UTC) for ``days``."""
    from publisher.service.channels import list_channels
    from publisher.service.slots import slots_for

    end = start + timedelta(days=days)
    with ctx.tx() as tx:
        raw = post_db.scheduled_between(tx, start, end)
    slots = {
        c.name: [s.time for s in slots_for(ctx, c.name, start, days) if s.open]
        for c in list_channels(ctx)
    }
    posts = tuple(
        CalendarPost(
            post_id=r.post_id,
            state=r.state,
            at=r.at,
            channel=r.channel,
            first_line=first_line(r.head),
        )
        for r in raw
    )
    return CalendarWeek(start=start, days=days, slots=slots, posts=posts)
