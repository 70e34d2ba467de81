"""The dispatcher behind ``oyez run``, the TUI and ``oyez demo``.

It delivers what is due, then sleeps until whichever comes first: the next due
time (an alarm on the APScheduler clock), a change to the queue made by any
process (:mod:`queue_db.changes`) or in this one (:meth:`Dispatcher.wake`),
or a stop request. It never polls the queue on a timer; a long safety sleep
only covers a notification lost with a dropped database connection.

Any number of dispatchers, in any number of processes, may run against one
database: claims are atomic, so each (post, channel) goes out once.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import logging
import os
import queue
import socket
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from publisher.context import Context
from publisher.context.calendar import next_fire
from publisher.engine.clock import Clock
from publisher.engine.delivery import BATCH, Deliverer, next_wakeup
from publisher.engine.outcome import Outcome
from publisher.engine.owners import worker_name
from publisher.engine.pool import Builder
from publisher.engine.producers import (
    SYNC_SECONDS,
    Producer,
    catch_up,
    load_producers,
    sync,
)
from publisher.errors import OyezError, StorageProblem
from queue_db import workers
from queue_db.changes import Watcher
from queue_db.deliveries import lease as leases

__all__ = ["Dispatcher", "Outcome", "worker_name"]

log = logging.getLogger("oyez.engine")

#: Longest sleep without news, in case a notification was lost.
SAFETY_SLEEP = 300.0
#: Longest wait before trying again after the database failed a round, in seconds.
MAX_DB_BACKOFF = 30.0
#: Workers drop the rows of workers silent for this long.
FORGET_AFTER = timedelta(days=1)


@functools.cache
def _freeze_start_up() -> None:
    """Leave what start-up made (modules, classes, settings) out of the collector's full passes.

    Those ~160,000 objects live as long as the process; a full collection walked
    them all (about 75 ms on the 2-core benchmark machine, every few thousand
    posts). ``gc.freeze`` is the standard library's way to say so; objects made
    later are collected as usual. Once per process.
    """
    gc.freeze()


class Dispatcher:
    """Delivers due posts until stopped. Use :meth:`run` in a thread you own, or :meth:`start`.

    ``producers``: None loads them from :data:`publisher.sources.base.SOURCE_MODULES`,
    and looks again every ``sync_seconds`` for ones added, changed or removed.
    """

    def __init__(
        self,
        ctx: Context,
        *,
        name: str | None = None,
        producers: Sequence[Producer] | None = None,
        batch: int = BATCH,
        watch: bool = True,
        safety_sleep: float = SAFETY_SLEEP,
        on_round: Callable[[Outcome], None] | None = None,
        build: Builder | None = None,
        sync_seconds: float = SYNC_SECONDS,
    ) -> None:
        self.ctx = ctx
        self.build = build
        self.name = name or worker_name()
        self.batch = batch
        self.watch = watch
        self.safety_sleep = safety_sleep
        self.sync_seconds = sync_seconds
        self.on_round = on_round
        self.total = Outcome()
        #: When the dispatcher will next look at the queue (None: nothing waits).
        self.next_due: datetime | None = None
        self._given_producers = producers
        self._producers: list[Producer] = []
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._reload = threading.Event()
        # Producers fired on the clock's threads are re-armed by the dispatcher
        # thread: adding a job from a job thread deadlocks APScheduler 3 if it
        # is shutting down at that moment.
        self._rearm: queue.SimpleQueue[tuple[Producer, datetime]] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._clock = Clock()
        self._deliverer: Deliverer | None = None
        self._watcher = Watcher(ctx.store, self.wake)
        lease = ctx.settings.delivery.lease_seconds
        self.beat_seconds = min(10.0, max(0.2, lease / 3))

    # -- control (any thread) -------------------------------------------------------

    def wake(self) -> None:
        """Look at the queue now (e.g. a post was just scheduled sooner)."""
        self._wake.set()

    def stop(self, timeout: float | None = 30.0) -> None:
        """Finish the call in flight, hand back untried claims, and stop."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)
            self._thread = None

    def reload(self) -> None:
        """Look for added, changed or removed producers now (SIGHUP), not at the next sync."""
        self._reload.set()
        self._wake.set()

    def start(self) -> None:
        """Run in a background daemon thread (for the TUI and ``oyez demo``)."""
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self.run, name="oyez-dispatcher", daemon=True)
        self._thread.start()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # -- the loop --------------------------------------------------------------------

    def run(self, *, once: bool = False, duration: float | None = None) -> Outcome:
        """Deliver until stopped or ``duration`` seconds pass; ``once``: one round, then return.

        ``once`` also does what the sources have due (cadence firings, feed
        polls) before its round, so a cron-driven install needs no daemon.
        """
        deadline = time.monotonic() + duration if duration is not None else None
        _freeze_start_up()
        deliverer = Deliverer(self.ctx, self.name, batch=self.batch, build=self.build)
        self._deliverer = deliverer
        self._begin(producers=not once)
        if once:
            self._catch_up()
        failures = 0
        try:
            while not self._stop.is_set():
                self._wake.clear()
                self._producer_chores()
                try:
                    outcome = deliverer.run_once(stop=self._stop)
                except StorageProblem as exc:
                    # The database went away or a transaction was aborted half-way.
                    failures += 1
                    wait = min(MAX_DB_BACKOFF, 0.5 * 2**failures)
                    log.warning("delivery round failed (%s); retrying in %.0f s", exc, wait)
                    self._abandon(deliverer)
                    self._wake.wait(wait)
                    continue
                failures = 0
                self.total.add(outcome)
                if self.on_round is not None and outcome.busy:
                    self.on_round(outcome)
                if once or self._stop.is_set():
                    break
                timeout = self._sleep_for(outcome)
                if deadline is not None:
                    timeout = min(timeout, deadline - time.monotonic())
                    if timeout <= 0:
                        break
                if timeout > 0:
                    self._wake.wait(timeout)
        finally:
            self._end()
            deliverer.close()
        return self.total

    def _abandon(self, deliverer: Deliverer) -> None:
        """Leave what the failed round held to reconciliation: its outcome is unknown."""
        deliverer.in_flight = set()
        # If the database is still away, the leases are no longer renewed: they
        # run out and whichever worker comes next recovers them.
        with contextlib.suppress(StorageProblem):
            deliverer.recover(mine=True)

    def _sleep_for(self, outcome: Outcome) -> float:
        due = next_wakeup(self.ctx)
        self.next_due = due
        if due is None:
            self._clock.cancel("dispatch")
            return self.safety_sleep
        left = (due - self.ctx.clock()).total_seconds()
        if left <= 0:
            # Due now but the round claimed nothing: something holds it (a
            # worker elsewhere has it); look again shortly rather than spin.
            return 0.0 if outcome.busy else 0.2
        self._clock.at("dispatch", due, self.wake)
        # The alarm wakes us; the timeout only backs it up.
        return min(self.safety_sleep, left + 1.0)

    # -- start and end ---------------------------------------------------------------

    def _begin(self, *, producers: bool) -> None:
        self._heartbeat()
        self._clock.every("heartbeat", self.beat_seconds, self._heartbeat)
        self._clock.start()
        if producers:
            self._sync_producers()
            if self._given_producers is None:
                self._clock.every("producers", self.sync_seconds, self.reload)
        if self.watch:
            self._watcher.start()

    def _end(self) -> None:
        self._watcher.stop()
        self._clock.shutdown()
        try:
            with self.ctx.tx() as tx:
                workers.forget(tx, self.name)
        except OyezError as exc:
            log.warning("could not sign off worker %s: %s", self.name, exc)

    def _heartbeat(self) -> None:
        now = self.ctx.clock()
        lease = timedelta(seconds=self.ctx.settings.delivery.lease_seconds)
        host, pid = socket.gethostname(), os.getpid()
        try:
            with self.ctx.tx() as tx:
                workers.beat(tx, self.name, pid, host, now)
                if self._deliverer is not None:
                    held = set(self._deliverer.in_flight)
                    leases.renew_leases(tx, self.name, now + lease, held)
                workers.prune(tx, now - FORGET_AFTER)
        except OyezError as exc:
            log.warning("heartbeat failed: %s", exc)

    # -- producers -------------------------------------------------------------------

    def _producer_chores(self) -> None:
        if self._reload.is_set():
            self._reload.clear()
            self._sync_producers()
        while not self._rearm.empty():
            producer, after = self._rearm.get()
            if any(p is producer for p in self._producers):
                self._arm(producer, after)

    def _catch_up(self) -> None:
        given = self._given_producers
        fresh = list(given) if given is not None else load_producers(self.ctx)[0]
        made = catch_up(self.ctx, fresh, self.ctx.clock())
        if made:
            log.info("sources made %d post(s) due now", made)

    def _sync_producers(self) -> None:
        given = self._given_producers
        fresh, complete = (list(given), True) if given is not None else load_producers(self.ctx)
        plan = sync(self._producers, fresh, complete=complete)
        for job in plan.cancel:
            self._clock.cancel(f"producer:{job}")
        now = self.ctx.clock()
        for producer in plan.arm:
            self._arm(producer, now)
        # A kept producer whose job is gone (APScheduler skipped and dropped it, or
        # it is firing right now) is armed again; arming the next fire time twice
        # is harmless, as the job id is the same.
        armed, just_armed = self._clock.jobs(), {p.id for p in plan.arm}
        for producer in plan.keep:
            if producer.id not in just_armed and f"producer:{producer.id}" not in armed:
                self._arm(producer, now)
        if self._producers and (plan.arm or plan.cancel):
            log.info(
                "producers changed: armed %s; dropped %s",
                ", ".join(p.id for p in plan.arm) or "none",
                ", ".join(j for j in plan.cancel if j not in {p.id for p in plan.arm}) or "none",
            )
        self._producers = plan.keep

    def _arm(self, producer: Producer, after: datetime) -> None:
        try:
            when = next_fire(producer.trigger, after)
        except Exception:
            log.exception("producer %s: its trigger failed; it will not fire", producer.id)
            return
        if when is not None:
            self._clock.at(f"producer:{producer.id}", when, self._fire, producer, when)

    def _fire(self, producer: Producer, when: datetime) -> None:
        try:
            made = producer.fire(self.ctx, when)
            if made:
                log.info("producer %s made %d post(s) for %s", producer.id, made, when)
                self.wake()
        except Exception:
            log.exception("producer %s failed at %s", producer.id, when.isoformat())
        finally:
            self._rearm.put((producer, when))
            self.wake()

    def scheduled(self) -> dict[str, datetime | None]:
        """What the clock waits for: job id → next run time (for status and tests)."""
        return self._clock.jobs()
