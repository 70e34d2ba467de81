"""The inbox tables: each item once per channel, whoever stores it, and the stream's cursor."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from queue_db import channels as channel_db
from queue_db import inbox, streams
from queue_db.states import InboxState, StreamKind
from queue_db.store import Store
from queue_db.tables import Channel
from tests.helpers import all_at_once, make_context

NOW = datetime(2026, 5, 1, 12, tzinfo=UTC)


def _row(remote_id: str, text: str = "hello", **extra: Any) -> dict[str, Any]:
    return {
        "remote_id": remote_id,
        "kind": "mention",
        "author_handle": "@a",
        "author_name": "A",
        "text": text,
        "url": None,
        "created_at": NOW - timedelta(minutes=int(remote_id) % 50),
        "in_reply_to": None,
        **extra,
    }


def _setup(store: Store) -> tuple[int, int, int]:
    with store.begin() as tx:
        channel = tx.add(Channel(name="net", kind="outbox", settings={}))
        assert channel.id is not None
        one = streams.add(tx, name="one", channel_id=channel.id, kind=StreamKind.MENTIONS)
        two = streams.add(tx, name="two", channel_id=channel.id, kind=StreamKind.QUERY, query="x")
        return channel.id, one.id, two.id


def test_an_item_seen_twice_or_by_two_streams_is_stored_once_and_linked_to_both(
    store: Store,
) -> None:
    channel_id, one, two = _setup(store)
    with store.begin() as tx:
        first = inbox.store(tx, channel_id, one, [_row("1"), _row("2")], NOW)
    with store.begin() as tx:
        again = inbox.store(tx, channel_id, one, [_row("2"), _row("3")], NOW)
        other = inbox.store(tx, channel_id, two, [_row("1")], NOW)
    assert [i.remote_id for i in first] == ["1", "2"]
    assert [i.remote_id for i in again] == ["3"]
    assert other == []
    with store.begin() as tx:
        assert inbox.count(tx, inbox.ItemFilter()) == 3
        assert inbox.count(tx, inbox.ItemFilter(stream_id=two)) == 1
        linked = inbox.streams_of(tx, [first[0].id])
        assert linked == {first[0].id: [one, two]}
        assert first[0].state is InboxState.NEW


def test_the_cursor_moves_only_with_the_items_of_its_round(store: Store) -> None:
    channel_id, one, _ = _setup(store)
    try:
        with store.begin() as tx:
            inbox.store(tx, channel_id, one, [_row("7")], NOW)
            streams.advance(tx, one, cursor="7", complete=True, polled_at=NOW, next_poll_at=NOW)
            raise RuntimeError("the round dies before it commits")
    except RuntimeError:
        pass
    with store.begin() as tx:
        assert streams.by_id(tx, one).cursor is None
        assert inbox.count(tx, inbox.ItemFilter()) == 0


def test_of_two_workers_one_claims_a_round(db_url: str) -> None:
    ctx = make_context(db_url)
    _, one, _ = _setup(ctx.store)
    ctx.close()

    def claim(worker: Any) -> bool:
        with worker.store.begin() as tx:
            return streams.claim(tx, one, NOW, NOW + timedelta(minutes=5))

    won = all_at_once([make_context(db_url) for _ in range(4)], claim)
    assert sorted(won) == [False, False, False, True]


def test_two_workers_storing_the_same_items_at_once_store_each_once(db_url: str) -> None:
    ctx = make_context(db_url)
    channel_id, one, _ = _setup(ctx.store)
    ctx.close()
    rows = [_row(str(n)) for n in range(300)]

    def store_all(worker: Any) -> int:
        with worker.store.begin() as tx:
            return len(inbox.store(tx, channel_id, one, rows, NOW))

    added = all_at_once([make_context(db_url) for _ in range(3)], store_all)
    assert sum(added) == 300
    check = make_context(db_url)
    with check.store.begin() as tx:
        assert inbox.count(tx, inbox.ItemFilter()) == 300
        assert channel_db.by_id(tx, channel_id).name == "net"
    check.close()


def test_old_items_are_purged_with_their_links(store: Store) -> None:
    channel_id, one, _ = _setup(store)
    with store.begin() as tx:
        inbox.store(tx, channel_id, one, [_row("1")], NOW - timedelta(days=100))
        inbox.store(tx, channel_id, one, [_row("2")], NOW)
        assert inbox.purge(tx, NOW - timedelta(days=90)) == 1
        assert [i.remote_id for i in inbox.page(tx, inbox.ItemFilter())] == ["2"]
