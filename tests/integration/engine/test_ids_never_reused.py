"""Ids of channels, posts, deliveries and audit events are never handed out twice.

A post's id and its channel's make the delivery key reconciliation looks for
on a network; a new post that took a deleted one's id could be "found" already
published. SQLite needs AUTOINCREMENT for this (migration e004); PostgreSQL's
sequences do it anyway. Both databases.
"""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select
from sqlmodel import col

from publisher.context import Context
from queue_db.tables import Channel, Delivery, Event, Post
from tests.helpers import add_outbox, make_context


@pytest.mark.parametrize("table", [Channel, Post, Delivery, Event], ids=lambda t: t.__name__)
def test_the_id_of_a_deleted_newest_row_is_not_handed_out_again(
    db_url: str, tmp_path: object, table: type
) -> None:
    ctx: Context = make_context(db_url)
    try:
        add_outbox(ctx, "news", tmp_path / "news")  # type: ignore[operator]
        with ctx.tx() as tx:
            channel = tx.add(Channel(name="other", kind="outbox"))
            post = tx.add(Post(text="Hello", author="alex"))
            assert channel.id is not None
            assert post.id is not None
            tx.add(Delivery(post_id=post.id, channel_id=channel.id))
            tx.add(Event(actor="alex", action="test"))
        with ctx.tx() as tx:
            newest = tx.session.execute(select(func.max(col(table.id)))).scalar_one()
            if table is Channel:
                tx.session.execute(delete(Delivery))
            if table is Post:
                tx.session.execute(delete(Delivery).where(col(Delivery.post_id) == newest))
            tx.session.execute(delete(table).where(col(table.id) == newest))
        with ctx.tx() as tx:
            if table is Channel:
                row = tx.add(Channel(name="third", kind="outbox"))
            elif table is Post:
                row = tx.add(Post(text="Again", author="alex"))
            elif table is Delivery:
                row = tx.add(Delivery(post_id=post.id, channel_id=1))
            else:
                row = tx.add(Event(actor="alex", action="again"))
            assert row.id is not None
            assert row.id > newest
    finally:
        ctx.close()
