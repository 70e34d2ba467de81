"""Fixtures for driving the TUI: a context on a real database, a clock the test moves."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from publisher.context import Context
from publisher.context.settings import Settings
from publisher.service import channels
from publisher.tui.app import OyezApp
from queue_db import channels as channel_db
from queue_db.store import Store

#: Every TUI test starts at this instant (a Wednesday), so screens are reproducible.
START = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
SLOTS = {day: ["09:00", "12:30"] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


class Clock:
    """A clock the test moves by hand; the app and the in-process dispatcher both read it."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


def make_ctx(url: str, clock: Clock, actor: str = "alex", **settings: Any) -> Context:
    return Context(
        store=Store.open(url),
        settings=Settings(database_url=url, timezone="UTC", **settings),
        actor=actor,
        clock=clock,
    )


def add_channel(ctx: Context, name: str, folder: Path, slots: dict[str, list[str]]) -> None:
    channels.add_channel(ctx, name, "outbox", {"path": str(folder)})
    with ctx.store.begin() as tx:
        channel_db.change(tx, channel_db.by_name(tx, name).id, slots=slots)


@pytest.fixture
def tui_ctx(db_url: str, clock: Clock, tmp_path: Path) -> Iterator[Context]:
    """alex's context on a database with two outbox channels that post at 09:00 and 12:30."""
    ctx = make_ctx(db_url, clock)
    add_channel(ctx, "council", tmp_path / "outbox" / "council", SLOTS)
    add_channel(ctx, "csirt", tmp_path / "outbox" / "csirt", {"mon": ["10:00"]})
    yield ctx
    ctx.close()


def drive(app: OyezApp, scenario: Callable[[Any], Awaitable[None]], size: tuple[int, int]) -> None:
    """Run ``scenario(pilot)`` against ``app`` at ``size``, bounded in time."""

    async def main() -> None:
        async with app.run_test(size=size) as pilot:
            await asyncio.wait_for(scenario(pilot), timeout=60)

    asyncio.run(main())


def keys(text: str) -> list[str]:
    """Key names that type ``text``."""
    names = {" ": "space", "!": "exclamation_mark", ".": "full_stop", ",": "comma", ":": "colon"}
    return [names.get(ch, ch) for ch in text]


async def wait_for(pilot: Any, condition: Callable[[], bool], seconds: float = 20) -> None:
    """Let the app run until ``condition()`` holds; fail after ``seconds``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("the app never got there")
        await pilot.pause(0.05)
