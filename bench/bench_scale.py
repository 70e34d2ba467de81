"""Scale on PostgreSQL: claiming from a long queue, workers side by side, a restart.

PostgreSQL is started from the local binaries the way the tests start it
(``tests/pg.py``: fsync off, a throwaway cluster). Queues are filled with
``generate_series`` in the database itself.

* **Claim**: the latency of claiming one batch of 20 (the daemon's claim, one
  committed statement) with 10,000 and with 1,000,000 pending deliveries, 2,000
  of them due and the rest a month away; median and p99 of 100 claims each.
  The claim walks the ``(state, next_attempt_at)`` index, so the time should
  hardly depend on the queue's length: the plan is shown below the table.
* **Workers**: 1, 2 and 4 ``oyez run`` processes on one database, publishing
  300 posts due at once to the X double answering every call in 50 ms;
  throughput from the moment they are queued to the last one recorded sent,
  and duplicates counted at the double.
* **Restart**: a daemon started on a database with 1,000,000 queued and one
  post due: the time from starting the process to the double receiving that
  post, against the same start on an empty queue.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import psycopg

from bench.report import Row, Section
from queue_db.database import make_engine
from queue_db.deliveries import claim
from queue_db.migrate import upgrade
from queue_db.types import utcnow
from tests.pg import PostgresServer, start_server
from tests.reliability.harness import Daemon, Queue, SlowX, duplicates_and_losses, wait_until

CLAIMS = 100
BATCH = 20
DUE = CLAIMS * BATCH
WORKER_POSTS = 300
LATENCY = 0.05


def _database(server: PostgresServer, name: str) -> str:
    with psycopg.connect(server.url().replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    url = server.url(name)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


def _fill(url: str, channel_id: int, count: int, *, due_in: str) -> None:
    """``count`` scheduled posts with one pending delivery each, due ``now() + due_in``."""
    with psycopg.connect(url.replace("+psycopg", "")) as conn:
        first = conn.execute("SELECT COALESCE(MAX(id), 0) FROM post").fetchone()
        assert first is not None
        start, end = int(first[0]) + 1, int(first[0]) + count
        conn.execute(
            "INSERT INTO post (id, text, variants, media, author, source, state, scheduled_at,"
            " priority, urgent, findings, created_at, updated_at)"
            " SELECT g, 'bench post ' || g || ': service update for the east line',"
            " '{}', '[]', 'bench', 'manual', 'scheduled', now() + %(due)s::interval,"
            " 0, false, '[]', now(), now() FROM generate_series(%(a)s::int, %(b)s::int) g",
            {"a": start, "b": end, "due": due_in},
        )
        conn.execute(
            "INSERT INTO delivery (post_id, channel_id, state, due_at, next_attempt_at,"
            " attempts, checks, updated_at)"
            " SELECT g, %(c)s::int, 'pending', now() + %(due)s::interval, now() + %(due)s::interval,"
            " 0, 0, now() FROM generate_series(%(a)s::int, %(b)s::int) g",
            {"a": start, "b": end, "c": channel_id, "due": due_in},
        )
        conn.execute("SELECT setval('post_id_seq', (SELECT MAX(id) FROM post))")
        conn.execute("ANALYZE post")
        conn.execute("ANALYZE delivery")


def _claims(queue: Queue) -> list[float]:
    """Milliseconds per claim of a batch, each its own committed transaction."""
    times = []
    for _ in range(CLAIMS):
        started = time.perf_counter()
        with queue.ctx.tx() as tx:
            got = claim.claim_due(tx, "bench", utcnow(), limit=BATCH)
        times.append((time.perf_counter() - started) * 1000)
        assert len(got) == BATCH, got
    with psycopg.connect(queue.url.replace("+psycopg", "")) as conn:
        conn.execute(
            "UPDATE delivery SET state = 'sent', lease_owner = NULL WHERE state = 'sending'"
        )
    return times


def _plan(url: str) -> str:
    statement = claim._claim_statement("pending", False, True)  # the real claim
    engine = make_engine(url)
    compiled = statement.compile(dialect=engine.dialect)
    now = utcnow()
    params = {"now": now, "owner": "bench", "until": now + timedelta(minutes=2), "limit": BATCH}
    with engine.connect() as conn:
        bound = compiled.construct_params(params)
        rows = conn.exec_driver_sql("EXPLAIN (COSTS OFF) " + str(compiled), bound).all()
    engine.dispose()
    return "\n".join(str(r[0]) for r in rows)


def _summary(times: list[float]) -> str:
    p99 = statistics.quantiles(times, n=100)[98]
    return f"median {statistics.median(times):.2f} ms, p99 {p99:.2f} ms"


def claim_rows(server: PostgresServer, double: SlowX) -> tuple[list[Row], str, Queue]:
    url = _database(server, "bench_claim")
    queue = Queue.create(url, {"x": double})
    channel_id = 1
    _fill(url, channel_id, 10_000 - DUE, due_in="30 days")
    _fill(url, channel_id, DUE, due_in="-1 minute")
    small = _claims(queue)
    _fill(url, channel_id, 1_000_000 - 10_000, due_in="30 days")
    _fill(url, channel_id, DUE, due_in="-1 minute")
    plan = _plan(url)
    large = _claims(queue)
    ratio = statistics.median(large) / statistics.median(small)
    rows = [
        Row(
            "claim at 1,000,000 vs 10,000",
            _summary(large),
            _summary(small),
            f"{ratio:.2f}×",
            "at most 2 times",
        )
    ]
    return rows, plan, queue


def _throughput(server: PostgresServer, folder: Path, workers: int) -> tuple[float, int]:
    double = SlowX(latency=LATENCY).start()
    url = _database(server, f"bench_workers_{workers}")
    queue = Queue.create(url, {"x": double})
    env = queue.environ(OYEZ_DELIVERY__LEASE_SECONDS="30")
    daemons = [Daemon(env, folder / f"w{workers}-{i}.log") for i in range(workers)]
    try:
        assert wait_until(lambda: all(queue.running(d) for d in daemons), timeout=120)
        queue.add_posts(WORKER_POSTS, start=utcnow(), spread=timedelta(0), tag=f"w{workers}")
        # Queued once committed: the harness's own inserts (about 0.7 s) are not oyez's time.
        started = time.monotonic()
        assert wait_until(queue.settled, timeout=600, step=0.05)
        elapsed = time.monotonic() - started
    finally:
        for daemon in daemons:
            daemon.terminate()
        queue.close()
    dupes, lost = duplicates_and_losses(double, queue.texts)
    double.stop()
    assert lost == [], lost[:3]
    return WORKER_POSTS / elapsed, sum(n - 1 for n in dupes.values())


def worker_rows(server: PostgresServer, folder: Path) -> list[Row]:
    rates = {n: _throughput(server, folder, n) for n in (1, 2, 4)}
    one = rates[1][0]
    rows = []
    for n in (2, 4):
        rate, dupes = rates[n]
        rows.append(
            Row(
                f"{n} workers vs 1",
                f"{rate:.1f} posts/s, {dupes} duplicates",
                f"{one:.1f} posts/s, {rates[1][1]} duplicates",
                f"{rate / one:.2f}×",
                "4 workers at least 3 times one, 0 duplicates" if n == 4 else "",
            )
        )
    return rows


def _first_delivery(queue: Queue, double: SlowX, folder: Path, tag: str) -> float:
    before = len(double.all_posts)
    queue.add_posts(1, start=utcnow(), spread=timedelta(0), tag=tag)
    started = time.monotonic()
    daemon = Daemon(queue.environ(), folder / f"restart-{tag}.log")
    try:
        assert wait_until(lambda: len(double.all_posts) > before, timeout=300, step=0.02)
        return time.monotonic() - started
    finally:
        daemon.terminate()


def restart_rows(server: PostgresServer, folder: Path, double: SlowX, long: Queue) -> list[Row]:
    empty = Queue.create(_database(server, "bench_restart_empty"), {"x": double})
    baseline = _first_delivery(empty, double, folder, "empty")
    empty.close()
    figure = _first_delivery(long, double, folder, "long")  # 1,000,000 pending, a month away
    return [
        Row(
            "restart with 1,000,000 queued: first delivery",
            f"{figure:.2f} s",
            f"{baseline:.2f} s (empty queue)",
            f"{figure / baseline:.2f}×",
            "",
        )
    ]


def run() -> Section:
    server = start_server()
    try:
        with tempfile.TemporaryDirectory(prefix="oyez-bench-scale-") as tmp:
            folder = Path(tmp)
            double = SlowX(latency=0.0).start()
            try:
                rows, plan, long = claim_rows(server, double)
                rows += restart_rows(server, folder, double, long)
                long.close()
            finally:
                double.stop()
            rows += worker_rows(server, folder)
    finally:
        server.stop()
    notes = (__doc__ or "") + "\nThe claim's plan at 1,000,000 pending:\n\n```\n" + plan + "\n```\n"
    return Section(title="Scale on PostgreSQL (bench_scale)", rows=rows, notes=notes)


if __name__ == "__main__":
    print(run().markdown())
