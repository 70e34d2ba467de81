"""The delivery policy, one error type at a time, on real SQLite and PostgreSQL."""

from __future__ import annotations

import json
import random
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from sqlalchemy import update
from sqlmodel import col

from channels.base import Receipt, Rendered
from channels.errors import (
    AuthError,
    OutcomeUnknown,
    PermanentError,
    RateLimited,
    Retryable,
)
from publisher.engine.delivery import next_wakeup
from publisher.engine.settle import Settler
from publisher.service import channels, pause, posts, slots
from publisher.service.status import status
from queue_db import channels as channel_db
from queue_db.deliveries import claim, lease, read, settle
from queue_db.tables import Delivery
from tests.integration.engine.conftest import Engine
from tests.integration.engine.scripted import ScriptedChannel


@dataclass(frozen=True)
class Row:
    state: str
    attempts: int
    next: datetime | None
    error: str | None
    kind: str | None


def _delivery(engine: Engine, post_id: int, channel: str) -> Row:
    with engine.ctx.tx() as tx:
        for d, ch in read.of_post(tx, post_id):
            if ch.name == channel:
                return Row(d.state, d.attempts, d.next_attempt_at, d.last_error, d.error_kind)
    raise AssertionError(channel)


def _due(row: Row) -> datetime:
    assert row.next is not None
    return row.next


def test_due_post_is_sent_once_and_the_post_rolls_up(engine: Engine) -> None:
    net = engine.scripted("net")
    view = engine.post("Hello from the engine", ["news", "net"])
    outcome = engine.deliverer().run_once()
    assert outcome.sent == 2
    assert net.texts() == ["Hello from the engine"]
    assert posts.get_post(engine.ctx, view.id).state == "sent"
    assert engine.deliverer().run_once().sent == 0
    assert net.texts() == ["Hello from the engine"]


def test_post_not_yet_due_is_left_alone(engine: Engine) -> None:
    net = engine.scripted("net")
    engine.post("Later", ["net"], at=engine.clock.now + timedelta(minutes=5))
    assert engine.deliverer().run_once().sent == 0
    assert next_wakeup(engine.ctx) == engine.clock.now + timedelta(minutes=5)
    engine.clock.advance(minutes=5)
    assert engine.deliverer().run_once().sent == 1
    assert net.texts() == ["Later"]


def test_rate_limit_waits_for_the_reset_on_that_channel_only(engine: Engine) -> None:
    net = engine.scripted("net")
    reset = engine.clock.now + timedelta(minutes=15)
    net.fail(RateLimited("429", reset_at=reset))
    first = engine.post("One", ["net", "news"])
    second = engine.post("Two", ["net", "news"])
    engine.deliverer().run_once()
    # The other channel went on; the limited one was called once, not per post.
    assert engine.states(first.id)["news"] == "sent"
    assert engine.states(second.id)["news"] == "sent"
    assert net.calls == ["publish"]
    row = _delivery(engine, first.id, "net")
    assert (row.state, row.attempts, row.next) == ("pending", 0, reset)
    assert next_wakeup(engine.ctx) == reset
    assert [c.name for c in status(engine.ctx).rate_limited] == ["net"]
    engine.clock.now = reset
    assert engine.deliverer().run_once().sent == 2
    assert sorted(net.texts()) == ["One", "Two"]


def test_retryable_error_backs_off_then_gives_up_after_max_attempts(engine: Engine) -> None:
    net = engine.scripted("net")
    net.fail(Retryable("503 from the network"), times=100)
    view = engine.post("Flaky", ["net"])
    waits = []
    for _ in range(8):
        engine.deliverer().run_once()
        row = _delivery(engine, view.id, "net")
        if row.state != "pending":
            break
        waits.append(_due(row) - engine.clock.now)
        engine.clock.now = _due(row)
    row = _delivery(engine, view.id, "net")
    assert row.state == "failed"
    assert row.error == "gave up after 8 attempts: 503 from the network"
    assert waits == sorted(waits) or waits[-1] <= timedelta(seconds=60)
    assert all(timedelta(0) < w <= timedelta(seconds=60) for w in waits)
    assert posts.get_post(engine.ctx, view.id).state == "failed"
    assert net.texts() == []


