"""The inbox: ingest of 10,000 items from X, and the Inbox screen's first paint on 100,000.

Ingest: the X double serves 10,000 tweets to a saved search. One round of
``listening.poll`` (the X channel through tweepy, 100 pages of 100, then the
inbox store in one transaction on SQLite) is timed beside the bare client
loop: tweepy's own ``Paginator`` over the same double and the same fields,
with nothing of oyez. A fresh database each time, so every round stores all
10,000.

First paint: a SQLite database of 100,000 items (written in bulk); ``oyez
tui`` is started in tmux, and once its queue is on the screen ``8`` is sent
and the time until the Inbox's status line shows is measured, beside the same
keystroke on a database with an empty inbox.
A benchmark, not a test: figures vary with the machine.
"""

from __future__ import annotations

import os
import shutil
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import tweepy

from bench.bench_engine import bare_x_client
from bench.bench_tui import BIN, _kill, _start, _tmux, _wait
from bench.report import Row, Section
from channels.base import Listens
from channels.x_listen import LISTEN_FIELDS
from publisher.context import Context, open_context
from publisher.context.settings import Settings
from publisher.service import channels, inbox, listening, streams
from queue_db.states import StreamKind
from tests.fakes.fixtures import build_channel
from tests.fakes.x import XDouble
from tests.inbox.bulk import seed_items

TWEETS = 10_000
ITEMS = 100_000
RUNS = 3
SCREEN_RUNS = 5
QUERY = "bins"
PREFIX = "OYEZ_BENCH_X"
#: The status line of the Inbox screen, and the queue's top bar once it is up.
INBOX_READY = "shown, newest first"
QUEUE_READY = "Inbox"


def _context(url: str) -> Context:
    return open_context(url, "bench", migrate=True, settings=Settings(database_url=url))


# -- ingest -------------------------------------------------------------------------------


def oyez_round(double: XDouble, folder: Path, n: int) -> float:
    """Seconds for one poll round that stores every tweet, on a fresh database."""
    ctx = _context(f"sqlite:///{folder / f'ingest-{n}.db'}")
    try:
        settings = {**double.channel_settings(prefix=PREFIX, timeout=30.0), "listen_pages": 100}
        channels.add_channel(ctx, "x", "x", settings)
        since = datetime.now(UTC) - timedelta(hours=1)
        streams.add_stream(ctx, "bins", "x", StreamKind.QUERY, query=QUERY, since=since)
        t0 = time.perf_counter()
        result = listening.poll(ctx)
        took = time.perf_counter() - t0
        if result.new != TWEETS:
            raise RuntimeError(f"the round stored {result.new} items, not {TWEETS}: {result}")
        return took
    finally:
        ctx.close()


def bare_loop(double: XDouble) -> float:
    """Seconds for tweepy alone to page every tweet of the search (and count them)."""
    client = bare_x_client(double.url, double.credentials(), timeout=30.0)
    start = datetime.now(UTC) - timedelta(hours=1)
    t0 = time.perf_counter()
    seen = 0
    for page in tweepy.Paginator(
        client.search_recent_tweets,
        QUERY,
        max_results=100,
        start_time=start,
        user_auth=True,
        **LISTEN_FIELDS,
    ):
        seen += len(page.get("data", []))
    took = time.perf_counter() - t0
    client.session.close()
    if seen != TWEETS:
        raise RuntimeError(f"tweepy read {seen} tweets, not {TWEETS}")
    return took


def channel_read(double: XDouble) -> float:
    """Seconds for the X channel alone to read the search (no database)."""
    channel = build_channel(double, timeout=30.0, prefix=PREFIX, listen_pages=100)
    assert isinstance(channel, Listens)
    try:
        t0 = time.perf_counter()
        page = channel.search(QUERY, None, datetime.now(UTC) - timedelta(hours=1))
        took = time.perf_counter() - t0
    finally:
        channel.close()
    if len(page.items) != TWEETS:
        raise RuntimeError(f"the channel read {len(page.items)} tweets, not {TWEETS}")
    return took


def ingest(folder: Path) -> tuple[list[float], list[float], list[float]]:
    """(oyez rounds, channel reads, bare loops) in seconds, interleaved so noise hits all alike."""
    with XDouble() as double:
        os.environ.update(double.environ(PREFIX))
        for n in range(TWEETS):
            double.tweet_as(f"resident{n % 500}", f"When do the {QUERY} go out? ({n})")
        ours, reads, bare = [], [], []
        for n in range(RUNS):
            bare.append(bare_loop(double))
            reads.append(channel_read(double))
            ours.append(oyez_round(double, folder, n))
    return ours, reads, bare


