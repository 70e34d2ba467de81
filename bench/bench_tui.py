"""The TUI on 100,000 posts, measured from outside in tmux as a person would see it.

A SQLite database of 100,000 posts (with a delivery each) is written in bulk;
``oyez tui`` is started in a detached tmux session and its screen is read
with ``tmux capture-pane`` until the queue is there. Then a post is typed in
the editor and the time from one keystroke to its guideline finding on the
screen is measured, next to the time for a keystroke to echo at all.

Baselines, in the same run: a trivial Textual app (Python, Textual and tmux
start-up) for the first screen; the keystroke's own echo for the finding.
A benchmark, not a test: figures vary with the machine.
"""

from __future__ import annotations

import itertools
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

from bench.report import Row, Section
from publisher.context import open_context
from publisher.context.settings import Settings
from publisher.service import channels, queue
from publisher.service.queue import QueueQuery
from queue_db import channels as channel_db
from queue_db.tables import Delivery, Post

POSTS = 100_000
RUNS = 5
KEYSTROKES = 20
BIN = Path(sys.executable).parent
_sessions = itertools.count()
TRIVIAL_APP = """
from textual.app import App
from textual.widgets import Static
from queue_db import channels as channel_db

class Ready(App[None]):
    def compose(self):
        yield Static("ready to go")

Ready().run()
"""


def build_database(folder: Path) -> str:
    """100,000 posts: most sent, the rest in the other states, each with one delivery."""
    url = f"sqlite:///{folder / 'bench-tui.db'}"
    ctx = open_context(url, "bench", migrate=True, settings=Settings(database_url=url))
    for name in ("council", "csirt"):
        channels.add_channel(ctx, name, "outbox", {"path": str(folder / name)})
    ids = {c.name: c for c in channels.list_channels(ctx)}
    with ctx.store.begin() as tx:
        channel_ids = [channel_db.by_name(tx, n).id for n in ids]
    now = datetime.now(UTC)
    states = ["sent"] * 6 + ["scheduled", "approved", "in_review", "draft"]
    with ctx.store.engine.begin() as conn:
        for start in range(0, POSTS, 10_000):
            post_rows = []
            for n in range(start, start + 10_000):
                state = states[n % len(states)]
                at = now + timedelta(minutes=(n - POSTS * 0.6) * 7)
                post_rows.append(
                    {
                        "id": n + 1,
                        "text": f"Post {n}: bin collections move to Saturday. See the site. ^CB",
                        "variants": {},
                        "media": [],
                        "author": "alex",
                        "source": "manual",
                        "state": state,
                        "scheduled_at": at if state in ("sent", "scheduled") else None,
                        "priority": 0,
                        "urgent": False,
                        "findings": [],
                        "created_at": now,
                        "updated_at": now,
                    }
                )
            conn.execute(insert(Post), post_rows)
            conn.execute(
                insert(Delivery),
                [
                    {
                        "post_id": n + 1,
                        "channel_id": channel_ids[n % 2],
                        "state": "sent" if states[n % len(states)] == "sent" else "pending",
                        "attempts": 1 if states[n % len(states)] == "sent" else 0,
                        "updated_at": now,
                    }
                    for n in range(start, start + 10_000)
                ],
            )
    ctx.close()
    return url


# -- tmux ---------------------------------------------------------------------------------


def _tmux(*args: str) -> str:
    return subprocess.run(
        ["tmux", *args], capture_output=True, text=True, check=True, timeout=10
    ).stdout


def _screen(session: str) -> str:
    return _tmux("capture-pane", "-p", "-t", session)


