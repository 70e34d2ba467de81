"""Small builders the tests share."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from typer.testing import CliRunner

from publisher.cli import app
from publisher.context import Context, open_context
from publisher.context.settings import Settings
from publisher.service import channels

_runner = CliRunner()
T = TypeVar("T")


def make_context(db_url: str, actor: str = "alex", **settings: object) -> Context:
    return open_context(db_url, actor, settings=Settings(database_url=db_url, **settings))  # type: ignore[arg-type]


def add_outbox(ctx: Context, name: str, folder: Path) -> None:
    channels.add_channel(ctx, name, "outbox", {"path": str(folder)})


def oyez(
    db: str, *args: str, actor: str = "alex", stdin: str | None = None
) -> tuple[int, str, str]:
    """Run ``oyez --db DB --as ACTOR ARGS…`` in process: (exit code, stdout, stderr).

    An exception other than the command's own exit fails the test at once, so a
    crash is never taken for a refusal.
    """
    result = _runner.invoke(app, ["--db", db, "--as", actor, *args], input=stdin)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def cli_add_outbox(db: str, name: str, folder: Path, actor: str = "alex") -> None:
    """``oyez channels add NAME --kind outbox`` writing to ``folder``; it must succeed."""
    code, _, err = oyez(
        db, "channels", "add", name, "--kind", "outbox", "--set", f"path={folder}", actor=actor
    )
    assert code == 0, err


def all_at_once(workers: Sequence[Context], work: Callable[[Context], T]) -> list[T]:
    """``work(worker)`` for every worker, each in its own thread and released together.

    Closes the workers. Returns the results in the order the threads finished;
    an exception in any thread fails the test.
    """
    barrier = threading.Barrier(len(workers))
    results: list[T] = []
    errors: list[BaseException] = []

    def run(worker: Context) -> None:
        try:
            barrier.wait(timeout=10)
            results.append(work(worker))
        except BaseException as exc:  # asserted on below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    for w in workers:
        w.close()
    assert errors == []
    return results


def set_columns(ctx: Context, table: type[Any], row_id: object, **values: object) -> None:
    """Change a row behind the services' back, as a test planting a state must."""
    with ctx.tx() as tx:
        row = tx.session.get(table, row_id)
        assert row is not None, f"no {table.__name__} {row_id}"
        for key, value in values.items():
            setattr(row, key, value)
        tx.session.add(row)