# -- first paint --------------------------------------------------------------------------


def inbox_database(folder: Path, name: str, items: int) -> str:
    url = f"sqlite:///{folder / name}"
    ctx = _context(url)
    try:
        channels.add_channel(ctx, "council", "outbox", {"path": str(folder / "outbox")})
        if items:
            seed_items(ctx, "council", items, datetime.now(UTC))
    finally:
        ctx.close()
    return url


def first_paint(url: str, label: str) -> list[float]:
    """Seconds from the ``8`` keystroke to the Inbox's status line, over SCREEN_RUNS starts."""
    times = []
    for n in range(SCREEN_RUNS):
        session = f"oyez-bench-inbox-{os.getpid()}-{label}-{n}"
        try:
            _start(session, f"{BIN / 'oyez'} --db {url} --as alex tui", (120, 40))
            _wait(session, QUEUE_READY)
            t0 = time.perf_counter()
            _tmux("send-keys", "-t", session, "8")
            times.append(_wait(session, INBOX_READY) - t0)
        finally:
            _kill(session)
    return times


def page_read(url: str) -> list[float]:
    """Seconds for the service call the screen makes (one page of 200) on 100,000 items."""
    ctx = _context(url)
    try:
        times = []
        for _ in range(SCREEN_RUNS):
            t0 = time.perf_counter()
            inbox.list_items(ctx, state="new", limit=200)
            times.append(time.perf_counter() - t0)
        return times
    finally:
        ctx.close()


def _ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:.0f} ms"


def _ratio(ours: list[float], base: list[float]) -> str:
    return f"{statistics.median(ours) / statistics.median(base):.2f}×"


def run() -> Section:
    folder = Path(tempfile.mkdtemp(prefix="oyez-bench-inbox-"))
    try:
        ours, reads, bare = ingest(folder)
        rows = [
            Row(
                f"ingest {TWEETS:,} tweets: one poll round (tweepy + inbox store, SQLite)",
                _ms(ours),
                f"{_ms(bare)} (bare tweepy Paginator)",
                _ratio(ours, bare),
                "≤ 1.5×",
            ),
            Row(
                "of which: the X channel's read alone (no database)",
                _ms(reads),
                f"{_ms(bare)} (bare tweepy Paginator)",
                _ratio(reads, bare),
                "",
            ),
            Row(
                "ingest rate through oyez",
                f"{TWEETS / statistics.median(ours):,.0f} items/s",
                f"{TWEETS / statistics.median(bare):,.0f} items/s",
                "",
                "",
            ),
        ]
        notes = ""
        if shutil.which("tmux") is None:
            notes = "First paint not measured: tmux is not installed."
        else:
            holder = f"oyez-bench-inbox-{os.getpid()}-hold"
            _start(holder, "sleep 900", (80, 24))
            try:
                built = time.perf_counter()
                big = inbox_database(folder, "big.db", ITEMS)
                built = time.perf_counter() - built
                empty = inbox_database(folder, "empty.db", 0)
                large = first_paint(big, "big")
                none = first_paint(empty, "empty")
                reads = page_read(big)
            finally:
                _kill(holder)
            notes = (
                f"The 100,000 items were written in {built:.1f} s. First paint is measured in "
                "tmux from `send-keys 8` (the queue already on the screen) until `capture-pane` "
                f"shows the Inbox's status line; medians of {SCREEN_RUNS} starts."
            )
            rows += [
                Row(
                    f"Inbox first screen, {ITEMS:,} items, 120×40",
                    _ms(large),
                    f"{_ms(none)} (empty inbox)",
                    _ratio(large, none),
                    "≤ 1.0 s",
                ),
                Row(
                    f"one Inbox page: 200 of {ITEMS:,} items (in process)",
                    _ms(reads),
                    "",
                    "",
                    "",
                ),
            ]
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return Section(
        "Inbox (10,000 items in, 100,000 on screen)",
        rows=rows,
        notes=(
            f"Ingest: the X double serves {TWEETS:,} tweets to a saved search; one "
            "`listening.poll` round (X channel through tweepy, 100 pages of 100, then the "
            "inbox store in one transaction, a fresh SQLite database each time) against "
            "tweepy's own Paginator over the same double and fields, no oyez; medians of "
            f"{RUNS}, interleaved. The double runs in the same process, so its time is in "
            "both figures. " + notes
        ),
    )


if __name__ == "__main__":
    print(run().markdown())
