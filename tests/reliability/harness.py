"""What the reliability tests share: a queue of posts, real ``oyez run`` processes, the doubles.

Posts are written straight into the queue in bulk (the lifecycle has its own
tests); every delivery is then published by daemons running as subprocesses,
talking HTTP to the API doubles in this process, which count what arrives.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from publisher.context import Context, open_context
from publisher.context.settings import Settings
from publisher.service import channels
from queue_db import channels as channel_db
from queue_db import posts as post_db
from queue_db import workers
from queue_db.deliveries.read import counts as delivery_counts
from queue_db.tables import Delivery, Post
from queue_db.types import utcnow
from tests.fakes.server import FakeAPI, Reply, Request
from tests.fakes.x import XDouble

REPO = Path(__file__).resolve().parents[2]
#: Client timeout the daemons use against the doubles (a hang costs this much).
CLIENT_TIMEOUT = 0.5
#: States in which a delivery is settled for good.
SETTLED = ("sent", "failed", "needs_attention", "expired", "cancelled")


@dataclass
class Queue:
    """A database with channels on the doubles, and posts in it."""

    url: str
    ctx: Context
    doubles: dict[str, FakeAPI]
    texts: list[str] = field(default_factory=list)

    @classmethod
    def create(cls, url: str, doubles: dict[str, FakeAPI]) -> Queue:
        ctx = open_context(url, "tester", settings=Settings(database_url=url))
        for name, double in doubles.items():
            settings = double.channel_settings(prefix=_prefix(name), timeout=CLIENT_TIMEOUT)
            channels.add_channel(ctx, name, double.kind, settings)
        return cls(url, ctx, doubles)

    def environ(self, **extra: str) -> dict[str, str]:
        """The environment of a daemon: credentials, short leases and backoffs, no config file."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("OYEZ_")}
        for name, double in self.doubles.items():
            env.update(double.environ(_prefix(name)))
        env.update(
            {
                "OYEZ_CONFIG": str(REPO / "tests" / "reliability" / "no-such-config.toml"),
                "OYEZ_DATABASE_URL": self.url,
                "OYEZ_USER": "daemon",
                "OYEZ_DELIVERY__LEASE_SECONDS": "2",
                "OYEZ_DELIVERY__MAX_BACKOFF_SECONDS": "1",
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.update(extra)
        return env

    def add_posts(self, count: int, *, start: datetime, spread: timedelta, tag: str) -> None:
        """``count`` scheduled posts to every channel, due evenly over ``spread`` from ``start``."""
        step = spread / max(1, count)
        with self.ctx.tx() as tx:
            ids = [c.id for c in channel_db.every(tx) if c.id is not None]
            for i in range(count):
                text = f"{tag} post {i:04d}: all clear on the east line"
                due = start + step * i
                post = tx.add(Post(text=text, author="tester", state="scheduled", scheduled_at=due))
                assert post.id is not None
                for channel_id in ids:
                    tx.session.add(
                        Delivery(
                            post_id=post.id,
                            channel_id=channel_id,
                            state="pending",
                            due_at=due,
                            next_attempt_at=due,
                        )
                    )
                self.texts.append(text)

    def counts(self) -> dict[str, int]:
        with self.ctx.tx() as tx:
            return delivery_counts(tx)

    def running(self, daemon: Daemon) -> bool:
        """Whether ``daemon`` has started its dispatcher (its worker row is there)."""
        with self.ctx.tx() as tx:
            return any(w.pid == daemon.pid for w in workers.every(tx))

    def holds_batch(self, daemon: Daemon) -> bool:
        """Whether ``daemon`` holds claimed deliveries right now (a batch in flight)."""
        with self.ctx.tx() as tx:
            owners = tx.session.execute(
                select(col(Delivery.lease_owner)).where(col(Delivery.state) == "sending")
            ).scalars()
            return any(f":{daemon.pid}:" in (owner or "") for owner in owners)

    def post_states(self) -> dict[str, int]:
        with self.ctx.tx() as tx:
            return post_db.count_by_state(tx)

    def settled(self) -> bool:
        return all(state in SETTLED for state in self.counts())

    def rows(self) -> list[tuple[str, str, str | None, str | None]]:
        """(channel, state, error kind, last error) of every delivery."""
        with self.ctx.tx() as tx:
            names = {c.id: c.name for c in channel_db.every(tx)}
            return [
                (names[d.channel_id], d.state, d.error_kind, d.last_error)
                for d in tx.session.query(Delivery).all()
            ]

    def close(self) -> None:
        self.ctx.close()


class SlowX(XDouble):
    """The X double with an answer time: ``latency`` seconds per call (``posts_only``: per tweet).

    A tweet is made first and answered after the wait, as a busy network
    does: a client killed while it waits has made the post all the same.
    """

    def __init__(self, *, latency: float, posts_only: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.latency = latency
        self.posts_only = posts_only

    def handle(self, request: Request) -> Reply:
        reply = super().handle(request)
        if not self.posts_only or (request.method == "POST" and request.path == "/2/tweets"):
            time.sleep(self.latency)
        return reply


def _prefix(name: str) -> str:
    return f"OYEZ_TEST_{name.upper()}"


def published(double: FakeAPI) -> Counter[str]:
    """How many times each text arrived at the double (deleted posts included)."""
    return Counter(p.text for p in double.all_posts)


def duplicates_and_losses(
    double: FakeAPI, expected: Iterable[str], may_be_missing: Sequence[str] = ()
) -> tuple[dict[str, int], list[str]]:
    seen = published(double)
    dupes = {text: n for text, n in seen.items() if n > 1}
    lost = [t for t in expected if seen[t] == 0 and t not in may_be_missing]
    return dupes, lost


class Daemon:
    """One ``oyez run`` process."""

    def __init__(self, env: dict[str, str], log: Path, *extra: str) -> None:
        self.log = log
        with log.open("a", encoding="utf-8") as sink:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "publisher", "run", "--quiet", *extra],
                env=env,
                cwd=REPO,
                stdout=subprocess.DEVNULL,
                stderr=sink,
            )

    @property
    def pid(self) -> int:
        return self.process.pid

    def kill(self) -> None:
        """SIGKILL, then reap it (a zombie would look alive to the next worker)."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def terminate(self, timeout: float = 15.0) -> int:
        """SIGTERM: the daemon finishes its call in flight and exits."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise

    def errors(self) -> str:
        """What the daemon wrote on stderr (logged warnings, a traceback)."""
        return self.log.read_text(encoding="utf-8") if self.log.exists() else ""


def finish(queue: Queue, env: dict[str, str], log: Path, timeout: float) -> tuple[bool, int]:
    """Run one last daemon until every delivery is settled; stop it with SIGTERM.

    A daemon that dies before it is done is started again, as a supervisor
    would (at most a few times): in a tree others are editing, a start can
    fail on their half-written module. Returns (settled, the exit code of the
    daemon that finished).
    """
    deadline = time.monotonic() + timeout
    for _ in range(4):
        daemon = Daemon(env, log)
        while time.monotonic() < deadline and daemon.process.poll() is None:
            if queue.settled() and queue.running(daemon):
                return True, daemon.terminate()
            time.sleep(0.2)
        if daemon.process.poll() is None:
            daemon.terminate()
            break
    return queue.settled(), -1


def wait_until(condition: object, timeout: float, step: float = 0.1) -> bool:
    assert callable(condition)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return bool(condition())


def now() -> datetime:
    return utcnow()
