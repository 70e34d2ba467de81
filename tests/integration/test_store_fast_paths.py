"""The engine's fast paths through the Store: prepared statements and a pinned connection.

Each must behave exactly as the ordinary path does, on SQLite and PostgreSQL:
the same values stored, the same errors, the same all-or-nothing transactions.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import bindparam, insert, select, text, update
from sqlmodel import col

from queue_db import channels as channel_db
from queue_db import events
from queue_db.deliveries.settle import _LOAD
from queue_db.errors import Conflict, DatabaseUnavailable
from queue_db.prepared import Prepared
from queue_db.store import Store
from queue_db.tables import Channel, Event
from queue_db.types import UTCDateTime

AT = datetime(2026, 12, 6, 22, 0, 0, tzinfo=UTC)  # a whole second: no microseconds

_RENAME = Prepared(
    update(Channel)
    .where(col(Channel.id) == bindparam("channel_id"), col(Channel.paused).is_(False))
    .values(
        name=bindparam("name"),
        rate_limited_until=bindparam("until", type_=UTCDateTime()),
        paused_reason="renamed",
    )
    .returning(col(Channel.id))
)


_RENAME_ALL = Prepared(
    update(Channel)
    .where(col(Channel.id) == bindparam("channel_id"), col(Channel.paused).is_(False))
    .values(name=bindparam("name"))
)


def _channel(store: Store, name: str = "news") -> int:
    with store.begin() as tx:
        return channel_db.add(tx, name, "outbox", {}, "UTC").id


def test_a_prepared_write_stores_times_as_core_does_and_reads_back_the_same(
    store: Store,
) -> None:
    first, second = _channel(store, "first"), _channel(store, "second")
    paris = AT.astimezone(ZoneInfo("Europe/Paris"))
    with store.begin() as tx:
        rows = _RENAME.rows(tx, {"channel_id": first, "name": "renamed", "until": paris})
        tx.connection.execute(
            update(Channel).where(col(Channel.id) == second).values(rate_limited_until=paris)
        )
    assert rows == [(first,)]
    with store.begin() as tx:
        query = text("SELECT id, CAST(rate_limited_until AS TEXT) FROM channel")
        stored = {int(i): at for i, at in tx.connection.execute(query)}
        record = channel_db.by_id(tx, first)
    assert stored[first] == stored[second]
    assert (record.name, record.paused_reason, record.rate_limited_until) == (
        "renamed",
        "renamed",
        AT,
    )


def test_a_prepared_statement_that_matches_nothing_returns_no_rows(store: Store) -> None:
    channel_id = _channel(store)
    with store.begin() as tx:
        channel_db.pause(tx, channel_id, "held")
    with store.begin() as tx:
        assert _RENAME.rows(tx, {"channel_id": channel_id, "name": "x", "until": AT}) == []


def test_prepared_many_counts_the_rows_it_changed(store: Store) -> None:
    ids = [_channel(store, f"c{i}") for i in range(3)]
    with store.begin() as tx:
        channel_db.pause(tx, ids[1], "held")
    params = [{"channel_id": i, "name": f"n{i}"} for i in ids]
    with store.begin() as tx:
        assert _RENAME_ALL.many(tx, params) == 2
        with pytest.raises(TypeError, match="returns no rows"):
            _RENAME.many(tx, [{"channel_id": ids[0], "name": "x", "until": AT}])


def test_a_prepared_insert_logs_events_with_their_detail(store: Store) -> None:
    rows = [
        {"at": AT + timedelta(seconds=i), "actor": "oyez", "action": "sent", "post_id": None,
         "channel_id": None, "detail": {"remote_id": str(i), "text": "café ✓"}}
        for i in range(3)
    ]  # fmt: skip
    with store.begin() as tx:
        events.append_many(tx, rows)
    with store.begin() as tx:
        logged = events.of_actions(tx, ["sent"])
    assert [(e.at, e.detail) for e in logged] == [(r["at"], r["detail"]) for r in rows]


def test_a_driver_error_in_a_prepared_statement_is_a_store_error_and_rolls_back(
    store: Store,
) -> None:
    first = _channel(store, "first")
    second = _channel(store, "second")

    def log_then_take_a_taken_name() -> None:
        with store.begin() as tx:
            events.append_many(tx, [{"at": AT, "actor": "a", "action": "x", "post_id": None,
                                     "channel_id": None, "detail": {}}])  # fmt: skip
            _RENAME.rows(tx, {"channel_id": second, "name": "first", "until": AT})

    with pytest.raises(Conflict):
        log_then_take_a_taken_name()
    with store.begin() as tx:
        assert channel_db.by_id(tx, first).name == "first"
        assert channel_db.by_id(tx, second).name == "second"
        assert events.of_actions(tx, ["x"]) == []  # the whole transaction went


def test_a_statement_whose_results_need_converting_is_refused(store: Store) -> None:
    with store.begin() as tx, pytest.raises(TypeError, match="unconverted"):
        Prepared(select(col(Event.at))).rows(tx, {})


def test_a_statement_with_an_expanding_list_is_refused(store: Store) -> None:
    with store.begin() as tx, pytest.raises(TypeError, match="IN lists"):
        Prepared(_LOAD).rows(tx, {"ids": [1]})


def test_pinned_transactions_share_one_connection_and_each_commits(store: Store) -> None:
    channel_id = _channel(store)
    seen = []
    with store.pinned():
        for name in ("a", "b"):
            with store.begin() as tx:
                seen.append(tx.connection)
                channel_db.change(tx, channel_id, timezone=f"Europe/{name}")
            # Committed: another connection sees it at once.
            with store.engine.connect() as other:
                zone = other.execute(
                    select(col(Channel.timezone)).where(col(Channel.id) == channel_id)
                ).scalar()
            assert zone == f"Europe/{name}"
    assert seen[0] is seen[1]


def test_a_transaction_begun_inside_a_pinned_one_takes_its_own_connection(store: Store) -> None:
    with store.pinned(), store.begin() as outer, store.begin() as inner:
        assert inner.connection is not outer.connection


def test_a_failed_pinned_transaction_rolls_back_and_the_next_one_works(store: Store) -> None:
    channel_id = _channel(store)

    def change_then_fail() -> None:
        with store.begin() as tx:
            channel_db.change(tx, channel_id, timezone="Europe/Lost")
            raise RuntimeError("boom")

    with store.pinned():
        with pytest.raises(RuntimeError):
            change_then_fail()
        with store.begin() as tx:
            assert channel_db.by_id(tx, channel_id).timezone == "UTC"
            tx.connection.execute(insert(Event).values(at=AT, actor="a", action="kept", detail={}))
    with store.begin() as tx:
        assert len(events.of_actions(tx, ["kept"])) == 1


def test_a_pinned_connection_that_the_server_dropped_fails_once_and_the_next_batch_reconnects(
    store: Store,
) -> None:
    if store.dialect != "postgresql":
        pytest.skip("only a server can drop a connection")
    channel_id = _channel(store)

    def rename(name: str) -> None:
        with store.begin() as tx:
            _RENAME.rows(tx, {"channel_id": channel_id, "name": name, "until": AT})

    with store.pinned():
        with store.begin() as tx:
            pid = tx.connection.execute(text("SELECT pg_backend_pid()")).scalar()
        with store.engine.connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            other.commit()
        with pytest.raises(DatabaseUnavailable):
            rename("lost")  # the prepared statement meets the dropped connection
        rename("found")  # the next transaction takes a fresh connection
    with store.begin() as tx:
        assert channel_db.by_id(tx, channel_id).name == "found"
