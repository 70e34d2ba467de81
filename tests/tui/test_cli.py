"""``oyez tui`` and ``oyez demo`` from the command line: bad input is one line, never a traceback."""

from __future__ import annotations

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


def test_web_serves_the_same_app_on_loopback_by_default(
    monkeypatch: pytest.MonkeyPatch, db_url: str
) -> None:
    served: dict[str, Any] = {}

    class FakeServer:
        def __init__(self, command: str, host: str, port: int, title: str) -> None:
            served.update(command=command, host=host, port=port)

        def serve(self) -> None:
            served["served"] = True

    monkeypatch.setattr("textual_serve.server.Server", FakeServer)
    result = runner.invoke(app, ["--db", db_url, "--as", "sam", "tui", "--web", "--port", "9123"])
    assert result.exit_code == 0, result.output
    assert (served["host"], served["port"], served["served"]) == ("127.0.0.1", 9123, True)
    assert served["command"].endswith(f"--db {db_url} --as sam tui")


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
    from publisher.service import channels, posts
    from publisher.service.context import open_context
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
