"""``--help`` speaks plainly: no ``<bool>`` types, no ``{POST_ID}`` braces on a usage line."""

from __future__ import annotations

import re
from typing import Any

import typer
from typer.testing import CliRunner

from publisher.cli import make_app


def _commands(group: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [path]
    for name, command in (getattr(group, "commands", None) or {}).items():
        found += _commands(command, (*path, name))
    return found


def test_no_help_page_shows_bool_placeholders_or_braced_arguments() -> None:
    app = make_app()
    root = typer.main.get_command(app)
    runner = CliRunner()
    bad = {}
    for path in _commands(root):
        result = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "120"})
        assert result.exit_code == 0, (path, result.output)
        usage = next(line for line in result.output.splitlines() if "Usage:" in line)
        if "<bool>" in result.output or re.search(r"\{\w+\}", usage):
            bad[" ".join(path)] = usage.strip()
    assert bad == {}
    assert len(_commands(root)) > 40  # every command was looked at