def test_status_lists_a_delivery_waiting_to_retry_with_its_error(engine: Engine) -> None:
    net = engine.scripted("net")
    net.fail(Retryable("503 from the network"))
    view = engine.post("Try again later", ["net"])
    engine.deliverer().run_once()
    report = status(engine.ctx)
    assert [(w.post_id, w.channel, w.reason, w.attempts) for w in report.waiting] == [
        (view.id, "net", "503 from the network", 1)
    ]
    assert report.waiting[0].next_try == _delivery(engine, view.id, "net").next
    assert report.to_dict()["waiting"][0]["reason"] == "503 from the network"


def test_auth_error_pauses_the_channel_and_status_says_why(engine: Engine) -> None:
    net = engine.scripted("net")
    net.fail(AuthError("401: token revoked"))
    view = engine.post("Needs auth", ["net"])
    engine.deliverer().run_once()
    report = status(engine.ctx)
    assert [c.name for c in report.paused] == ["net"]
    assert "token revoked" in (report.paused[0].paused_reason or "")
    row = _delivery(engine, view.id, "net")
    assert (row.state, row.attempts) == ("pending", 0)
    assert next_wakeup(engine.ctx) is None  # a paused channel wakes nobody


def test_permanent_error_fails_with_the_reason_and_the_post_is_partly_sent(
    engine: Engine,
) -> None:
    net = engine.scripted("net")
    net.fail(PermanentError("403: duplicate content"))
    view = engine.post("Dup", ["net", "news"])
    engine.deliverer().run_once()
    row = _delivery(engine, view.id, "net")
    assert (row.state, row.error, row.kind) == (
        "failed",
        "403: duplicate content",
        "permanent",
    )
    assert posts.get_post(engine.ctx, view.id).state == "partly_sent"


def test_lost_answer_is_reconciled_before_any_retry(engine: Engine) -> None:
    net = engine.scripted("net")
    net.fail(OutcomeUnknown("read timeout"), after_publishing=True)
    view = engine.post("Maybe sent", ["net"])
    engine.deliverer().run_once()
    row = _delivery(engine, view.id, "net")
    assert row.state == "unknown"
    engine.clock.now = _due(row)
    engine.deliverer().run_once()
    assert net.calls == ["publish", "find"]
    assert net.texts() == ["Maybe sent"]
    assert _delivery(engine, view.id, "net").state == "sent"


@pytest.mark.parametrize("plugin", ["channel", "older-plugin-without-lookback"])
def test_unknown_outcome_not_found_is_sent_again(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, plugin: str
) -> None:
    if plugin != "channel":
        monkeypatch.delattr(ScriptedChannel, "lookback")  # it must not crash the engine
    net = engine.scripted("net")
    net.fail(OutcomeUnknown("connection reset"))
    view = engine.post("Lost on the way", ["net"])
    engine.deliverer().run_once()
    engine.clock.now = _due(_delivery(engine, view.id, "net"))
    engine.deliverer().run_once()
    assert net.calls == ["publish", "find", "publish"]
    assert net.texts() == ["Lost on the way"]


def test_unknown_outcome_nobody_can_check_needs_attention_and_is_never_retried(
    engine: Engine,
) -> None:
    net = engine.scripted("net")
    net.fail(OutcomeUnknown("timeout"))
    net.find_steps.append(OutcomeUnknown("this network cannot look posts up"))
    view = engine.post("Who knows", ["net"])
    engine.deliverer().run_once()
    engine.clock.now = _due(_delivery(engine, view.id, "net"))
    engine.deliverer().run_once()
    engine.clock.advance(hours=5)
    engine.deliverer().run_once()
    assert net.calls == ["publish", "find"]
    assert _delivery(engine, view.id, "net").state == "needs_attention"
    report = status(engine.ctx)
    assert [(a.post_id, a.channel) for a in report.attention] == [(view.id, "net")]
    assert "cannot look posts up" in report.attention[0].reason


def test_failed_check_is_tried_again_later(engine: Engine) -> None:
    net = engine.scripted("net")
    net.fail(OutcomeUnknown("timeout"), after_publishing=True)
    net.find_steps.append(Retryable("502 while listing posts"))
    view = engine.post("Check twice", ["net"])
    for _ in range(3):
        engine.deliverer().run_once()
        row = _delivery(engine, view.id, "net")
        if row.next is not None:
            engine.clock.now = max(engine.clock.now, _due(row))
    assert net.calls == ["publish", "find", "find"]
    assert _delivery(engine, view.id, "net").state == "sent"


