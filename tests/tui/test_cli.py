"""``oyez tui`` and ``oyez demo`` from the command line: bad input is one line, never a traceback."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from publisher.cli import app

runner = CliRunner()


def test_help_says_the_web_server_has_no_authentication() -> None:
    result = runner.invoke(app, ["tui", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "NO authentication" in result.output
    assert "127.0.0.1" in result.output


def test_an_unreachable_database_is_one_line(tmp_path: Path) -> None:
    result = runner.invoke(app, ["--db", "mysql://nowhere/db", "tui"])
    assert result.exit_code != 0
    assert "unsupported database 'mysql'" in result.output
    assert "Traceback" not in result.output


def test_an_uninitialised_database_is_one_line(tmp_path: Path) -> None:
    result = runner.invoke(app, ["--db", f"sqlite:///{tmp_path / 'empty.db'}", "tui"])
    assert result.exit_code != 0
    assert "oyez init" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_a_port_out_of_range_is_refused() -> None:
    result = runner.invoke(app, ["tui", "--web", "--port", "70000"])
    assert result.exit_code == 2
    assert "65535" in result.output


def _serve_web(monkeypatch: pytest.MonkeyPatch, *argv: str) -> dict[str, Any]:
    """Run ``oyez … tui --web …`` with textual-serve's server replaced: what it was given."""
    served: dict[str, Any] = {}
    monkeypatch.delenv("OYEZ_DATABASE_URL", raising=False)

    class FakeServer:
        def __init__(self, command: str, host: str, port: int, title: str) -> None:
            served.update(command=command, host=host, port=port)

        def serve(self) -> None:
            # What the app's processes will inherit.
            served["database_url"] = os.environ.get("OYEZ_DATABASE_URL")

    monkeypatch.setattr("textual_serve.server.Server", FakeServer)
    result = runner.invoke(app, list(argv))
    assert result.exit_code == 0, result.output
    return served


def test_web_serves_the_same_app_on_loopback_by_default(
    monkeypatch: pytest.MonkeyPatch, db_url: str
) -> None:
    served = _serve_web(
        monkeypatch, "--db", db_url, "--as", "sam", "tui", "--web", "--port", "9123"
    )
    assert (served["host"], served["port"]) == ("127.0.0.1", 9123)
    assert served["command"].endswith("--as sam tui")
    assert served["database_url"] == db_url


def test_web_keeps_the_database_url_off_the_command_line_where_every_user_can_read_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = "postgresql+psycopg://oyez:s3cret-pw@db.internal/oyez"
    served = _serve_web(monkeypatch, "--db", url, "tui", "--web")
    assert "s3cret-pw" not in served["command"]
    assert served["database_url"] == url


def test_web_passes_dispatch_and_light_on_to_the_app(monkeypatch: pytest.MonkeyPatch) -> None:
    served = _serve_web(monkeypatch, "tui", "--web", "--dispatch", "--light")
    assert served["command"].endswith("tui --light --dispatch")


def test_demo_opens_the_tui_with_the_dispatcher_running(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from publisher.tui.app import OyezApp

    seen: dict[str, Any] = {}

    def fake_run(self: OyezApp) -> None:
        seen.update(dispatch=self.dispatcher is not None, exit_after=self.exit_after)

    monkeypatch.setattr(OyezApp, "run", fake_run)
    result = runner.invoke(app, ["demo", "--dir", str(tmp_path / "sandbox"), "--for", "3"])
    assert result.exit_code == 0, result.output
    assert seen == {"dispatch": True, "exit_after": 3.0}


def test_demo_gives_sign_off_and_compose_something_once(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from publisher.context import open_context
    from publisher.service import channels, posts
    from publisher.tui.app import OyezApp

    monkeypatch.setattr(OyezApp, "run", lambda self: None)
    folder = tmp_path / "sandbox"
    for _ in range(2):  # a reused sandbox gets no second copy
        result = runner.invoke(app, ["demo", "--dir", str(folder)])
        assert result.exit_code == 0, result.output
    ctx = open_context(f"sqlite:///{folder / 'oyez-demo.db'}", "alex")
    try:
        waiting = posts.list_posts(ctx, states=["draft", "in_review"])
        assert sorted(p.state for p in waiting) == ["draft", "in_review"]
        assert all(c.slots for c in channels.list_channels(ctx))
    finally:
        ctx.close()
