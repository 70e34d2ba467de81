"""Fault test: 429s, 5xx, hangs and resets on 20% of calls, and a few kills on top.

Every post is delivered once, or its delivery is ``failed`` or
``needs_attention`` with a reason; nothing is published twice, and nothing
that says ``failed`` was published at all.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from queue_db import channels as channel_db
from queue_db import posts as post_db
from queue_db.deliveries import read
from queue_db.posts import PostFilter
from tests.fakes.faults import TRANSIENT_FAULTS
from tests.fakes.fixtures import start_double
from tests.fakes.server import FakeAPI
from tests.reliability.harness import Daemon, Queue, finish, now, published
from tests.reliability.test_crash import sqlite_queue, wait_for_progress

POSTS = 300
KILLS = 5
FAULT_RATE = 0.2


@pytest.fixture
def doubles() -> Iterator[dict[str, FakeAPI]]:
    started = {
        "x": start_double("x", hang_seconds=1.0, rate_limit_seconds=1),
        "masto": start_double("mastodon", hang_seconds=1.0, rate_limit_seconds=1),
    }
    for seed, double in enumerate(started.values(), start=7):
        double.faults.randomly(FAULT_RATE, seed=seed, kinds=TRANSIENT_FAULTS)
    yield started
    for double in started.values():
        double.stop()


def check_outcomes(queue: Queue, doubles: dict[str, FakeAPI]) -> dict[str, int]:
    """Assert the promise for every delivery; return how many ended in each state."""
    texts = dict(enumerate(queue.texts, start=1))
    seen = {name: published(double) for name, double in doubles.items()}
    states: dict[str, int] = {}
    with queue.ctx.tx() as tx:
        names = {c.id: c.name for c in channel_db.every(tx)}
        for post in post_db.find(tx, PostFilter()):
            assert post.id is not None
            for delivery, channel in read.of_post(tx, post.id):
                count = seen[names[channel.id]][post.text]
                states[delivery.state] = states.get(delivery.state, 0) + 1
                where = f"post {post.id} on {channel.name}"
                assert count <= 1, f"{where} published {count} times"
                if delivery.state == "sent":
                    assert count == 1, f"{where} says sent but never arrived"
                elif delivery.state == "failed":
                    assert count == 0, f"{where} says failed but was published"
                    assert delivery.last_error, f"{where} failed without a reason"
                else:
                    assert delivery.state == "needs_attention", f"{where}: {delivery.state}"
                    assert delivery.last_error, f"{where} needs attention without a reason"
    assert len(texts) == POSTS
    return states


@pytest.mark.slow
def test_faults_on_a_fifth_of_calls_never_duplicate_and_never_lose_silently(
    tmp_path: Path, doubles: dict[str, FakeAPI]
) -> None:
    queue = sqlite_queue(tmp_path, doubles)
    queue.add_posts(POSTS, start=now(), spread=timedelta(seconds=15), tag="faults")
    env = queue.environ()
    rng = random.Random(5)
    log = tmp_path / "daemon.log"
    try:
        for _ in range(KILLS):
            daemon = Daemon(env, log)
            wait_for_progress(doubles, timeout=10)
            time.sleep(rng.uniform(0.1, 0.6))
            daemon.kill()
        settled, code = finish(queue, env, log, timeout=150)
        assert code == 0, log.read_text()[-3000:]
        assert settled, f"deliveries still open: {queue.counts()}\n{log.read_text()[-3000:]}"
        states = check_outcomes(queue, doubles)
    finally:
        queue.close()
    injected = sum(len(d.faults.injected) for d in doubles.values())
    assert injected >= 100  # the faults really happened
    assert states.get("sent", 0) >= 2 * POSTS * 0.95
