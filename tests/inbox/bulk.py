"""Many inbox items written straight into the tables: for scale tests and the benchmark.

Rows go in with bulk INSERTs on the engine (no rounds, no routing), one
``inbox_link`` each, so 100,000 items take seconds rather than minutes.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import insert

from publisher.context import Context
from queue_db import channels as channel_db
from queue_db import streams as stream_db
from queue_db.states import InboxState, StreamKind
from queue_db.tables import InboxItem, InboxLink

BATCH = 10_000


def seed_items(ctx: Context, channel: str, count: int, newest: datetime) -> None:
    """``count`` items on ``channel``, one a minute up to ``newest``, seen by stream ``bulk``.

    Every tenth item is done and every fiftieth urgent, so the filters have work to do.
    """
    with ctx.store.begin() as tx:
        channel_id = channel_db.by_name(tx, channel).id
        stream_id = stream_db.add(
            tx, name="bulk", channel_id=channel_id, kind=StreamKind.MENTIONS
        ).id
    with ctx.store.engine.begin() as conn:
        for start in range(0, count, BATCH):
            numbers = range(start, min(start + BATCH, count))
            conn.execute(
                insert(InboxItem),
                [
                    {
                        "id": n + 1,
                        "channel_id": channel_id,
                        "remote_id": f"bulk{n}",
                        "kind": "mention",
                        "author_handle": f"@person{n % 997}",
                        "author_name": f"Person {n % 997}",
                        "text": f"Item {n}: are the bins going out on Saturday this week?",
                        "created_at": newest - timedelta(minutes=count - 1 - n),
                        "collected_at": newest,
                        "state": InboxState.DONE if n % 10 == 0 else InboxState.NEW,
                        "tags": [],
                        "urgent": n % 50 == 0,
                    }
                    for n in numbers
                ],
            )
            conn.execute(
                insert(InboxLink),
                [{"item_id": n + 1, "stream_id": stream_id, "linked_at": newest} for n in numbers],
            )
