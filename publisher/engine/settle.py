"""Writing the outcome of a claimed delivery: the error policy of the engine.

* rate-limited: the channel waits until the reset; the delivery is not charged
  an attempt and goes out after the reset;
* retryable: back off exponentially with jitter, capped; fail after
  ``max_attempts``;
* auth (or settings that cannot build a client): pause the channel and say why;
* permanent: ``failed`` with the reason;
* outcome unknown: ``unknown``, reconciled after a short wait; never retried blindly;
* refused as a duplicate on a retry: it may be there from the attempt before;
  reconciled like an unknown outcome, never ``failed``.

An attempt is counted when its request starts (``lease.start``), so only
refusals that say nothing was done (rate limits, credentials) hand it back.
A failed look for an unknown outcome counts a *check*, not an attempt.

Every write goes through :func:`queue_db.deliveries.settle.settle`, which checks that this
worker still holds the lease.
"""

from __future__ import annotations

import logging
import random
import time
from datetime import datetime, timedelta
from typing import Any

from channels.base import Receipt, Rendered
from channels.errors import (
    AuthError,
    ChannelError,
    ConfigError,
    DuplicateContent,
    OutcomeUnknown,
    PermanentError,
    RateLimited,
    Retryable,
)
from publisher.context import Context
from publisher.engine.outcome import Outcome
from publisher.errors import StorageProblem
from queue_db import channels as channel_db
from queue_db import posts as post_db
from queue_db.channels import ChannelRecord
from queue_db.deliveries import settle
from queue_db.deliveries.settle import ClaimedDelivery
from queue_db.states import DeliveryState, ErrorKind
from queue_db.store import Tx

log = logging.getLogger("oyez.engine")

#: Published deliveries recorded together in one transaction. Until then a
#: crash leaves them to reconciliation, so this stays inside every channel's
#: look-back (Facebook's is the shortest, 25 posts).
GROUP = 20
#: Tries at writing a group of sent deliveries before giving up (the daemon goes on).
WRITE_ATTEMPTS = 3
#: Wait used when a 429 names no reset time.
DEFAULT_RATE_WAIT = timedelta(minutes=1)


def backoff(attempts: int, cap_seconds: float, rng: random.Random | None = None) -> timedelta:
    """Exponential backoff with jitter: between half and all of 5 s × 2^(attempts-1), capped."""
    ceiling = min(float(cap_seconds), 5.0 * 2 ** max(0, attempts - 1))
    return timedelta(seconds=(rng or random).uniform(ceiling / 2, ceiling))


def _unknown_kind(delivery: ClaimedDelivery) -> ErrorKind:
    """The kind an unknown delivery keeps while it waits: a duplicate refusal stays one."""
    return ErrorKind.DUPLICATE if delivery.error_kind == ErrorKind.DUPLICATE else ErrorKind.UNKNOWN


