"""Every screen at 80×24 and 160×48, as SVG snapshots (``--snapshot-update`` to accept changes)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from publisher.context import Context
from publisher.tui.app import OyezApp
from queue_db.database import make_engine
from queue_db.migrate import upgrade
from tests.tui.conftest import Clock, keys, make_ctx
from tests.tui.seed import seed

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 48), id="160x48")]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seeded database, built once; each test gets its own copy."""
    path = tmp_path_factory.mktemp("snapshots") / "snap.db"
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    clock = Clock()
    ctx = make_ctx(url, clock)
    seed(ctx, clock)
    ctx.close()
    return path


@pytest.fixture
def seeded(template: Path, tmp_path: Path) -> Iterator[Context]:
    copy = tmp_path / "snap.db"
    shutil.copyfile(template, copy)
    clock = Clock()
    clock.advance(minutes=2)  # where seeding left the clock
    ctx = make_ctx(f"sqlite:///{copy}", clock)
    yield ctx
    ctx.close()


def app_for(ctx: Context, *, dark: bool = True) -> OyezApp:
    return OyezApp(ctx, poll_seconds=0, dark=dark)


@pytest.mark.parametrize("size", SIZES)
def test_queue_screen(seeded: Context, snap_compare: Any, size: tuple[int, int]) -> None:
    assert snap_compare(app_for(seeded), terminal_size=size)


def test_queue_screen_in_the_light_theme(seeded: Context, snap_compare: Any) -> None:
    assert snap_compare(app_for(seeded, dark=False), terminal_size=(80, 24))


@pytest.mark.parametrize("size", SIZES)
def test_queue_filtered_to_sent_posts(
    seeded: Context, snap_compare: Any, size: tuple[int, int]
) -> None:
    async def show_sent(pilot: Any) -> None:
        pilot.app.screen.query_one("#state").value = "all"
        await pilot.pause()

    assert snap_compare(app_for(seeded), terminal_size=size, run_before=show_sent)


@pytest.mark.parametrize("size", SIZES)
def test_post_screen(seeded: Context, snap_compare: Any, size: tuple[int, int]) -> None:
    async def open_sent(pilot: Any) -> None:
        pilot.app.open_post(1)
        await pilot.pause()

    assert snap_compare(app_for(seeded), terminal_size=size, run_before=open_sent)


@pytest.mark.parametrize("size", SIZES)
def test_compose_screen_with_findings(
    seeded: Context, snap_compare: Any, size: tuple[int, int]
) -> None:
    async def write(pilot: Any) -> None:
        await pilot.press("n")
        await pilot.pause()
        pilot.app.screen.query_one("#channels").select("council")
        await pilot.press(*keys("Call 020 7946 0018 NOW!!! http://example.org/x"))
        await pilot.pause()

    assert snap_compare(app_for(seeded), terminal_size=size, run_before=write)


@pytest.mark.parametrize("size", SIZES)
def test_compose_screen_with_a_post_too_long_for_a_channel_that_does_not_thread(
    seeded: Context, snap_compare: Any, size: tuple[int, int]
) -> None:
    async def write(pilot: Any) -> None:
        await pilot.press("n")
        await pilot.pause()
        pilot.app.screen.query_one("#channels").select("ops")
        await pilot.press(*keys("The portal is down. We are on it. Next update at noon."))
        await pilot.pause()

    assert snap_compare(app_for(seeded), terminal_size=size, run_before=write)


@pytest.mark.parametrize("section", ["2", "3", "4", "5", "6"])
@pytest.mark.parametrize("size", SIZES)
def test_section_screen(
    seeded: Context, snap_compare: Any, size: tuple[int, int], section: str
) -> None:
    async def open_section(pilot: Any) -> None:
        await pilot.press(section)
        await pilot.app.workers.wait_for_complete()  # screens that read in the background
        await pilot.pause()

    assert snap_compare(app_for(seeded), terminal_size=size, run_before=open_section)


@pytest.mark.parametrize("size", SIZES)
def test_sources_tip_cadences(seeded: Context, snap_compare: Any, size: tuple[int, int]) -> None:
    assert snap_compare(app_for(seeded), terminal_size=size, press=["4", "_", "i", "_"])


@pytest.mark.parametrize("size", SIZES)
def test_report_screen(seeded: Context, snap_compare: Any, size: tuple[int, int]) -> None:
    async def open_report(pilot: Any) -> None:
        await pilot.press("7")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(app_for(seeded), terminal_size=size, run_before=open_report)