def test_expired_lease_is_reconciled_before_retry(engine: Engine) -> None:
    net = engine.scripted("net")
    view = engine.post("Crash mid-call", ["net"])
    with engine.ctx.tx() as tx:
        claimed = claim.claim_due(
            tx, "elsewhere:1:dead", engine.clock.now, lease=timedelta(seconds=30)
        )
        assert lease.start(tx, claimed[0], "elsewhere:1:dead", engine.clock.now) == 1
    assert len(claimed) == 1
    # The other worker published, then died before settling.
    key = f"oyez-{view.id}-{_channel_id(engine, 'net')}"
    net.published.append(Rendered(delivery_key=key, text="Crash mid-call"))
    assert engine.deliverer().run_once().sent == 0  # the lease still holds
    engine.clock.advance(seconds=31)
    assert engine.deliverer().run_once().sent == 1
    assert net.calls == ["find"]
    assert net.texts() == ["Crash mid-call"]


def _channel_id(engine: Engine, name: str) -> int:
    with engine.ctx.tx() as tx:
        channel_id = channel_db.by_name(tx, name).id
    assert channel_id is not None
    return channel_id


def test_dead_worker_on_this_host_is_reconciled_without_waiting_for_its_lease(
    engine: Engine,
) -> None:
    net = engine.scripted("net")
    engine.post("Orphan", ["net"])
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    owner = f"{socket.gethostname()}:{gone.pid}:abc123"
    with engine.ctx.tx() as tx:
        (claimed,) = claim.claim_due(tx, owner, engine.clock.now, lease=timedelta(hours=1))
        assert lease.start(tx, claimed, owner, engine.clock.now) == 1  # its request began
    outcome = engine.deliverer().run_once()
    assert outcome.sent == 1
    assert net.calls == ["find", "publish"]


def test_late_post_expires_after_its_source_grace_period(engine: Engine) -> None:
    net = engine.scripted("net")
    tip = engine.post("Good morning tip", ["net"], source="tip")
    manual = engine.post("Manual post", ["net"])
    engine.clock.advance(minutes=121)  # tip grace is 120 minutes; manual never expires
    outcome = engine.deliverer().run_once()
    assert outcome.expired == 1
    assert net.texts() == ["Manual post"]
    assert posts.get_post(engine.ctx, tip.id).state == "expired"
    assert posts.get_post(engine.ctx, manual.id).state == "sent"


def test_quiet_hours_hold_a_post_until_they_end(engine: Engine) -> None:
    net = engine.scripted("net")
    slots.set_quiet_hours(engine.ctx, "net", "11:00", "13:30")  # clock: 12:00 UTC
    urgent = engine.post("Outage update", ["net"], urgent=True)
    calm = engine.post("Cheerful news", ["net"])
    outcome = engine.deliverer().run_once()
    assert (outcome.sent, outcome.deferred) == (1, 1)
    row = _delivery(engine, calm.id, "net")
    assert (row.state, row.attempts) == ("pending", 0)
    assert row.next == engine.clock.now.replace(hour=13, minute=30)
    engine.clock.now = _due(row)
    engine.deliverer().run_once()
    assert net.texts() == ["Outage update", "Cheerful news"]
    assert posts.get_post(engine.ctx, urgent.id).state == "sent"


def test_reply_waits_for_the_post_it_threads_under(engine: Engine) -> None:
    net = engine.scripted("net")
    parent = engine.post("Ticket opened", ["net"], at=engine.clock.now + timedelta(seconds=30))
    child = engine.post("Ticket update", ["net"], parent=parent.id)
    assert engine.deliverer().run_once().deferred == 1
    engine.clock.advance(seconds=30)
    engine.deliverer().run_once()
    engine.clock.advance(seconds=10)
    engine.deliverer().run_once()
    assert net.texts() == ["Ticket opened", "Ticket update"]
    assert net.published[1].reply_to == "1"
    assert posts.get_post(engine.ctx, child.id).state == "sent"


def test_stop_hands_back_claims_it_did_not_try(engine: Engine) -> None:
    net = engine.scripted("net")
    stop = threading.Event()
    net.on_publish = lambda _r: stop.set()
    for i in range(5):
        engine.post(f"Post {i}", ["net"])
    outcome = engine.deliverer().run_once(stop=stop)
    assert outcome.sent == 1
    with engine.ctx.tx() as tx:
        rows = [d for p in posts.list_posts(engine.ctx) for d, _ in read.of_post(tx, p.id)]
    assert sorted(d.state for d in rows) == ["pending"] * 4 + ["sent"]
    assert all(d.attempts == 0 for d in rows if d.state == "pending")


