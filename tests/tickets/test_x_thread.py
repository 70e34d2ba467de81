"""End to end on the X double: four ticket events make four tweets, the last three replies to the first."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from apscheduler.triggers.interval import IntervalTrigger

from publisher.context import Context
from publisher.engine.producers import Producer
from publisher.engine.runner import Dispatcher
from publisher.sources.tickets import pump_all
from tests.fakes.x import XDouble
from tests.helpers import make_context, oyez
from tests.tickets.conftest import deliver_all, network_ticket_channel, started_with_env

PREFIX = "OYEZ_TEST_TICKETS_X"
EVENTS = [
    ["--status", "open", "--title", "Amsterdam–Hamburg link down", "--impact", "outage"],
    ["--status", "investigating", "--text", "Engineers are on their way."],
    ["--status", "identified", "--text", "A fibre was cut near Osnabrück."],
    ["--status", "resolved", "--text", "The link is back."],
]


def oyez_ok(db: str, *args: str) -> str:
    """Run a command as olga; it must succeed. Its stdout."""
    code, out, err = oyez(db, *args, actor="olga")
    assert code == 0, err
    return out


@pytest.fixture
def x(monkeypatch: pytest.MonkeyPatch) -> Iterator[XDouble]:
    yield from started_with_env(XDouble(), PREFIX, monkeypatch)


@pytest.fixture
def db(db_url: str, x: XDouble) -> str:
    network_ticket_channel(db_url, "noc-x", x, PREFIX)
    return db_url


def assert_thread(x: XDouble) -> None:
    tweets = x.posts
    assert len(tweets) == 4
    first, *replies = tweets
    assert first.reply_to is None
    assert first.text.startswith("[TT-1234] Outage: Amsterdam–Hamburg link down.")
    assert [r.reply_to for r in replies] == [first.id] * 3
    assert [r.text for r in replies] == [
        "[TT-1234] Update: investigating. Engineers are on their way.",
        "[TT-1234] Update: identified. A fibre was cut near Osnabrück.",
        "[TT-1234] Resolved: Amsterdam–Hamburg link down. The link is back.",
    ]


def test_four_events_give_four_tweets_the_last_three_replying_to_the_first_in_order(
    db: str, x: XDouble
) -> None:
    for args in EVENTS:
        oyez_ok(db, "tickets", "event", "--id", "TT-1234", *args)
    ctx = make_context(db, "oyez")
    try:
        deliver_all(ctx)
    finally:
        ctx.close()
    assert_thread(x)
    listed = oyez_ok(db, "tickets", "list")
    assert "TT-1234" in listed


def test_the_daemon_threads_ticket_events_sent_while_it_runs(db: str, x: XDouble) -> None:
    ctx: Context = make_context(db, "oyez")
    pump = Producer("tickets:pump", IntervalTrigger(seconds=0.2), pump_all)
    dispatcher = Dispatcher(ctx, producers=[pump], safety_sleep=0.5)
    dispatcher.start()
    try:
        for args in EVENTS:
            oyez_ok(db, "tickets", "event", "--id", "TT-1234", *args)
        deadline = time.monotonic() + 30
        while len(x.posts) < 4 and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        dispatcher.stop()
        ctx.close()
    assert_thread(x)