class Settler:
    """Settles deliveries claimed by ``owner``; remembers channels blocked in this batch.

    Successes are recorded a group at a time (:data:`GROUP`, and whatever is
    left when :meth:`drain` is called at the end of a batch): one transaction
    instead of one per post. Until then a published delivery stays
    ``sending`` under its lease, so a crash in between leaves it to
    reconciliation, which finds the post: the commit order of the promise is
    unchanged. (Writing them from a background thread while the next post
    was on the network measured slower: the two threads fight over the GIL.)
    """

    def __init__(self, ctx: Context, owner: str, rng: random.Random) -> None:
        self.ctx = ctx
        self.owner = owner
        self.rng = rng
        #: Channels rate-limited or paused during the current batch: the rest of
        #: the batch for them is handed back untried.
        self.blocked: set[int] = set()
        self._queued: list[settle.Sent] = []

    def drain(self) -> Outcome:
        """Record the published deliveries still queued; what that did.

        Raises :class:`publisher.errors.StorageProblem` if the database
        refuses; the deliveries then stay ``sending`` until reconciled.
        """
        items, self._queued = self._queued, []
        return self._write_sent(items) if items else Outcome()

    def _settle(self, tx: Tx, delivery: ClaimedDelivery, **values: Any) -> bool:
        ok = settle.settle(tx, delivery.id, self.owner, **values)
        if not ok:
            log.warning(
                "delivery %s was taken over by another worker; its outcome is theirs to settle",
                delivery.id,
            )
        return ok

    # -- good news ---------------------------------------------------------------------

    def sent(
        self,
        delivery: ClaimedDelivery,
        receipt: Receipt,
        rendered: Rendered,
        *,
        reconciled: bool = False,
    ) -> Outcome:
        """Record a published delivery: queued, written with its group (see :meth:`drain`)."""
        detail: dict[str, Any] = {"remote_id": receipt.remote_id, "remote_url": receipt.remote_url}
        if reconciled:
            detail["reconciled"] = True
        item = settle.Sent(
            delivery.id,
            delivery.post_id,
            delivery.channel_id,
            receipt.remote_id,
            receipt.remote_url,
            rendered.text,
            detail,
        )
        self._queued.append(item)
        return self.drain() if len(self._queued) >= GROUP else Outcome()

    def _write_sent(self, items: list[settle.Sent]) -> Outcome:
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            try:
                try:
                    with self.ctx.tx() as tx:
                        settle.settle_sent(tx, self.owner, items, self.ctx.clock())
                    held = [True] * len(items)
                except settle.LeaseLost:
                    with self.ctx.tx() as tx:
                        held = settle.settle_sent_each(tx, self.owner, items, self.ctx.clock())
                break
            except StorageProblem as exc:
                # A deadlock or a dropped connection rolled the group back whole;
                # writing it again is safe (each row still checks its lease).
                if attempt == WRITE_ATTEMPTS:
                    raise
                log.warning("recording sent deliveries failed (%s); trying again", exc)
                time.sleep(0.05 * attempt)
        outcome = Outcome()
        for item, ok in zip(items, held, strict=True):
            if not ok:
                log.warning(
                    "delivery %s was taken over by another worker; its outcome is theirs",
                    item.delivery_id,
                )
            outcome.add(Outcome(sent=1 if ok else 0, posts={item.post_id}))
        return outcome

    def defer(self, delivery: ClaimedDelivery, until: datetime, reason: str) -> Outcome:
        """Put a claimed delivery back untried, due at ``until``."""
        with self.ctx.tx() as tx:
            self._settle(
                tx,
                delivery,
                state=DeliveryState.PENDING,
                next_attempt_at=until,
                last_error=f"{reason} (until {until.isoformat(timespec='seconds')})",
            )
        return Outcome(deferred=1)

    # -- errors while publishing -------------------------------------------------------

    def error(
        self,
        delivery: ClaimedDelivery,
        channel: ChannelRecord,
        exc: ChannelError,
        *,
        reconciling: bool = False,
    ) -> Outcome:
        """Settle a delivery whose call (or reconciliation, if ``reconciling``) raised ``exc``."""
        now = self.ctx.clock()
        settings = self.ctx.settings.delivery
        message = str(exc)[:500]
        back = DeliveryState.UNKNOWN if reconciling else DeliveryState.PENDING
        # A refusal that did nothing hands back the attempt its request started
        # (a reconciliation started none).
        uncharged = {} if reconciling else {"attempts": max(0, delivery.attempts - 1)}
        with self.ctx.tx() as tx:
            if isinstance(exc, RateLimited):
                until = exc.reset_at or now + DEFAULT_RATE_WAIT
                until = max(until, now)
                channel_db.rate_limit(tx, channel.id, until)
                self._settle(
                    tx,
                    delivery,
                    state=back,
                    next_attempt_at=until,
                    **uncharged,
                    last_error=f"rate-limited until {until.isoformat(timespec='seconds')}",
                    error_kind=_unknown_kind(delivery) if reconciling else ErrorKind.RATE_LIMITED,
                )
                self._block(channel)
                return Outcome(retried=1)
            if isinstance(exc, AuthError | ConfigError):
                self._pause(tx, channel, f"credentials refused or missing: {message}")
                self._settle(
                    tx,
                    delivery,
                    state=back,
                    next_attempt_at=now,
                    **uncharged,
                    last_error=message,
                    error_kind=_unknown_kind(delivery) if reconciling else ErrorKind.AUTH,
                )
                return Outcome(retried=1)
            if isinstance(exc, OutcomeUnknown):
                wait = backoff(1, settings.max_backoff_seconds, self.rng)
                return self._check_later(
                    tx, delivery, channel, now + wait, f"{message}; checking before any retry"
                )
            if isinstance(exc, DuplicateContent) and not reconciling and delivery.attempts > 1:
                # The attempt before may have made it: look before deciding anything.
                wait = backoff(1, settings.max_backoff_seconds, self.rng)
                return self._check_later(
                    tx,
                    delivery,
                    channel,
                    now + wait,
                    f"{message}; an earlier attempt may have made it: checking",
                    kind=ErrorKind.DUPLICATE,
                )
            if isinstance(exc, Retryable) and delivery.attempts < settings.max_attempts:
                wait = backoff(delivery.attempts, settings.max_backoff_seconds, self.rng)
                self._settle(
                    tx,
                    delivery,
                    state=DeliveryState.PENDING,
                    next_attempt_at=now + wait,
                    last_error=message,
                    error_kind=ErrorKind.RETRYABLE,
                )
                return Outcome(retried=1)
            if isinstance(exc, Retryable):
                reason = f"gave up after {delivery.attempts} attempts: {message}"
                kind = ErrorKind.GAVE_UP
            else:
                reason = message
                kind = ErrorKind.PERMANENT if isinstance(exc, PermanentError) else ErrorKind.ERROR
            return self._fail(tx, delivery, reason, kind)

    def _fail(self, tx: Tx, delivery: ClaimedDelivery, reason: str, kind: str) -> Outcome:
        self._end(tx, delivery, DeliveryState.FAILED, reason, kind)
        return Outcome(failed=1, posts={delivery.post_id})

    def _end(self, tx: Tx, delivery: ClaimedDelivery, state: str, reason: str, kind: str) -> None:
        """Settle in a final state with its reason, audit it, and roll the post up."""
        reason = reason[:500]
        ok = self._settle(
            tx, delivery, state=state, last_error=reason, error_kind=kind, next_attempt_at=None
        )
        if ok:
            tx.log(
                "oyez",
                state,
                post_id=delivery.post_id,
                channel_id=delivery.channel_id,
                reason=reason,
            )
            post_db.roll_up(tx, delivery.post_id)

    def _check_later(
        self,
        tx: Tx,
        delivery: ClaimedDelivery,
        channel: ChannelRecord,
        until: datetime,
        reason: str,
        *,
        kind: ErrorKind = ErrorKind.UNKNOWN,
        **values: Any,
    ) -> Outcome:
        """Leave the delivery ``unknown`` until ``until``; its channel holds till then."""
        self._settle(
            tx,
            delivery,
            state=DeliveryState.UNKNOWN,
            next_attempt_at=until,
            last_error=reason[:500],
            error_kind=kind,
            **values,
        )
        # Nothing new goes to this channel until the post is found or not.
        self._block(channel)
        return Outcome(retried=1)

    def _pause(self, tx: Tx, channel: ChannelRecord, reason: str) -> None:
        channel_db.pause(tx, channel.id, reason[:500])
        tx.log("oyez", "channel_paused", channel_id=channel.id, reason=reason[:500])
        self._block(channel)

    def _block(self, channel: ChannelRecord) -> None:
        if channel.id is not None:
            self.blocked.add(channel.id)

    # -- reconciliation ----------------------------------------------------------------

    def not_found(self, delivery: ClaimedDelivery) -> Outcome:
        """The channel says the post does not exist: it may be sent again."""
        settings = self.ctx.settings.delivery
        now = self.ctx.clock()
        if delivery.error_kind == ErrorKind.DUPLICATE:
            # The network says it has this text, and it is not among the posts
            # since the attempt: someone else posted it, or the look-up cannot
            # see it. Sending again would only be refused again.
            return self.attention(
                delivery,
                "refused as a duplicate on a retry, yet not found among the posts since "
                "the attempt: look at the account",
            )
        with self.ctx.tx() as tx:
            if delivery.attempts >= settings.max_attempts:
                return self._fail(
                    tx,
                    delivery,
                    f"gave up after {delivery.attempts} attempts: not published",
                    ErrorKind.GAVE_UP,
                )
            self._settle(
                tx,
                delivery,
                state=DeliveryState.PENDING,
                next_attempt_at=now,
                checks=0,
                last_error="not published after all: trying again",
                error_kind=ErrorKind.RETRYABLE,
            )
        return Outcome(retried=1)

    def unreadable(
        self, delivery: ClaimedDelivery, channel: ChannelRecord, exc: ChannelError
    ) -> Outcome:
        """The channel could not answer whether the post exists."""
        settings = self.ctx.settings.delivery
        if isinstance(exc, RateLimited | AuthError):
            return self.error(delivery, channel, exc, reconciling=True)
        if isinstance(exc, OutcomeUnknown) or not isinstance(exc, Retryable):
            return self.attention(delivery, f"cannot tell whether it was published: {exc}")
        # Failed looks are counted as checks: asking never publishes anything.
        checks = delivery.checks + 1
        if checks >= settings.max_attempts:
            return self.attention(
                delivery,
                f"cannot tell whether it was published after {checks} tries: {exc}",
            )
        now = self.ctx.clock()
        wait = backoff(checks, settings.max_backoff_seconds, self.rng)
        with self.ctx.tx() as tx:
            return self._check_later(
                tx,
                delivery,
                channel,
                now + wait,
                f"checking whether it was published failed: {exc}",
                kind=_unknown_kind(delivery),
                checks=checks,
            )

    def attention(self, delivery: ClaimedDelivery, reason: str) -> Outcome:
        """Nobody can tell whether it went out: a person must look. Never retried."""
        with self.ctx.tx() as tx:
            self._end(tx, delivery, DeliveryState.NEEDS_ATTENTION, reason, ErrorKind.UNKNOWN)
        return Outcome(attention=1, posts={delivery.post_id})