def test_crisis_pause_holds_scheduled_posts_but_lets_urgent_ones_out(engine: Engine) -> None:
    net = engine.scripted("net")
    pause.pause_all(engine.ctx, "Major incident: no cheerful posts")
    cheerful = engine.post("Happy Friday!", ["net"])
    tip = engine.post("Tip of the day", ["net"], source="tip")
    flagged = engine.post("Road closed on Main Street", ["net"], urgent=True)
    ticket = engine.post("Ticket 42: engineers on site", ["net"], source="ticket")
    outcome = engine.deliverer().run_once()
    assert outcome.sent == 2
    assert sorted(net.texts()) == ["Road closed on Main Street", "Ticket 42: engineers on site"]
    assert next_wakeup(engine.ctx) is None  # nothing it may send is waiting: no spinning
    assert status(engine.ctx).crisis is not None
    engine.clock.advance(hours=3)  # the tip's grace period (2 h) runs out while paused
    resumed = pause.resume_all(engine.ctx)
    assert (resumed.overdue, resumed.expiring) == (2, 1)
    engine.deliverer().run_once()
    assert net.texts()[-1] == "Happy Friday!"
    assert posts.get_post(engine.ctx, cheerful.id).state == "sent"
    assert posts.get_post(engine.ctx, tip.id).state == "expired"
    assert {posts.get_post(engine.ctx, p.id).state for p in (flagged, ticket)} == {"sent"}


def test_a_crisis_pause_stops_the_rest_of_a_batch_already_claimed(engine: Engine) -> None:
    net = engine.scripted("net")
    for i in range(4):
        engine.post(f"Cheerful {i}", ["net"])
    flagged = engine.post("Road closed on Main Street", ["net"], urgent=True)
    deliverer = engine.deliverer()
    deliverer.crisis_recheck = 0.0  # look before every post, not once a second

    def pause_once(rendered: Rendered) -> None:
        if rendered.text == "Cheerful 0":
            pause.pause_all(engine.ctx, "Major incident")

    net.on_publish = pause_once
    outcome = deliverer.run_once()
    # The post on the wire when the pause began goes out; the rest wait, except the urgent one.
    assert net.texts() == ["Cheerful 0", "Road closed on Main Street"]
    assert outcome.sent == 2
    assert posts.get_post(engine.ctx, flagged.id).state == "sent"
    rows = [_delivery(engine, i, "net") for i in range(flagged.id - 4, flagged.id)]
    assert [r.state for r in rows] == ["sent", "pending", "pending", "pending"]
    assert all(r.attempts == 0 for r in rows[1:])


def test_nothing_new_goes_to_a_channel_while_an_outcome_is_unknown(engine: Engine) -> None:
    net = engine.scripted("net")
    net.fail(OutcomeUnknown("read timeout"), after_publishing=True)
    first = engine.post("First", ["net"])
    engine.post("Second", ["net", "news"])
    engine.deliverer().run_once()
    assert net.texts() == ["First"]  # Second waits on net, but went out on news
    row = _delivery(engine, first.id, "net")
    assert next_wakeup(engine.ctx) == row.next
    engine.clock.now = _due(row)
    engine.deliverer().run_once()
    assert net.calls == ["publish", "find", "publish"]
    assert net.texts() == ["First", "Second"]


def test_concurrent_claims_never_hand_one_delivery_to_two_workers(engine: Engine) -> None:
    engine.scripted("net")
    for i in range(60):
        engine.post(f"Post {i}", ["net", "news"])
    claimed: dict[str, list[int]] = {}
    barrier = threading.Barrier(4)

    def worker(name: str) -> None:
        barrier.wait()
        mine: list[int] = []
        while True:
            with engine.ctx.tx() as tx:
                ids = claim.claim_due(tx, name, engine.clock.now, limit=7)
            if not ids:
                break
            mine.extend(ids)
        claimed[name] = mine

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    everything = [i for ids in claimed.values() for i in ids]
    assert len(everything) == 120
    assert len(set(everything)) == 120


