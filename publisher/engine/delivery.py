"""Publishing claimed deliveries, and turning channel errors into delivery states.

The promise: every (post, channel) is published exactly once, or ends in a
state that says why not. The order of commits is what keeps it:

1. claim: ``pending`` → ``sending`` with a lease (committed), a batch at a time;
2. start, right before its request: the attempt is counted and timed, if the
   lease is still held (committed); a lost lease sends nothing;
3. the network call, outside any transaction;
4. settle: ``sent`` with the remote id, or a retry or failure (committed).

A crash leaves ``sending`` rows with a lease; once the lease runs out (or at
once, when the worker is known to be dead) a row never started goes back to
``pending`` with no attempt spent, and a started one becomes ``unknown`` and
is reconciled: the channel is asked whether the post exists before anything
is sent again (:mod:`publisher.engine.settle`).
"""

from __future__ import annotations

import inspect
import logging
import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from channels.base import Channel, Receipt, Rendered
from channels.errors import ChannelError, ConfigError, OutcomeUnknown
from publisher.context import Context
from publisher.context.calendar import Calendar, CalendarError
from publisher.engine.outcome import Outcome
from publisher.engine.owners import dead_owners
from publisher.engine.pool import Builder, ChannelPool
from publisher.engine.render import parent_in_flight, render
from publisher.engine.settle import Settler
from queue_db import posts as post_db
from queue_db import settings as shared
from queue_db.channels import ChannelRecord
from queue_db.deliveries import claim, read, settle
from queue_db.deliveries import lease as leases
from queue_db.deliveries.settle import ClaimedDelivery, ClaimedPost
from queue_db.states import DeliveryState

log = logging.getLogger("oyez.engine")

#: How long a reply waits for the post it threads under before looking again.
THREAD_WAIT = timedelta(seconds=5)
#: Deliveries claimed at once. Larger batches cost less per post (one claim,
#: one load, one group write); a crisis pause is still seen within a second.
BATCH = 20
#: While a batch goes out, look at the crisis pause again after this many seconds.
CRISIS_RECHECK = 1.0


@dataclass(frozen=True)
class Claimed:
    """A claimed delivery, loaded and rendered, ready to publish or reconcile."""

    delivery: ClaimedDelivery
    post: ClaimedPost
    channel: ChannelRecord
    rendered: Rendered
    #: The post it replies to has not reached this channel yet.
    waiting_parent: bool

    @property
    def delivery_id(self) -> int:
        assert self.delivery.id is not None
        return self.delivery.id


