"""Building a long queue fast for the engine benchmarks: posts and deliveries in bulk."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, insert, select
from sqlmodel import col

from publisher.context import Context, open_context
from publisher.context.settings import Settings
from publisher.service import channels
from queue_db import channels as channel_db
from queue_db.database import make_engine
from queue_db.migrate import upgrade
from queue_db.tables import Delivery, Post
from queue_db.types import utcnow
from tests.fakes.server import FakeAPI

ROOT = Path(__file__).resolve().parent.parent
PREFIX = "OYEZ_BENCH_X"
BATCH = 5_000


def sqlite_context(folder: Path, name: str = "bench.db") -> Context:
    url = f"sqlite:///{folder / name}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return open_context(url, "bench", settings=Settings(database_url=url))


def add_double_channel(ctx: Context, name: str, double: FakeAPI, timeout: float = 5.0) -> None:
    channels.add_channel(
        ctx, name, double.kind, double.channel_settings(prefix=PREFIX, timeout=timeout)
    )


def queue_texts(count: int, tag: str) -> list[str]:
    """The texts the engine benchmarks post: short service updates, each unique."""
    return [f"{tag} {i:06d}: service update for the east line" for i in range(count)]


def queue_posts(ctx: Context, channel: str, times: Sequence[datetime], tag: str) -> list[str]:
    """One scheduled post per time, each to ``channel``; returns their texts (in order)."""
    texts = queue_texts(len(times), tag)
    with ctx.tx() as tx:
        channel_id = channel_db.by_name(tx, channel).id
        first = tx.session.execute(select(func.max(col(Post.id)))).scalar() or 0
    now = utcnow()
    for start in range(0, len(times), BATCH):
        chunk = range(start, min(start + BATCH, len(times)))
        with ctx.tx() as tx:
            tx.session.execute(
                insert(Post),
                [
                    {
                        "id": first + 1 + i,
                        "text": texts[i],
                        "variants": {},
                        "media": [],
                        "author": "bench",
                        "source": "manual",
                        "state": "scheduled",
                        "scheduled_at": times[i],
                        "priority": 0,
                        "urgent": False,
                        "findings": [],
                        "created_at": now,
                        "updated_at": now,
                    }
                    for i in chunk
                ],
            )
            tx.session.execute(
                insert(Delivery),
                [
                    {
                        "post_id": first + 1 + i,
                        "channel_id": channel_id,
                        "state": "pending",
                        "due_at": times[i],
                        "next_attempt_at": times[i],
                        "attempts": 0,
                        "updated_at": now,
                    }
                    for i in chunk
                ],
            )
    return texts


@dataclass
class DaemonProcess:
    """An ``oyez run`` subprocess, with its CPU and memory readable from /proc."""

    process: subprocess.Popen[bytes]

    @classmethod
    def start(cls, url: str, double: FakeAPI, *extra: str) -> DaemonProcess:
        env = {k: v for k, v in os.environ.items() if not k.startswith("OYEZ_")}
        env.update(double.environ(PREFIX))
        env.update(
            {
                "OYEZ_CONFIG": str(ROOT / "bench" / "no-such-config.toml"),
                "OYEZ_DATABASE_URL": url,
                "OYEZ_USER": "bench",
            }
        )
        process = subprocess.Popen(
            [sys.executable, "-m", "publisher", "run", "--quiet", *extra],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        return cls(process)

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        return (int(fields[11]) + int(fields[12])) / ticks

    def memory(self) -> tuple[int, int]:
        """(resident now, peak resident) in bytes."""
        values: dict[str, int] = {}
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0]) * 1024
        return values["VmRSS"], values["VmHWM"]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
