"""``oyez status``: is delivery working, and what needs a person?

Workers alive (by heartbeat), the next due time, posts and deliveries by
state, the crisis pause, paused channels (with why), channels waiting out a
rate limit, deliveries waiting for another try (with why), deliveries that
need attention (with why) and credential warnings (from each channel's latest
recorded check: :mod:`publisher.service.credentials`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from publisher.context import Context
from publisher.context.serialise import JSONView
from publisher.context.times import iso
from publisher.service import credentials
from publisher.service.channels import ChannelView
from publisher.service.listening import Spike, recent_spikes
from publisher.service.pause import PauseState
from queue_db import channels as channel_db
from queue_db import posts as post_db
from queue_db import settings as shared
from queue_db import workers
from queue_db.deliveries import claim, read

#: A worker is alive if it beat within this window (workers beat every 10 s at most).
ALIVE_WINDOW = timedelta(seconds=30)


@dataclass(frozen=True)
class WorkerInfo(JSONView):
    name: str
    host: str
    pid: int
    started_at: datetime
    heartbeat_at: datetime


@dataclass(frozen=True)
class AttentionItem(JSONView):
    """A delivery nobody can tell went out: a person must check the channel."""

    post_id: int
    channel: str
    reason: str
    attempts: int
    since: datetime
    text: str


@dataclass(frozen=True)
class WaitingItem(JSONView):
    """A delivery that will be tried again, and why it has not gone out yet."""

    post_id: int
    channel: str
    reason: str
    attempts: int
    next_try: datetime | None


@dataclass(frozen=True)
class Status:
    now: datetime
    workers: tuple[WorkerInfo, ...]
    next_due: datetime | None
    posts: dict[str, int]
    deliveries: dict[str, int]
    crisis: PauseState | None
    paused: tuple[ChannelView, ...]
    rate_limited: tuple[ChannelView, ...]
    attention: tuple[AttentionItem, ...]
    #: Deliveries waiting to be tried again, with why (the first 50, soonest first).
    waiting: tuple[WaitingItem, ...] = ()
    #: Credential warnings by channel, from each channel's latest recorded check.
    credentials: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: Who is acting (the database login on PostgreSQL, the OS login on SQLite).
    login: str = ""
    #: Does the database enforce sign-off (PostgreSQL), or is it the sandbox (SQLite)?
    signoff_enforced: bool = False

    @property
    def signoff(self) -> str:
        """One line on who may sign off, for people."""
        if self.signoff_enforced:
            return f"enforced by PostgreSQL; you are {self.login}"
        return "not enforced on SQLite (single-operator sandbox; use PostgreSQL for a team)"

    #: Listening streams whose last hour was a spike (``oyez inbox``).
    spikes: tuple[Spike, ...] = ()

    @property
    def healthy(self) -> bool:
        """Workers are running and nothing is paused or waiting for a person."""
        return bool(self.workers) and not (self.crisis or self.paused or self.attention)

    def to_dict(self) -> dict[str, Any]:
        return {
            "now": iso(self.now),
            "workers": [w.to_dict() for w in self.workers],
            "next_due": iso(self.next_due),
            "posts": self.posts,
            "deliveries": self.deliveries,
            "crisis_pause": self.crisis.to_dict() if self.crisis else None,
            "paused_channels": [c.to_dict() for c in self.paused],
            "rate_limited": [c.to_dict() for c in self.rate_limited],
            "needs_attention": [a.to_dict() for a in self.attention],
            "waiting": [w.to_dict() for w in self.waiting],
            "credential_warnings": {k: list(v) for k, v in self.credentials.items()},
            "inbox_spikes": [s.to_dict() for s in self.spikes],
            "healthy": self.healthy,
            "login": self.login,
            "signoff_enforced": self.signoff_enforced,
        }


def status(ctx: Context) -> Status:
    """A snapshot of the queue and its workers, read in one transaction."""
    now = ctx.clock()
    warned = credentials.warnings(ctx)
    spikes = tuple(recent_spikes(ctx))
    with ctx.tx() as tx:
        crisis_value = shared.crisis(tx)
        alive = tuple(
            WorkerInfo(w.name, w.host, w.pid, w.started_at, w.heartbeat_at)
            for w in workers.every(tx)
            if w.heartbeat_at >= now - ALIVE_WINDOW
        )
        next_due = claim.next_due(
            tx,
            now,
            urgent_only=crisis_value is not None,
            urgent_sources=ctx.settings.delivery.urgent_sources,
            leases=False,
        )
        waiting = read.waiting_by_channel(tx)
        channels = [
            ChannelView.of(c, counts={"pending": waiting.get(c.id, 0)})
            for c in channel_db.every(tx)
        ]
        attention = tuple(
            AttentionItem(
                p.id,
                c.name,
                d.last_error or "outcome unknown",
                d.attempts,
                d.updated_at,
                p.text[:120],
            )
            for d, p, c in read.needing_attention(tx)
        )
        retrying = tuple(
            WaitingItem(d.post_id, name, d.last_error or "", d.attempts, d.next_attempt_at)
            for d, name in read.retrying(tx)
        )
        return Status(
            now=now,
            workers=alive,
            next_due=next_due,
            posts=post_db.count_by_state(tx),
            deliveries=read.counts(tx),
            crisis=PauseState.of(crisis_value) if crisis_value else None,
            paused=tuple(c for c in channels if c.paused),
            rate_limited=tuple(
                c
                for c in channels
                if c.rate_limited_until is not None and c.rate_limited_until > now
            ),
            attention=attention,
            waiting=retrying,
            credentials=warned,
            login=ctx.login,
            signoff_enforced=ctx.enforced,
            spikes=spikes,
        )


def ping(ctx: Context) -> None:
    """Reach the database (one trivial read); raises StorageProblem when it cannot."""
    with ctx.tx() as tx:
        shared.get(tx, "healthz")