def _wait(session: str, needle: str, *, gone: bool = False, timeout: float = 30.0) -> float:
    """Poll the screen until ``needle`` shows (or, ``gone``, no longer shows)."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if (needle in _screen(session)) != gone:
            return time.perf_counter()
    raise TimeoutError(f"{needle!r} never {'left' if gone else 'reached'} the screen")


def _start(session: str, command: str, size: tuple[int, int]) -> float:
    started = time.perf_counter()
    _tmux("new-session", "-d", "-s", session, "-x", str(size[0]), "-y", str(size[1]), command)
    return started


def _kill(session: str) -> None:
    subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True, check=False)


def first_screen(command: str, needle: str, size: tuple[int, int]) -> list[float]:
    times = []
    for _ in range(RUNS):
        session = f"oyez-bench-{os.getpid()}-{next(_sessions)}"
        try:
            started = _start(session, command, size)
            times.append(_wait(session, needle) - started)
        finally:
            _kill(session)
    return times


def keystrokes(url: str) -> tuple[list[float], list[float]]:
    """(keystroke → finding shown, keystroke → character echoed), in seconds."""
    session = f"oyez-bench-{os.getpid()}-keys"
    findings: list[float] = []
    echoes: list[float] = []
    try:
        _start(session, f"{BIN / 'oyez'} --db {url} --as alex tui", (120, 40))
        _wait(session, "1–100 of")
        _tmux("send-keys", "-t", session, "n")
        _wait(session, "Findings")
        # One digit short of a number the possible-number check would flag.
        _tmux("send-keys", "-t", session, "-l", "Call the team on 020 7946 0")
        _wait(session, "7946 0")
        for _ in range(KEYSTROKES):
            # The last digit completes a phone number: the finding appears with it.
            t0 = time.perf_counter()
            _tmux("send-keys", "-t", session, "-l", "0")
            findings.append(_wait(session, "personal-data") - t0)
            _tmux("send-keys", "-t", session, "BSpace")
            _wait(session, "personal-data", gone=True)
            t0 = time.perf_counter()
            _tmux("send-keys", "-t", session, "-l", "z")
            echoes.append(_wait(session, "7946 0z") - t0)
            _tmux("send-keys", "-t", session, "BSpace")
            _wait(session, "7946 0z", gone=True)
    finally:
        _kill(session)
    return findings, echoes


def import_time(module: str) -> list[float]:
    """Wall time of a fresh interpreter importing ``module`` (and nothing else)."""
    times = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", f"import {module}"], check=True, timeout=60)
        times.append(time.perf_counter() - t0)
    return times


def _ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:.0f} ms"


def _p95(values: list[float]) -> str:
    ordered = sorted(values)
    return f"{ordered[int(0.95 * (len(ordered) - 1))] * 1000:.0f} ms"


def run() -> Section:
    if shutil.which("tmux") is None:
        return Section("Terminal UI", notes="Not measured: tmux is not installed.")
    folder = Path(tempfile.mkdtemp(prefix="oyez-bench-tui-"))
    # Keep one session for the whole run: when the last session of a tmux server
    # ends the server exits, and a new-session racing with that exit fails.
    holder = f"oyez-bench-{os.getpid()}-hold"
    _start(holder, "sleep 900", (80, 24))
    try:
        built = time.perf_counter()
        url = build_database(folder)
        built = time.perf_counter() - built
        ctx = open_context(url, "bench", settings=Settings(database_url=url))
        page_times = []
        for _ in range(RUNS):
            t0 = time.perf_counter()
            page = queue.queue_page(ctx, QueueQuery(), limit=100)
            page_times.append(time.perf_counter() - t0)
        count_times = []
        for _ in range(RUNS):
            t0 = time.perf_counter()
            queue.change_marker(ctx)
            count_times.append(time.perf_counter() - t0)
        ctx.close()
        trivial = folder / "trivial.py"
        trivial.write_text(TRIVIAL_APP, encoding="utf-8")
        baseline = first_screen(f"{sys.executable} {trivial}", "ready to go", (80, 24))
        oyez = f"{BIN / 'oyez'} --db {url} --as alex tui"
        small = first_screen(oyez, "1–100 of", (80, 24))
        large = first_screen(oyez, "1–100 of", (160, 48))
        findings, echoes = keystrokes(url)
        cli_import = import_time("publisher.cli")
        tui_import = import_time("publisher.tui.app")
        bare = import_time("sys")
    finally:
        _kill(holder)
        shutil.rmtree(folder, ignore_errors=True)
    base = statistics.median(baseline)
    echo = statistics.median(echoes)
    return Section(
        "Terminal UI (100,000 posts, measured in tmux)",
        notes=(
            f"A SQLite database of {POSTS:,} posts with a delivery each (written in "
            f"{built:.1f} s); the queue opens on {page.total:,} upcoming posts. First-screen "
            f"times are medians of {RUNS} starts of `oyez tui` in a detached tmux session, "
            "from `tmux new-session` until `capture-pane` shows the queue's status line; the "
            "baseline is a one-widget Textual app started the same way. Keystroke figures are "
            f"medians of {KEYSTROKES} keystrokes in the editor, from `tmux send-keys` until the "
            "finding (a phone number completed by the last digit) is on the screen; the baseline "
            "is the same keystroke's echo without a new finding. Screen polling adds a few ms to "
            "every figure alike. `make bench` byte-compiles oyez's packages first, as an "
            "installed oyez is (this machine sets PYTHONDONTWRITEBYTECODE, so they would "
            "otherwise be compiled at every start)."
        ),
        rows=[
            Row(
                "first queue screen, 80×24",
                _ms(small),
                f"{base * 1000:.0f} ms",
                f"{statistics.median(small) / base:.2f}×",
                "≤ 1.0 s",
            ),
            Row(
                "first queue screen, 160×48",
                _ms(large),
                f"{base * 1000:.0f} ms",
                f"{statistics.median(large) / base:.2f}×",
                "≤ 1.0 s",
            ),
            Row(
                "keystroke → finding on screen (median)",
                _ms(findings),
                f"{echo * 1000:.0f} ms (echo)",
                f"{statistics.median(findings) / echo:.2f}×",
                "≤ 50 ms",
            ),
            Row(
                "keystroke → finding on screen (p95)",
                _p95(findings),
                f"{_p95(echoes)} (echo)",
                "",
                "",
            ),
            Row(
                "fresh interpreter importing the `oyez` CLI (every command group)",
                _ms(cli_import),
                f"{_ms(bare)} (bare interpreter)",
                f"{statistics.median(cli_import) / statistics.median(bare):.1f}×",
                "",
            ),
            Row(
                "fresh interpreter importing only the TUI (publisher.tui.app)",
                _ms(tui_import),
                f"{_ms(bare)} (bare interpreter)",
                f"{statistics.median(tui_import) / statistics.median(bare):.1f}×",
                "",
            ),
            Row(
                "one queue page: 100 rows + COUNT (in process)",
                _ms(page_times),
                f"{_ms(count_times)} (change marker)",
                f"{statistics.median(page_times) / statistics.median(count_times):.2f}×",
                "",
            ),
        ],
    )


if __name__ == "__main__":
    print(run().markdown())
