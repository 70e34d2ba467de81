"""Workers test: four ``oyez run`` processes on one PostgreSQL deliver 1,000 posts, each once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from tests.conftest import new_pg_database
from tests.fakes.fixtures import start_double
from tests.fakes.server import FakeAPI
from tests.pg import PostgresServer
from tests.reliability.harness import Daemon, Queue, duplicates_and_losses, now, wait_until

POSTS = 1000
WORKERS = 4


@pytest.fixture
def doubles() -> Iterator[dict[str, FakeAPI]]:
    started = {"x": start_double("x"), "masto": start_double("mastodon")}
    yield started
    for double in started.values():
        double.stop()


@pytest.mark.slow
@pytest.mark.postgres
def test_four_workers_on_one_postgres_publish_each_post_once(
    pg_server: PostgresServer, tmp_path: Path, doubles: dict[str, FakeAPI]
) -> None:
    queue = Queue.create(new_pg_database(pg_server), doubles)
    queue.add_posts(
        POSTS, start=now() + timedelta(seconds=3), spread=timedelta(seconds=5), tag="workers"
    )
    env = queue.environ()
    daemons = [Daemon(env, tmp_path / f"worker-{i}.log") for i in range(WORKERS)]
    try:
        wait_until(lambda: all(queue.running(d) for d in daemons), timeout=60)
        settled = wait_until(queue.settled, timeout=150, step=0.25)
        codes = [d.terminate() for d in daemons]
        logs = "\n".join(d.errors()[-1500:] for d in daemons)
        assert settled, f"deliveries still open: {queue.counts()}\n{logs}"
        assert codes == [0] * WORKERS, logs
        assert queue.counts() == {"sent": 2 * POSTS}
        assert queue.post_states() == {"sent": POSTS}
    finally:
        for daemon in daemons:
            if daemon.process.poll() is None:
                daemon.kill()
        queue.close()
    for name, double in doubles.items():
        dupes, lost = duplicates_and_losses(double, queue.texts)
        assert dupes == {}, f"{name}: published more than once: {dupes}"
        assert lost == [], f"{name}: never published: {lost[:5]}"
