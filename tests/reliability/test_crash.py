"""Crash test: ``oyez run`` killed with SIGKILL at random moments still publishes each post once.

300 posts to X and Mastodon (600 deliveries), due over about half a minute,
against the API doubles. The daemon is killed at least 20 times: at random
moments while it works, and deliberately while a request hangs at the double
(some after the double made the post, some before). It is restarted each
time; the next process reconciles what the dead one left in flight. At the
end the doubles must have received every post exactly once.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from queue_db.database import make_engine
from queue_db.migrate import upgrade
from tests.fakes.fixtures import start_double
from tests.fakes.server import FakeAPI
from tests.reliability.harness import (
    Daemon,
    Queue,
    SlowX,
    duplicates_and_losses,
    finish,
    now,
    wait_until,
)

POSTS = 300
KILLS = 24
#: Kills made while a request hangs at a double, half after it made the post.
IN_FLIGHT_KILLS = 8
#: The crash loop: posts due at once, kills, and how long each tweet's answer takes.
LOOP_POSTS = 60
LOOP_KILLS = 25
LOOP_LATENCY = 0.4


@pytest.fixture
def doubles() -> Iterator[dict[str, FakeAPI]]:
    started = {
        "x": start_double("x", hang_seconds=1.0),
        "masto": start_double("mastodon", hang_seconds=1.0),
    }
    yield started
    for double in started.values():
        double.stop()


def sqlite_queue(tmp_path: Path, doubles: dict[str, FakeAPI]) -> Queue:
    url = f"sqlite:///{tmp_path / 'oyez.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return Queue.create(url, doubles)


def total_posts(doubles: dict[str, FakeAPI]) -> int:
    return sum(len(d.all_posts) for d in doubles.values())


def hangs_taken(double: FakeAPI) -> int:
    return sum(1 for kind, _, _ in double.faults.injected if kind.startswith("hang"))


def wait_for_progress(doubles: dict[str, FakeAPI], timeout: float = 5.0) -> bool:
    """Wait until a double receives one more post (the daemon is up and delivering)."""
    before = total_posts(doubles)
    return wait_until(lambda: total_posts(doubles) > before, timeout=timeout, step=0.01)


def hang_and_wait(double: FakeAPI, kind: str) -> bool:
    """Make the next post request hang at ``double``; wait until one is hanging."""
    taken = hangs_taken(double)
    double.faults.push(kind, path=double.post_path, method="POST")
    try:
        return wait_until(lambda: hangs_taken(double) > taken, timeout=20, step=0.005)
    finally:
        double.faults.clear()


@pytest.mark.slow
def test_sigkill_at_random_moments_publishes_every_post_exactly_once(
    tmp_path: Path, doubles: dict[str, FakeAPI]
) -> None:
    queue = sqlite_queue(tmp_path, doubles)
    queue.add_posts(
        POSTS, start=now() + timedelta(seconds=2), spread=timedelta(seconds=25), tag="crash"
    )
    env = queue.environ()
    rng = random.Random(20261125)
    kills = in_flight = 0
    log = tmp_path / "daemon.log"
    try:
        while kills < KILLS:
            daemon = Daemon(env, log)
            if in_flight < IN_FLIGHT_KILLS and kills % 3 == 1:
                # Make the next post request hang, and kill while the client waits.
                # A post due now makes sure there is a request to hang, however far
                # a slow machine has got through the others.
                queue.add_posts(1, start=now(), spread=timedelta(0), tag=f"in-flight {kills}")
                double = doubles["x"] if in_flight % 2 == 0 else doubles["masto"]
                kind = "hang_after" if in_flight % 4 < 2 else "hang_before"
                if hang_and_wait(double, kind):
                    time.sleep(rng.uniform(0.0, 0.2))
                    in_flight += 1
            else:
                # Kill at a random moment once it is delivering (or soon after it starts).
                wait_for_progress(doubles)
                time.sleep(rng.uniform(0.0, 0.4))
            daemon.kill()
            kills += 1
        settled, code = finish(queue, env, log, timeout=90)
        assert code == 0, log.read_text()[-3000:]
    finally:
        queue.close()
    assert settled, f"deliveries still open: {queue.counts()}\n{log.read_text()[-3000:]}"
    for name, double in doubles.items():
        dupes, lost = duplicates_and_losses(double, queue.texts)
        assert dupes == {}, f"{name}: published more than once: {dupes}"
        near = [repr(p.text) for p in double.all_posts if any(p.text[:15] == t[:15] for t in lost)]
        assert lost == [], f"{name}: never published: {lost[:5]} (+{len(lost)}); near: {near}"
    assert queue.counts() == {"sent": 2 * len(queue.texts)}
    assert queue.post_states() == {"sent": len(queue.texts)}
    # And the crashes really happened, in flight too.
    assert kills >= 20
    assert in_flight >= 5


def test_sigterm_lets_the_call_in_flight_finish_then_exits_cleanly(
    tmp_path: Path, doubles: dict[str, FakeAPI]
) -> None:
    queue = sqlite_queue(tmp_path, {"x": doubles["x"]})
    queue.add_posts(20, start=now(), spread=timedelta(seconds=1), tag="term")
    daemon = Daemon(queue.environ(), tmp_path / "daemon.log")
    try:
        assert hang_and_wait(doubles["x"], "hang_after")
        code = daemon.terminate()
        counts = queue.counts()
    finally:
        queue.close()
    assert code == 0, daemon.errors()
    # The hung call ended (its outcome is being checked, or it was found);
    # nothing is left "sending", and what was claimed but not tried went back.
    assert "sending" not in counts
    assert counts.get("unknown", 0) + counts.get("sent", 0) >= 1
    assert sum(counts.values()) == 20


@pytest.fixture
def slow_x() -> Iterator[SlowX]:
    double = SlowX(latency=LOOP_LATENCY, posts_only=True, hang_seconds=1.0).start()
    yield double
    double.stop()


@pytest.mark.slow
def test_a_crash_loop_with_batches_in_flight_sends_every_post_once_and_fails_none(
    tmp_path: Path, slow_x: SlowX
) -> None:
    queue = sqlite_queue(tmp_path, {"x": slow_x})
    queue.add_posts(LOOP_POSTS, start=now(), spread=timedelta(0), tag="loop")
    env = queue.environ()
    rng = random.Random(16)
    log = tmp_path / "daemon.log"
    in_flight = 0
    daemon: Daemon | None = None
    try:
        for _ in range(LOOP_KILLS):
            daemon = Daemon(env, log)
            # However slow the start, the kill comes 0.3-1.6 s into its work:
            # once it holds a batch (or nothing is left to claim).
            assert wait_until(
                lambda d=daemon: queue.holds_batch(d) or queue.settled(), timeout=120
            ), log.read_text()[-3000:]
            time.sleep(rng.uniform(0.3, 1.6))
            if queue.holds_batch(daemon):
                in_flight += 1
            daemon.kill()
        settled, code = finish(queue, env, log, timeout=300)
        assert code == 0, log.read_text()[-3000:]
        counts = queue.counts()
    finally:
        if daemon is not None and daemon.process.poll() is None:
            daemon.kill()
        queue.close()
    assert settled, f"deliveries still open: {counts}\n{log.read_text()[-3000:]}"
    dupes, lost = duplicates_and_losses(slow_x, queue.texts)
    assert dupes == {}, f"published more than once: {dupes}"
    assert lost == [], f"never published: {lost}"
    assert counts == {"sent": LOOP_POSTS}, [r for r in queue.rows() if r[1] != "sent"][:5]
    # The kills really caught claimed batches mid-way.
    assert in_flight >= LOOP_KILLS // 2
