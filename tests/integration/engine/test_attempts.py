"""An attempt is a request that may have reached the network: crashes spend none on the rest.

A worker claims a batch, but counts an attempt only when a request starts.
What a crash (or a lost lease) leaves that never started goes back to the
queue uncharged; what was in flight is reconciled. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
from datetime import timedelta

from channels.base import Rendered
from channels.errors import DuplicateContent, OutcomeUnknown, Retryable
from publisher.engine.delivery import Claimed, Deliverer
from publisher.engine.render import render
from queue_db.deliveries import DeliveryRecord, claim, lease, read, settle
from tests.integration.engine.conftest import Engine

DUPLICATE = (
    "X refused duplicate content: You are not allowed to create a Tweet with duplicate content."
)


class Crash(BaseException):
    """The process dies here (nothing in the engine catches a BaseException)."""


def _dead_owner(tag: str) -> str:
    """A worker name on this host whose process is gone: its leases are recovered at once."""
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    return f"{socket.gethostname()}:{gone.pid}:{tag}"


def _deliveries(engine: Engine, post_ids: list[int]) -> list[DeliveryRecord]:
    with engine.ctx.tx() as tx:
        return [d for post_id in post_ids for d, _ in read.of_post(tx, post_id)]


def test_a_claim_whose_lease_was_lost_before_its_request_sends_nothing(engine: Engine) -> None:
    net = engine.scripted("net")
    view = engine.post("Lease lost before the request", ["net"])
    slow = Deliverer(engine.ctx, "worker-a", build=engine.build)
    with engine.ctx.tx() as tx:
        ids = claim.claim_due(tx, "worker-a", engine.clock.now, lease=timedelta(seconds=30))
        ((d, p, c),) = settle.load_many(tx, ids)
        claimed = Claimed(d, p, c, render(tx, d, p, c), False)
    # worker-a stalls past its lease; worker-b takes the row back and sends it.
    engine.clock.advance(seconds=31)
    assert engine.deliverer("worker-b").run_once().sent == 1
    # worker-a wakes up and would send its claim: the start finds the lease gone.
    assert slow.deliver(claimed).busy is False
    slow.close()
    assert net.calls == ["publish"]  # never looked for: it was never started
    assert net.texts() == ["Lease lost before the request"]
    (row,) = _deliveries(engine, [view.id])
    assert (row.state, row.attempts) == ("sent", 1)


def test_recovering_a_lease_requeues_unstarted_rows_and_reconciles_started_ones(
    engine: Engine,
) -> None:
    engine.scripted("net")
    views = [engine.post(f"Batch {i}", ["net"]) for i in range(3)]
    owner = _dead_owner("batch")
    with engine.ctx.tx() as tx:
        ids = claim.claim_due(tx, owner, engine.clock.now, lease=timedelta(hours=1))
        assert len(ids) == 3
        assert lease.start(tx, ids[0], owner, engine.clock.now) == 1
    with engine.ctx.tx() as tx:
        requeued, unknown = lease.recover(tx, engine.clock.now, [owner])
    assert (requeued, unknown) == (ids[1:], ids[:1])
    rows = {r.id: r for r in _deliveries(engine, [v.id for v in views])}
    assert [(rows[i].state, rows[i].attempts) for i in ids] == [
        ("unknown", 1),
        ("pending", 0),
        ("pending", 0),
    ]
    assert rows[ids[0]].attempted_at is not None
    assert rows[ids[1]].attempted_at is None


def test_a_crash_loop_with_batches_in_flight_sends_each_post_once_and_fails_none(
    engine: Engine,
) -> None:
    net = engine.scripted("net")
    views = [engine.post(f"Crash loop {i:02d}", ["net"]) for i in range(30)]
    crashes = 12  # more than max_attempts (8): each claims a batch of 20
    for n in range(crashes):
        published = 0

        def die_on_the_third(_rendered: Rendered) -> None:
            nonlocal published
            published += 1
            if published == 3:
                raise Crash  # started, never sent: in flight when the process died

        net.on_publish = die_on_the_third
        doomed = Deliverer(engine.ctx, _dead_owner(f"crash{n}"), build=engine.build)
        with contextlib.suppress(Crash):
            doomed.run_once()
        doomed.close()
    net.on_publish = None
    for _ in range(5):  # the retries of those in flight wait a few seconds' backoff
        engine.clock.advance(seconds=60)
        engine.deliverer("survivor").run_once()
    texts = net.texts()
    assert sorted(texts) == sorted(set(texts)) == [f"Crash loop {i:02d}" for i in range(30)]
    rows = _deliveries(engine, [v.id for v in views])
    assert {r.state for r in rows} == {"sent"}
    # Only the one in flight at each crash was charged a second attempt.
    assert sorted(r.attempts for r in rows) == [1] * (30 - crashes) + [2] * crashes


def test_a_duplicate_refusal_on_a_retry_is_reconciled_and_found_not_failed(
    engine: Engine,
) -> None:
    net = engine.scripted("net")
    view = engine.post("Road closed on Elm Street", ["net"])
    net.fail(OutcomeUnknown("connection reset"), after_publishing=True)  # made; answer lost
    net.misses = 1  # the first look does not see it yet
    net.fail(DuplicateContent(DUPLICATE))  # so it is sent again, and refused
    for _ in range(4):
        engine.deliverer().run_once()
        engine.clock.advance(seconds=60)
    assert net.calls == ["publish", "find", "publish", "find"]
    (row,) = _deliveries(engine, [view.id])
    assert (row.state, row.attempts) == ("sent", 2)
    assert net.texts() == ["Road closed on Elm Street"]


def test_a_duplicate_refusal_that_cannot_be_found_needs_a_person_not_failed(
    engine: Engine,
) -> None:
    net = engine.scripted("net")
    view = engine.post("Bins go out on Friday", ["net"])
    net.fail(OutcomeUnknown("connection reset"), after_publishing=True)
    net.misses = 2
    net.fail(DuplicateContent(DUPLICATE))
    for _ in range(4):
        engine.deliverer().run_once()
        engine.clock.advance(seconds=60)
    (row,) = _deliveries(engine, [view.id])
    assert row.state == "needs_attention"
    assert row.last_error is not None
    assert "refused as a duplicate" in row.last_error
    assert net.calls == ["publish", "find", "publish", "find"]


def test_a_duplicate_refusal_on_a_first_attempt_fails_as_before(engine: Engine) -> None:
    net = engine.scripted("net")
    view = engine.post("Said already", ["net"])
    net.fail(DuplicateContent(DUPLICATE))
    engine.deliverer().run_once()
    (row,) = _deliveries(engine, [view.id])
    assert (row.state, row.error_kind) == ("failed", "permanent")
    assert net.calls == ["publish"]


def test_failed_checks_are_counted_apart_from_attempts_and_reset_when_not_found(
    engine: Engine,
) -> None:
    net = engine.scripted("net")
    view = engine.post("Checked twice", ["net"])
    net.fail(OutcomeUnknown("timed out"))  # not made, but nobody knows
    engine.deliverer().run_once()
    net.find_steps.extend([Retryable("503"), Retryable("503")])
    for _ in range(3):
        engine.clock.advance(seconds=120)
        engine.deliverer().run_once()
    (row,) = _deliveries(engine, [view.id])
    assert (row.state, row.attempts, row.checks) == ("sent", 2, 0)
    assert net.calls == ["publish", "find", "find", "find", "publish"]
