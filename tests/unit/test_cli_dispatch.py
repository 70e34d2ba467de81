"""The CLI loads only the command module a call needs, and the map of commands is complete."""

from __future__ import annotations

import subprocess
import sys

import pytest
from typer.main import get_command

from publisher.cli import COMMANDS, command_word, make_app


def test_every_registered_command_is_in_the_lazy_map() -> None:
    registered = set(get_command(make_app()).commands)  # type: ignore[attr-defined]
    assert registered == set(COMMANDS)


@pytest.mark.parametrize(
    ("argv", "word"),
    [
        (["post", "list"], "post"),
        (["--db", "sqlite:///x.db", "--as", "sam", "post", "approve", "1"], "post"),
        (["--help"], None),
        (["--as", "run", "status"], "status"),
    ],
)
def test_command_word_skips_root_options_and_their_values(
    argv: list[str], word: str | None
) -> None:
    assert command_word(argv) == word


def test_oyez_tui_help_loads_no_database_or_guideline_code() -> None:
    code = (
        "import sys; sys.argv = ['oyez', 'tui', '--help']\n"
        "import publisher.cli\n"
        "try:\n    publisher.cli.main()\nexcept SystemExit:\n    pass\n"
        "print('LOADED:' + ','.join(m for m in ('alembic', 'publisher.guidelines', 'publisher.cli.feeds_cmd') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip().splitlines()[-1] == "LOADED:"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["post", "show", "abc"], "Invalid value for 'POST_ID'"),
        (["post", "list", "--limit", "0"], "greater than or equal to 1"),
        (["nosuch"], "No such command 'nosuch'"),
        (["post", "new"], "Missing argument"),
    ],
)
def test_usage_errors_are_one_line_through_the_real_entry_point(
    argv: list[str], message: str
) -> None:
    code = "import sys; from publisher.cli import main; sys.argv = ['oyez', *sys.argv[1:]]; main()"
    done = subprocess.run(
        [sys.executable, "-c", code, *argv], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr
