"""The reach tables: a time series per delivery, the latest figures, and who is due."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from queue_db import metrics
from queue_db.store import Store
from queue_db.tables import Channel, Delivery, Post

SENT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _sent_delivery(store: Store, remote_id: str = "r1", state: str = "sent") -> int:
    with store.begin() as tx:
        channel = tx.add(Channel(name=f"x-{remote_id}", kind="x"))
        post = tx.add(Post(text="Bins move to Saturday.", author="alex", state="sent"))
        assert channel.id is not None
        assert post.id is not None
        delivery = tx.add(
            Delivery(
                post_id=post.id,
                channel_id=channel.id,
                state=state,
                remote_id=remote_id,
                sent_at=SENT,
            )
        )
        assert delivery.id is not None
        return delivery.id


def test_each_collection_is_a_row_and_the_latest_replaces_the_last(store: Store) -> None:
    delivery = _sent_delivery(store)
    first, later = SENT + timedelta(hours=1), SENT + timedelta(days=1)
    with store.begin() as tx:
        metrics.record_many(tx, first, {delivery: ({"likes": 2, "reposts": 0}, later)})
    with store.begin() as tx:
        metrics.record_many(tx, later, {delivery: ({"likes": 9, "reposts": 1}, None)})

    with store.begin() as tx:
        series = metrics.samples(tx, delivery)
        latest = metrics.latest(tx, [delivery])[delivery]

    assert [(s.collected_at, s.likes, s.reposts) for s in series] == [(first, 2, 0), (later, 9, 1)]
    assert (latest.likes, latest.reposts, latest.collected_at) == (9, 1, later)
    assert latest.impressions is None  # not given is not zero
    assert latest.next_due_at is None


def test_the_schedule_asks_for_unmeasured_and_due_deliveries_only(store: Store) -> None:
    fresh = _sent_delivery(store, "fresh")
    due = _sent_delivery(store, "due")
    done = _sent_delivery(store, "done")
    retracted = _sent_delivery(store, "retracted", state="retracted")
    now = SENT + timedelta(hours=2)
    with store.begin() as tx:
        metrics.record_many(
            tx,
            SENT + timedelta(hours=1),
            {due: ({"likes": 1}, SENT + timedelta(hours=2)), done: ({"likes": 1}, None)},
        )
        scheduled = metrics.targets(
            tx, sent_since=SENT - timedelta(days=8), now=now, first_due_before=now
        )
        everything = metrics.targets(tx, sent_since=SENT - timedelta(days=8), now=now)

    assert {t.delivery_id for t in scheduled} == {fresh, due}
    assert {t.delivery_id for t in everything} == {fresh, due, done}
    assert retracted not in {t.delivery_id for t in everything}


def test_a_gone_post_is_never_asked_for_again(store: Store) -> None:
    delivery = _sent_delivery(store)
    now = SENT + timedelta(hours=2)
    with store.begin() as tx:
        metrics.mark_gone(tx, [delivery], now)
        assert metrics.targets(tx, sent_since=SENT - timedelta(days=1), now=now) == []
        assert metrics.latest(tx, [delivery])[delivery].gone_at == now
