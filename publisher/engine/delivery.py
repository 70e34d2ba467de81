"""Publishing claimed deliveries, and turning channel errors into delivery states.

The promise: every (post, channel) is published exactly once, or ends in a
state that says why not. The order of commits is what keeps it:

1. claim: ``pending`` → ``sending`` with a lease (committed);
2. the network call, outside any transaction;
3. settle: ``sent`` with the remote id, or a retry/failure (committed).

A crash between 1 and 3 leaves ``sending`` with a lease that expires; the next
worker asks the channel whether the post exists before trying again.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from channels import registry
from channels.base import Channel as ChannelImpl
from channels.base import Media, Receipt, Rendered
from channels.errors import (
    AuthError,
    ChannelError,
    ConfigError,
    OutcomeUnknown,
    PermanentError,
    RateLimited,
    Retryable,
)
from publisher.service.context import Context
from queue_db import claims
from queue_db.models import Channel, Delivery, Post
from queue_db.store import Tx

log = logging.getLogger("oyez.engine")


@dataclass
class Outcome:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    attention: int = 0
    posts: set[int] = field(default_factory=set)

    def add(self, other: Outcome) -> None:
        self.sent += other.sent
        self.retried += other.retried
        self.failed += other.failed
        self.attention += other.attention
        self.posts |= other.posts


class ChannelPool:
    """Live channel clients, built once per channel and reused across deliveries."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._live: dict[int, tuple[str, ChannelImpl]] = {}

    def get(self, row: Channel) -> ChannelImpl:
        assert row.id is not None
        fingerprint = repr(sorted(row.settings.items())) + row.kind
        cached = self._live.get(row.id)
        if cached and cached[0] == fingerprint:
            return cached[1]
        if cached:
            cached[1].close()
        channel = registry.build(row.kind, row.settings, self.ctx.environ)
        self._live[row.id] = (fingerprint, channel)
        return channel

    def close(self) -> None:
        for _, channel in self._live.values():
            channel.close()
        self._live.clear()


def delivery_key(delivery: Delivery) -> str:
    """Stable across retries and processes: the idempotency key of a delivery."""
    return f"oyez-{delivery.post_id}-{delivery.channel_id}"


def render(tx: Tx, delivery: Delivery, post: Post, channel: Channel) -> Rendered:
    text = post.variants.get(channel.name) or post.variants.get(channel.kind) or post.text
    reply_to = None
    if post.thread_parent_id is not None:
        parent = tx.session.get(Post, post.thread_parent_id)
        if parent is not None and parent.id is not None:
            for d, c in tx.deliveries(parent.id):
                if c.id == channel.id and d.remote_id:
                    reply_to = d.remote_id
    media = tuple(Media(path=Path(m["path"]), alt=m.get("alt", "")) for m in post.media)
    return Rendered(delivery_key=delivery_key(delivery), text=text, media=media, reply_to=reply_to)


def backoff(attempts: int, cap_seconds: int, rng: random.Random | None = None) -> timedelta:
    """Exponential backoff with full jitter: up to 2^attempts × 5 s, capped."""
    ceiling = min(cap_seconds, 5 * 2 ** max(0, attempts - 1))
    return timedelta(seconds=(rng or random).uniform(ceiling / 2, ceiling))