class Deliverer:
    """Claims due deliveries and publishes them, one at a time, as ``owner``."""

    def __init__(
        self,
        ctx: Context,
        owner: str,
        *,
        rng: random.Random | None = None,
        batch: int = BATCH,
        build: Builder | None = None,
    ) -> None:
        self.ctx = ctx
        self.owner = owner
        self.batch = batch
        #: Seconds between looks at the crisis pause while a batch is going out.
        self.crisis_recheck = CRISIS_RECHECK
        self.pool = ChannelPool(ctx, build)
        self.lease = timedelta(seconds=ctx.settings.delivery.lease_seconds)
        self.settler = Settler(ctx, owner, rng or random.Random())
        #: Deliveries claimed by the batch under way: the ones whose leases the
        #: heartbeat renews. Anything else this worker once held may expire.
        self.in_flight: set[int] = set()

    def close(self) -> None:
        self.pool.close()

    # -- one round ---------------------------------------------------------------------

    def run_once(self, *, stop: threading.Event | None = None) -> Outcome:
        """Recover stalled deliveries, expire late ones, then deliver everything due.

        Stops between two deliveries when ``stop`` is set, handing back what it
        claimed but did not try.
        """
        stop = stop or threading.Event()
        outcome = Outcome()
        self.recover()
        outcome.add(self.expire())
        # Unknown outcomes are looked for first, then again whenever the last
        # look found some or the pending ones run out: not once per batch.
        unknown = True
        while not stop.is_set():
            found = (
                self._batch(DeliveryState.UNKNOWN, self.reconcile, stop, outcome) if unknown else 0
            )
            sent = self._batch(DeliveryState.PENDING, self.deliver, stop, outcome)
            if not found and not sent:
                if unknown:
                    break
                unknown = True
            else:
                unknown = found > 0
        return outcome

    def recover(self, *, mine: bool = False) -> list[int]:
        """Take back ``sending`` rows of dead workers and expired leases; return the unknown ones.

        Rows never started go back to the queue as they were; started ones
        become ``unknown``. ``mine``: this worker's own too (after a round
        failed half-way).
        """
        now = self.ctx.clock()
        with self.ctx.tx() as tx:
            dead = dead_owners(leases.lease_owners(tx), self.owner)
            if mine:
                dead.append(self.owner)
            requeued, ids = leases.recover(tx, now, dead)
            if ids or requeued:
                tx.log("oyez", "stalled", count=len(ids), requeued=len(requeued), dead_workers=dead)
        if ids:
            log.info("reconciling %d deliveries left in flight by a stopped worker", len(ids))
        if requeued:
            log.info(
                "%d deliveries a stopped worker claimed but never tried are queued again",
                len(requeued),
            )
        return ids

    def expire(self) -> Outcome:
        now = self.ctx.clock()
        with self.ctx.tx() as tx:
            posts = claim.expire_late(tx, now)
            for post_id in posts:
                post_db.roll_up(tx, post_id)
                tx.log("oyez", "expired", post_id=post_id)
        return Outcome(expired=len(posts), posts=set(posts))

    def _batch(
        self,
        state: DeliveryState,
        handle: Callable[[Claimed], Outcome],
        stop: threading.Event,
        outcome: Outcome,
    ) -> int:
        # A batch is a run of short transactions (a claim, one start per post,
        # the group writes): one connection serves them all.
        with self.ctx.store.pinned():
            return self._claim_and_handle(state, handle, stop, outcome)

    def _claim_and_handle(
        self,
        state: DeliveryState,
        handle: Callable[[Claimed], Outcome],
        stop: threading.Event,
        outcome: Outcome,
    ) -> int:
        settings = self.ctx.settings.delivery
        now = self.ctx.clock()
        # Claim and load in one transaction: one query each for the whole batch.
        with self.ctx.tx() as tx:
            if state == DeliveryState.UNKNOWN:
                ids = claim.claim_unknown(tx, self.owner, now, limit=self.batch, lease=self.lease)
            else:
                ids = claim.claim_due(
                    tx,
                    self.owner,
                    now,
                    limit=self.batch,
                    lease=self.lease,
                    urgent_only=shared.crisis(tx) is not None,
                    urgent_sources=settings.urgent_sources,
                )
            batch = [
                Claimed(d, p, c, render(tx, d, p, c), parent_in_flight(tx, p, c))
                for d, p, c in settle.load_many(tx, ids)
            ]
        if not ids:
            return 0
        self.in_flight = set(ids)
        self.settler.blocked.clear()
        # A crisis pause may begin while a batch is on a slow network. Reconciling
        # only asks the network, so a crisis does not hold it.
        watch_crisis, paused = state == DeliveryState.PENDING, False
        checked = time.monotonic()
        try:
            for index, claimed in enumerate(batch):
                if stop.is_set():
                    self._release([c.delivery_id for c in batch[index:]], state)
                    break
                if (
                    watch_crisis
                    and not paused
                    and time.monotonic() - checked >= self.crisis_recheck
                ):
                    paused = self._crisis_on()
                    checked = time.monotonic()
                if claimed.channel.id in self.settler.blocked or (
                    paused and not self._urgent(claimed.post)
                ):
                    # Rate-limited, paused, holding for an unknown outcome, or a
                    # crisis pause began during this batch.
                    self._release([claimed.delivery_id], state)
                    continue
                outcome.add(handle(claimed))
            outcome.add(self.settler.drain())
        finally:
            self.in_flight = set()
        return len(ids)

    def _crisis_on(self) -> bool:
        with self.ctx.tx() as tx:
            return shared.crisis(tx) is not None

    def _urgent(self, post: ClaimedPost) -> bool:
        return post.urgent or post.source in self.ctx.settings.delivery.urgent_sources

    def _release(self, ids: Sequence[int], state: DeliveryState) -> None:
        with self.ctx.tx() as tx:
            settle.release(tx, ids, self.owner, self.ctx.clock(), state=state)

    # -- publishing --------------------------------------------------------------------

    def deliver(self, claimed: Claimed) -> Outcome:
        """Publish one claimed delivery and settle it."""
        delivery, post, channel_row = claimed.delivery, claimed.post, claimed.channel
        now = self.ctx.clock()
        opens = self._opens_at(channel_row, post, now)
        if opens is not None:
            return self.settler.defer(delivery, opens, "waiting: quiet hours or a blackout date")
        if claimed.waiting_parent:
            return self.settler.defer(
                delivery, now + THREAD_WAIT, "waiting for the post it replies to"
            )
        # Counted and committed before the request: from here on a crash leaves
        # it to reconciliation; before, it goes back to the queue uncharged.
        with self.ctx.tx() as tx:
            attempts = leases.start(tx, delivery.id, self.owner, self.ctx.clock())
        if attempts is None:
            log.warning("delivery %s: lease lost before its request; not sending it", delivery.id)
            return Outcome()
        delivery = replace(delivery, attempts=attempts)
        try:
            receipt = self.pool.get(channel_row).publish(claimed.rendered)
        except ChannelError as exc:
            return self.settler.error(delivery, channel_row, exc)
        except Exception as exc:  # a library bug must not lose the delivery
            log.exception("unexpected error publishing delivery %s", delivery.id)
            unknown = OutcomeUnknown(f"unexpected {type(exc).__name__} while publishing")
            return self.settler.error(delivery, channel_row, unknown)
        return self.settler.sent(delivery, receipt, claimed.rendered)

    def _opens_at(
        self, channel: ChannelRecord, post: ClaimedPost, now: datetime
    ) -> datetime | None:
        """When a non-urgent post may go out on ``channel``, if not now."""
        if self._urgent(post) or not (channel.quiet_hours or channel.blackout_dates):
            return None
        try:
            calendar = Calendar.of(
                channel.timezone, {}, channel.quiet_hours, channel.blackout_dates
            )
            opens = calendar.opens_at(now)
        except CalendarError as exc:
            log.warning("channel %s: ignoring its calendar: %s", channel.name, exc)
            return None
        return opens if opens > now else None

    # -- unknown outcomes --------------------------------------------------------------

    def reconcile(self, claimed: Claimed) -> Outcome:
        """Ask the channel whether an ``unknown`` delivery went out, and settle it."""
        return self.check(claimed.delivery, claimed.channel, claimed.rendered)

    def check(
        self, delivery: ClaimedDelivery, channel_row: ChannelRecord, rendered: Rendered
    ) -> Outcome:
        try:
            channel = self.pool.get(channel_row)
            # A channel plugin written before look-backs were reported has none.
            reach: int | None = getattr(channel, "lookback", None)
            found = self._find(channel, delivery, rendered)
        except ConfigError as exc:
            return self.settler.error(delivery, channel_row, exc, reconciling=True)
        except ChannelError as exc:
            return self.settler.unreadable(delivery, channel_row, exc)
        except Exception as exc:
            log.exception("unexpected error reconciling delivery %s", delivery.id)
            return self.settler.attention(
                delivery, f"cannot tell whether it was published: unexpected {type(exc).__name__}"
            )
        if found is not None:
            return self.settler.sent(delivery, found, rendered, reconciled=True)
        outrun = self._outrun(delivery, channel_row, reach)
        if outrun is not None:
            return self.settler.attention(delivery, outrun)
        return self.settler.not_found(delivery)

    def _find(
        self, channel: Channel, delivery: ClaimedDelivery, rendered: Rendered
    ) -> Receipt | None:
        """``find_existing``, told the attempt's time when the channel can page back to it."""
        if not _takes_since(channel):
            return channel.find_existing(rendered)
        with self.ctx.tx() as tx:
            since = read.attempt_started(tx, delivery.id)
        return channel.find_existing(rendered, since=since)

    def _outrun(
        self, delivery: ClaimedDelivery, row: ChannelRecord, reach: int | None
    ) -> str | None:
        """Why "not found" cannot be trusted, if more posts went out since than the look-back reads.

        With several workers, others may post to the channel while a crashed
        worker's lease runs out; its post, if it was made, is then older than
        the newest ``reach`` the channel looks through. Never guess: a person looks.
        """
        if reach is None:
            return None
        with self.ctx.tx() as tx:
            newer = read.sent_since_attempt(tx, delivery.id)
        if newer is None:
            return (
                "cannot tell whether it was published: no time of the attempt is known "
                f"(restored from an archive?), so {row.name}'s newest {reach} posts prove nothing"
            )
        if newer < reach:
            return None
        return (
            f"cannot tell whether it was published: {newer} posts went out on {row.name} "
            f"since the attempt, and the check reads only the newest {reach}; look at the "
            f"account (a larger look-back: oyez channels set {row.name} --set lookback=N)"
        )


def next_wakeup(ctx: Context) -> datetime | None:
    """When the dispatcher next has something to do (None: nothing is waiting)."""
    with ctx.tx() as tx:
        crisis = shared.crisis(tx)
        return claim.next_due(
            tx,
            ctx.clock(),
            urgent_only=crisis is not None,
            urgent_sources=ctx.settings.delivery.urgent_sources,
        )


def _takes_since(channel: Channel) -> bool:
    """Whether ``find_existing`` takes ``since`` (channel plugins older than it do not)."""
    try:
        return "since" in inspect.signature(channel.find_existing).parameters
    except (TypeError, ValueError):
        return False
