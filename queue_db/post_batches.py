"""Posts in batches: import and restore insert many at once, pruning deletes many.

Part of the posts noun (with :mod:`queue_db.posts`, the only other writer of
``post``); each statement binds at most :data:`~queue_db.posts.CHUNK` rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, text
from sqlalchemy import inspect as sa_inspect
from sqlmodel import col

from queue_db.posts import CHUNK
from queue_db.states import DeliveryState, PostState
from queue_db.store import Tx
from queue_db.tables import Delivery, Post


def existing_ids(tx: Tx, ids: Sequence[int]) -> set[int]:
    found: set[int] = set()
    for start in range(0, len(ids), CHUNK):
        chunk = list(ids[start : start + CHUNK])
        found.update(
            int(i)
            for i in tx.session.execute(
                select(col(Post.id)).where(col(Post.id).in_(chunk))
            ).scalars()
        )
    return found


def insert_many(tx: Tx, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert posts (every column given, ``id`` optional); return their ids in order."""
    table: Any = sa_inspect(Post).local_table
    if tx.dialect == "postgresql" and rows and "id" not in rows[0]:
        # Reserve the ids first, then insert without RETURNING: psycopg re-parses every
        # multi-row RETURNING statement, which costs three times a pipelined executemany.
        ids = [
            int(i)
            for i in tx.session.execute(
                text(
                    "SELECT nextval(pg_get_serial_sequence('post', 'id')) FROM generate_series(1, :n)"
                ),
                {"n": len(rows)},
            ).scalars()
        ]
        with_ids = [{**row, "id": i} for row, i in zip(rows, ids, strict=True)]
        for start in range(0, len(with_ids), CHUNK):
            tx.session.execute(insert(table), with_ids[start : start + CHUNK])
        return ids
    ids = []
    for start in range(0, len(rows), CHUNK):
        statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        result = tx.session.execute(statement, list(rows[start : start + CHUNK]))
        ids.extend(int(i) for i in result.scalars())
    return ids


def catch_up_ids(tx: Tx) -> None:
    """After inserting posts with explicit ids, make PostgreSQL's sequence continue past them."""
    if tx.dialect == "postgresql":
        tx.session.execute(
            text(
                "SELECT setval(pg_get_serial_sequence('post', 'id'), "
                "COALESCE((SELECT MAX(id) FROM post), 0) + 1, false)"
            )
        )


def prunable_drafts(tx: Tx, before: datetime) -> list[int]:
    """Drafts untouched since ``before`` that nothing was published from or threads under."""
    parents = select(col(Post.thread_parent_id)).where(col(Post.thread_parent_id).is_not(None))
    started = select(col(Delivery.post_id)).where(
        col(Delivery.state).not_in(
            (DeliveryState.PENDING, DeliveryState.HELD, DeliveryState.CANCELLED)
        )
    )
    query = (
        select(col(Post.id))
        .where(
            col(Post.state) == PostState.DRAFT,
            col(Post.updated_at) < before,
            col(Post.id).not_in(parents.scalar_subquery()),
            col(Post.id).not_in(started.scalar_subquery()),
        )
        .order_by(col(Post.id))
    )
    return [int(i) for i in tx.session.execute(query).scalars()]


def delete_many(tx: Tx, post_ids: Sequence[int]) -> None:
    """Delete posts and their (never started) deliveries. Their audit events stay."""
    from queue_db.deliveries import plan  # the writer of deliveries

    for start in range(0, len(post_ids), CHUNK):
        chunk = list(post_ids[start : start + CHUNK])
        plan.delete_of_posts(tx, chunk)
        tx.session.execute(delete(Post).where(col(Post.id).in_(chunk)))