class Deliverer:
    """Claims due deliveries and publishes them, one at a time, as ``owner``."""

    def __init__(self, ctx: Context, owner: str, *, rng: random.Random | None = None) -> None:
        self.ctx = ctx
        self.owner = owner
        self.pool = ChannelPool(ctx)
        self.rng = rng or random.Random()
        self.lease = timedelta(seconds=ctx.settings.delivery.lease_seconds)

    def close(self) -> None:
        self.pool.close()

    # -- one round ---------------------------------------------------------------------

    def run_once(self, *, limit: int = 50, urgent_only: bool = False) -> Outcome:
        """Reconcile expired leases, expire late posts, then deliver what is due."""
        outcome = Outcome()
        outcome.add(self.reconcile_expired())
        now = self.ctx.clock()
        with self.ctx.tx() as tx:
            for post_id in claims.expire_late(tx, now):
                claims.roll_up(tx, post_id)
                tx.log("oyez", "expired", post_id=post_id)
        while True:
            with self.ctx.tx() as tx:
                ids = claims.claim_due(
                    tx,
                    self.owner,
                    self.ctx.clock(),
                    limit=limit,
                    lease=self.lease,
                    urgent_only=urgent_only,
                )
            if not ids:
                break
            for delivery_id in ids:
                outcome.add(self.deliver(delivery_id))
            if len(ids) < limit:
                break
        return outcome

    def deliver(self, delivery_id: int) -> Outcome:
        with self.ctx.tx() as tx:
            delivery, post, channel_row = claims.load(tx, delivery_id)
            rendered = render(tx, delivery, post, channel_row)
        try:
            channel = self.pool.get(channel_row)
            receipt = channel.publish(rendered)
        except OutcomeUnknown as exc:
            return self._reconcile_now(delivery, channel_row, rendered, exc)
        except ChannelError as exc:
            return self._settle_error(delivery, channel_row, exc)
        except Exception as exc:  # a library bug must not lose the delivery
            log.exception("unexpected error publishing delivery %s", delivery_id)
            return self._settle_error(
                delivery, channel_row, OutcomeUnknown(f"unexpected {type(exc).__name__}")
            )
        return self._settle_sent(delivery, receipt, rendered)

    # -- settling ----------------------------------------------------------------------

    def _settle_sent(self, delivery: Delivery, receipt: Receipt, rendered: Rendered) -> Outcome:
        now = self.ctx.clock()
        with self.ctx.tx() as tx:
            assert delivery.id is not None
            ok = claims.settle(
                tx,
                delivery.id,
                self.owner,
                state="sent",
                remote_id=receipt.remote_id,
                remote_url=receipt.remote_url,
                sent_at=now,
                final_text=rendered.text,
                last_error=None,
                error_kind=None,
            )
            if ok:
                tx.log(
                    "oyez",
                    "sent",
                    post_id=delivery.post_id,
                    channel_id=delivery.channel_id,
                    remote_id=receipt.remote_id,
                    remote_url=receipt.remote_url,
                )
                claims.roll_up(tx, delivery.post_id)
        return Outcome(sent=1 if ok else 0, posts={delivery.post_id})

    def _settle_error(self, delivery: Delivery, channel: Channel, exc: ChannelError) -> Outcome:
        assert delivery.id is not None
        now = self.ctx.clock()
        settings = self.ctx.settings.delivery
        message = str(exc)[:500]
        out = Outcome(posts={delivery.post_id})
        with self.ctx.tx() as tx:
            if isinstance(exc, RateLimited):
                until = exc.reset_at or now + timedelta(minutes=1)
                tx.update_channel(channel.id, rate_limited_until=until)
                claims.settle(
                    tx,
                    delivery.id,
                    self.owner,
                    state="pending",
                    next_attempt_at=until,
                    last_error=message,
                    error_kind="rate_limited",
                    attempts=max(0, delivery.attempts - 1),
                )
                out.retried = 1
            elif isinstance(exc, (AuthError, ConfigError)):
                tx.update_channel(channel.id, paused=True, paused_reason=f"credentials: {message}")
                tx.log("oyez", "channel_paused", channel_id=channel.id, reason=message)
                claims.settle(
                    tx,
                    delivery.id,
                    self.owner,
                    state="pending",
                    next_attempt_at=now,
                    last_error=message,
                    error_kind="auth",
                    attempts=max(0, delivery.attempts - 1),
                )
                out.retried = 1
            elif isinstance(exc, Retryable) and delivery.attempts < settings.max_attempts:
                wait = backoff(delivery.attempts, settings.max_backoff_seconds, self.rng)
                claims.settle(
                    tx,
                    delivery.id,
                    self.owner,
                    state="pending",
                    next_attempt_at=now + wait,
                    last_error=message,
                    error_kind="retryable",
                )
                out.retried = 1
            else:
                kind = "permanent" if isinstance(exc, PermanentError) else "gave_up"
                claims.settle(
                    tx, delivery.id, self.owner, state="failed", last_error=message, error_kind=kind
                )
                tx.log(
                    "oyez",
                    "failed",
                    post_id=delivery.post_id,
                    channel_id=channel.id,
                    reason=message,
                )
                claims.roll_up(tx, delivery.post_id)
                out.failed = 1
        return out

    # -- unknown outcomes --------------------------------------------------------------

    def _reconcile_now(
        self, delivery: Delivery, channel_row: Channel, rendered: Rendered, cause: ChannelError
    ) -> Outcome:
        """The call may have published: ask the channel before anything else."""
        try:
            found = self.pool.get(channel_row).find_existing(rendered)
        except ChannelError as exc:
            return self._needs_attention(
                delivery, f"{cause}; and cannot tell whether it was published: {exc}"
            )
        if found is not None:
            return self._settle_sent(delivery, found, rendered)
        return self._settle_error(delivery, channel_row, Retryable(str(cause)))

    def _needs_attention(self, delivery: Delivery, reason: str) -> Outcome:
        assert delivery.id is not None
        with self.ctx.tx() as tx:
            claims.settle(
                tx,
                delivery.id,
                self.owner,
                state="needs_attention",
                last_error=reason[:500],
                error_kind="unknown",
            )
            tx.log(
                "oyez",
                "needs_attention",
                post_id=delivery.post_id,
                channel_id=delivery.channel_id,
                reason=reason[:500],
            )
            claims.roll_up(tx, delivery.post_id)
        return Outcome(attention=1, posts={delivery.post_id})

    def reconcile_expired(self) -> Outcome:
        """Deliveries whose worker died mid-call: find out whether they went out."""
        outcome = Outcome()
        now = self.ctx.clock()
        with self.ctx.tx() as tx:
            ids = claims.expired_leases(tx, now)
            mine = [i for i in ids if claims.take_over(tx, i, self.owner, now, self.lease)]
        for delivery_id in mine:
            with self.ctx.tx() as tx:
                delivery, post, channel_row = claims.load(tx, delivery_id)
                rendered = render(tx, delivery, post, channel_row)
            log.info("reconciling delivery %s after an expired lease", delivery_id)
            outcome.add(
                self._reconcile_now(
                    delivery, channel_row, rendered, OutcomeUnknown("a worker stopped mid-delivery")
                )
            )
        return outcome


def next_wakeup(ctx: Context) -> datetime | None:
    with ctx.tx() as tx:
        return claims.next_due(tx, ctx.clock())