def test_a_group_of_sent_deliveries_skips_one_whose_lease_another_worker_took(
    engine: Engine,
) -> None:
    engine.scripted("net")
    views = [engine.post(f"Group {i}", ["net"]) for i in range(3)]
    with engine.ctx.tx() as tx:
        ids = claim.claim_due(tx, "worker-a", engine.clock.now, lease=timedelta(seconds=30))
        loaded = settle.load_many(tx, ids)
        for delivery_id in ids:  # their requests started
            assert lease.start(tx, delivery_id, "worker-a", engine.clock.now) == 1
    # worker-a's lease on the second delivery ran out and worker-b took it over.
    engine.clock.advance(seconds=31)
    with engine.ctx.tx() as tx:
        lease.recover(tx, engine.clock.now)
        # ...while worker-a had already published the other two (their leases renewed).
        tx.session.execute(
            update(Delivery)
            .where(col(Delivery.id).in_([d.id for d, _, _ in loaded[:1] + loaded[2:]]))
            .values(state="sending", lease_owner="worker-a")
        )
        assert claim.claim_unknown(tx, "worker-b", engine.clock.now) == [loaded[1][0].id]
    settler = Settler(engine.ctx, "worker-a", random.Random(1))
    for delivery, post, _ in loaded:
        settler.sent(delivery, Receipt(f"r{delivery.id}"), Rendered("k", post.text))
    outcome = settler.drain()
    assert outcome.sent == 2
    assert [_delivery(engine, v.id, "net").state for v in views] == ["sent", "sending", "sent"]
    assert [posts.get_post(engine.ctx, v.id).state for v in views] == [
        "sent",
        "scheduled",
        "sent",
    ]


def test_a_running_deliverer_uses_a_channels_changed_settings_from_its_next_post(
    engine: Engine,
) -> None:
    deliverer = engine.deliverer()
    engine.post("Before the move", ["news"])
    assert deliverer.run_once().sent == 1
    moved = engine.folder / "moved"
    channels.change_channel(engine.ctx, "news", {"path": str(moved)})
    engine.post("After the move", ["news"])
    assert deliverer.run_once().sent == 1
    assert [json.loads(p.read_text())["text"] for p in moved.glob("*.json")] == ["After the move"]


@pytest.mark.parametrize(("lookback", "state"), [(2, "needs_attention"), (3, "sent")])
def test_not_found_is_not_trusted_when_more_posts_went_out_since_than_the_check_reads(
    engine: Engine, lookback: int, state: str
) -> None:
    net = engine.scripted("net")
    net.lookback = lookback
    net.fail(OutcomeUnknown("read timeout"))
    view = engine.post("Lost, or buried under newer posts?", ["net"])
    engine.deliverer().run_once()
    # Meanwhile another worker posted once, and once more with an outcome nobody
    # could check (it may be on the account too).
    others = [engine.post(f"Posted meanwhile {n}", ["net"]).id for n in (1, 2)]
    with engine.ctx.tx() as tx:
        tx.session.execute(
            update(Delivery)
            .where(col(Delivery.post_id) == others[0])
            .values(state="sent", sent_at=engine.clock.now, remote_id="elsewhere")
        )
        tx.session.execute(
            update(Delivery)
            .where(col(Delivery.post_id) == others[1])
            .values(state="needs_attention", attempted_at=engine.clock.now)
        )

    # Reconciled a while later: what counts is what went out since the attempt.
    engine.clock.now = _due(_delivery(engine, view.id, "net")) + timedelta(minutes=5)
    engine.deliverer().run_once()

    row = _delivery(engine, view.id, "net")
    assert row.state == state
    assert net.calls[:2] == ["publish", "find"]
    if state == "needs_attention":
        assert net.calls == ["publish", "find"]  # never sent again on a guess
        assert row.error is not None
        assert "2 posts went out on net" in row.error
        assert "lookback" in row.error


def test_an_attempt_of_unknown_time_is_not_trusted_to_be_in_the_look_back(
    engine: Engine,
) -> None:
    net = engine.scripted("net")
    net.lookback = 50
    net.fail(OutcomeUnknown("read timeout"))
    view = engine.post("Restored mid-send", ["net"])
    engine.deliverer().run_once()
    with engine.ctx.tx() as tx:  # as a restore leaves a row with no times
        tx.session.execute(
            update(Delivery)
            .where(col(Delivery.post_id) == view.id)
            .values(attempted_at=None, due_at=None)
        )
    engine.clock.now = _due(_delivery(engine, view.id, "net"))
    engine.deliverer().run_once()
    row = _delivery(engine, view.id, "net")
    assert row.state == "needs_attention"
    assert "no time of the attempt" in (row.error or "")
    assert net.calls == ["publish", "find"]
