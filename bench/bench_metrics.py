"""Reach: the figures of 10,000 sent posts collected from the X double.

10,000 tweets are made on the X API double and 10,000 sent deliveries planted
in a SQLite database; ``collect_now`` (what ``oyez metrics collect`` runs)
then asks X through tweepy for every one. X's tweet lookup takes at most 100
ids a call, so the fewest calls possible are ceil(10,000 / 100) = 100. A
second run pushes a 429 at the 51st call: the channel rests until the reset
the response names (no call while it rests), and a collection after the reset
asks only for what is still due. The baseline is the minimum possible number
of calls; the time is wall clock on a shared machine, for scale only.
"""

from __future__ import annotations

import math
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from bench.report import Row, Section
from publisher.context import Context, open_context
from publisher.context.settings import Settings
from publisher.service import channels
from publisher.service.metrics import collect_due, collect_now
from queue_db import post_batches
from queue_db.deliveries import plan as delivery_plan
from queue_db.tables import Post
from queue_db.types import utcnow
from tests.fakes.x import XDouble

POSTS = 10_000
BATCH = 100
MINIMUM = math.ceil(POSTS / BATCH)


def _lookups(x: XDouble) -> int:
    return sum(1 for r in x.requests if r.method == "GET" and r.path == "/2/tweets")


def _seed(folder: Path, x: XDouble) -> Context:
    url = f"sqlite:///{folder / 'reach.db'}"
    ctx = open_context(url, "bench", migrate=True, settings=Settings(database_url=url))
    ctx.environ = x.environ()
    settings = {k: str(v) for k, v in x.channel_settings(timeout=30.0).items()}
    channels.add_channel(ctx, "x", "x", settings)
    sent = utcnow() - timedelta(hours=2)
    tweets = [x.post_as_account(f"Safety tip {n}: lock your screen.") for n in range(POSTS)]
    for n, tweet in enumerate(tweets):
        x.set_metrics(tweet.id, like_count=n % 50, retweet_count=n % 7)
    row = Post(text="tip", author="bench", state="sent", created_at=sent, updated_at=sent)
    template = row.model_dump()
    template.pop("id")
    with ctx.tx() as tx:
        ids = post_batches.insert_many(tx, [dict(template) for _ in tweets])
        delivery_plan.insert_many(
            tx,
            [
                delivery_plan.row(
                    post_id, 1, sent, sent, state="sent", sent_at=sent, remote_id=tweet.id
                )
                for post_id, tweet in zip(ids, tweets, strict=True)
            ],
        )
    return ctx


def _plain(folder: Path) -> tuple[int, int, float]:
    with XDouble() as x:
        ctx = _seed(folder, x)
        try:
            x.requests.clear()
            started = time.perf_counter()
            done = collect_now(ctx)
            seconds = time.perf_counter() - started
            return done.measured, _lookups(x), seconds
        finally:
            ctx.close()


def _limited(folder: Path) -> tuple[int, int, int, int]:
    """(measured before the 429, calls while resting, measured after the reset, calls in all)."""
    with XDouble() as x:
        ctx = _seed(folder, x)
        try:
            x.requests.clear()
            x.faults.push("429", path="/2/tweets", method="GET", after=50)
            first = collect_now(ctx)
            rest = first.channels[0].rate_limited_until
            assert rest is not None, "the 429 was not seen"
            before = _lookups(x)
            now = ctx.clock()
            ctx.clock = lambda: now + timedelta(seconds=1)
            waiting = collect_due(ctx, {1: rest})
            during = _lookups(x) - before
            after_reset = rest + timedelta(minutes=61)
            ctx.clock = lambda: after_reset
            second = collect_due(ctx, {1: rest})
            assert waiting.measured == 0
            return first.measured, during, second.measured, _lookups(x)
        finally:
            ctx.close()


def run() -> Section:
    with tempfile.TemporaryDirectory(prefix="oyez-bench-metrics-") as folder:
        plain_dir, limited_dir = Path(folder) / "plain", Path(folder) / "limited"
        plain_dir.mkdir()
        limited_dir.mkdir()
        measured, calls, seconds = _plain(plain_dir)
        before, during, after, limited_calls = _limited(limited_dir)
    return Section(
        title="Reach collection (10,000 sent posts on the X double)",
        notes=__doc__ or "",
        rows=[
            Row(
                "calls to measure 10,000 posts",
                f"{calls} calls, {measured:,} measured ({seconds:.1f} s)",
                f"{MINIMUM} calls (ceil(10,000/100))",
                f"{calls / MINIMUM:.2f}× the minimum",
                "the minimum: full batches of 100",
            ),
            Row(
                "with a 429 at the 51st call",
                f"{before:,} measured, {during} calls while resting, "
                f"{after:,} after the reset; {limited_calls} calls in all",
                f"{MINIMUM + 1} calls (the minimum + the refused one)",
                f"{limited_calls / (MINIMUM + 1):.2f}×",
                "no call before the reset, no figure lost",
            ),
        ],
    )
