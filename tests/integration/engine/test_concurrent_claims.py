"""Workers claiming side by side: each claim takes at most its batch, and no row twice.

On PostgreSQL a claim that lets the planner run its ``LIMIT … SKIP LOCKED``
subquery more than once (a re-check after a concurrent update does) takes a
new set of rows each time: one worker then holds hundreds of deliveries while
the others find nothing, and four workers go no faster than one.
"""

from __future__ import annotations

import threading
from datetime import timedelta

from queue_db.deliveries import claim
from tests.integration.engine.conftest import Engine

POSTS = 240
WORKERS = 6
LIMIT = 5


def test_concurrent_claims_never_take_more_than_their_batch_nor_a_row_twice(
    engine: Engine,
) -> None:
    engine.scripted("net")
    for i in range(POSTS):
        engine.post(f"Side by side {i:03d}", ["net"])
    claims: dict[str, list[list[int]]] = {f"worker-{n}": [] for n in range(WORKERS)}
    start = threading.Barrier(WORKERS)

    def work(owner: str) -> None:
        start.wait()
        while True:
            with engine.ctx.tx() as tx:
                ids = claim.claim_due(
                    tx, owner, engine.clock.now, limit=LIMIT, lease=timedelta(minutes=5)
                )
            if not ids:
                return
            claims[owner].append(ids)

    threads = [threading.Thread(target=work, args=(owner,)) for owner in claims]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    sizes = [len(ids) for batches in claims.values() for ids in batches]
    assert max(sizes) <= LIMIT, sorted(sizes)[-5:]
    every = [i for batches in claims.values() for ids in batches for i in ids]
    assert len(every) == len(set(every)) == POSTS
