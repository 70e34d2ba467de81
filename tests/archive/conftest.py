"""Fixtures of the archive tests: a context with two outbox channels, published posts, the CLI."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from publisher.cli import app
from publisher.context import Context
from publisher.engine.delivery import Deliverer
from publisher.service import posts
from tests.fakes.fixtures import facebook_double, x_double  # noqa: F401
from tests.helpers import add_outbox, make_context

PAST = datetime(2020, 1, 1, 9, 0, tzinfo=UTC)
runner = CliRunner()


@pytest.fixture
def ctx(db_url: str, tmp_path: Path) -> Iterator[Context]:
    """Channels ``news`` and ``tips`` (outbox folders); authors may approve their own posts."""
    context = make_context(db_url, approval={"allow_self": True})
    add_outbox(context, "news", tmp_path / "news")
    add_outbox(context, "tips", tmp_path / "tips")
    yield context
    context.close()


def publish(
    ctx: Context,
    text: str,
    channels: Sequence[str],
    at: datetime = PAST,
    source: str = "manual",
) -> int:
    """Create, approve and deliver a post now; return its id."""
    view = posts.create_post(ctx, text, channels, at=at, source=source)
    posts.submit_post(ctx, view.id)
    posts.approve_post(ctx, view.id)
    deliverer = Deliverer(ctx, "test-worker")
    try:
        deliverer.run_once()
    finally:
        deliverer.close()
    return view.id


def oyez(db: str, *args: str) -> tuple[int, str, str]:
    """Run the CLI against ``db``: (exit code, stdout, stderr)."""
    result = runner.invoke(app, ["--db", db, "--as", "alex", *args])
    return result.exit_code, result.stdout, result.stderr


def assert_one_line_error(code: int, out: str, err: str) -> None:
    assert code != 0
    assert "Traceback" not in out + err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("error:"), err
