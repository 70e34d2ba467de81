"""``oyez tui`` and ``oyez demo`` from the command line: bad input is one line, never a traceback."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from publisher.cli import app
from publisher.cli.tui_web import GuardedServer

runner = CliRunner()


def test_help_says_the_web_server_needs_its_token_and_tls_for_remote_use() -> None:
    result = runner.invoke(app, ["tui", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "token for this run" in result.output
    assert "127.0.0.1" in result.output
    assert "--allow-remote" in result.output
    assert "TLS" in result.output


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

    class FakeServer(GuardedServer):
        def __init__(self, command: str, *, host: str, port: int, title: str) -> None:
            super().__init__(command, host=host, port=port, title=title)
            served.update(command=command, host=host, port=port, url=self.url)

        def serve(self, debug: bool = False) -> None:
            # What the app's processes will inherit.
            served["database_url"] = os.environ.get("OYEZ_DATABASE_URL")

    monkeypatch.setattr("publisher.cli.tui_web.GuardedServer", FakeServer)
    result = runner.invoke(app, list(argv), env={"COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    served["output"] = result.output
    return served


def test_web_prints_the_url_with_this_run_s_token(monkeypatch: pytest.MonkeyPatch) -> None:
    served = _serve_web(monkeypatch, "tui", "--web", "--port", "9124")
    assert served["url"].startswith("http://127.0.0.1:9124/?token=")
    assert served["url"] in served["output"]


@pytest.mark.parametrize("host", ["192.0.2.7", "oyez.example.org"])
def test_web_on_a_non_loopback_host_needs_allow_remote(
    monkeypatch: pytest.MonkeyPatch, host: str
) -> None:
    monkeypatch.setattr("publisher.cli.tui_web.GuardedServer", None)  # never reached
    result = runner.invoke(app, ["tui", "--web", "--host", host])
    assert result.exit_code == 2
    assert "--allow-remote" in result.output
    assert "TLS" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_web_with_allow_remote_serves_and_says_to_put_tls_in_front(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    served = _serve_web(monkeypatch, "tui", "--web", "--host", "192.0.2.7", "--allow-remote")
    assert served["host"] == "192.0.2.7"
    assert "TLS" in served["output"]


@pytest.mark.parametrize("host", ["0.0.0.0", "::"])
def test_web_refuses_a_wildcard_host_whose_host_header_cannot_be_checked(host: str) -> None:
    result = runner.invoke(app, ["tui", "--web", "--host", host, "--allow-remote"])
    assert result.exit_code == 2
    assert "Host" in result.output


@pytest.mark.parametrize("host", ["localhost", "::1", "127.0.0.2"])
def test_web_on_any_loopback_spelling_needs_no_allow_remote(
    monkeypatch: pytest.MonkeyPatch, host: str
) -> None:
    assert _serve_web(monkeypatch, "tui", "--web", "--host", host)["host"] == host


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
