"""``oyez check`` through a small Typer app, the way the main app will mount it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from publisher.cli.check import register
from publisher.guidelines import Target

EXAMPLE = Path(__file__).parents[3] / "publisher/guidelines/packs/example-council.toml"


def make_app() -> typer.Typer:
    app = typer.Typer()
    register(app)

    @app.callback()
    def root() -> None:
        """A group, so ``check`` is a sub-command as in the real app."""

    return app


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_a_clean_post_exits_0_with_no_output(runner: CliRunner) -> None:
    result = runner.invoke(make_app(), ["check", "-"], input="Bins out tonight.\n")
    assert result.exit_code == 0
    assert result.stdout == ""


def test_text_output_is_line_col_severity_rule_message(runner: CliRunner, tmp_path: Path) -> None:
    post = tmp_path / "post.txt"
    post.write_text("Roadworks.\nSee http://council.gov.uk\n")
    result = runner.invoke(make_app(), ["check", str(post)])
    assert result.exit_code == 0
    assert result.stdout == "2:5 warning https Use an https link\n"


def test_an_error_level_finding_exits_1_and_json_has_findings_and_lengths(
    runner: CliRunner,
) -> None:
    result = runner.invoke(
        make_app(),
        ["check", "--to", "x,mastodon", "--format", "json"],
        input="Call 020 7946 0958",
    )
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    (finding,) = data["findings"]
    assert finding == {
        "rule": "personal-data",
        "severity": "error",
        "message": "Personal data: a phone number",
        "start": 5,
        "end": 18,
        "line": 1,
        "column": 6,
        "fix": None,
    }
    assert data["lengths"] == {
        "x": {"length": 18, "limit": 280, "valid": True},
        "mastodon": {"length": 18, "limit": 500, "valid": True},
    }


def test_source_changes_the_tone_bounds(runner: CliRunner) -> None:
    tip = "Criminals are exploiting a critical flaw to steal passwords: attack and fraud risk."
    manual = runner.invoke(make_app(), ["check", "--source", "manual"], input=tip)
    assert "suggestion tone" in manual.stdout
    tip_run = runner.invoke(make_app(), ["check", "--source", "tip"], input=tip)
    assert tip_run.stdout == ""


def test_the_example_pack_through_the_cli(runner: CliRunner) -> None:
    app = make_app()
    args = ["check", "--pack", str(EXAMPLE), "--to", "x"]
    missing = runner.invoke(app, args, input="Going forward, e-mail us. #bins")
    assert missing.exit_code == 1
    assert missing.stdout.splitlines() == [
        "1:1 warning jargon Avoid “Going forward”",
        "1:16 suggestion house-terms Prefer “email” to “e-mail”",
        "1:27 error signoff End the post with your initials, e.g. ^CB",
        "1:27 warning campaign-tags Campaign hashtags start with #CC",
    ]
    signed = runner.invoke(app, args, input="Email us. #CCBins ^CB")
    assert (signed.exit_code, signed.stdout) == (0, "")
    on_mastodon = runner.invoke(app, [*args[:-1], "mastodon"], input="Email us. #CCBins")
    assert (on_mastodon.exit_code, on_mastodon.stdout) == (0, "")


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (["check", "/no/such/post.txt"], "cannot read /no/such/post.txt"),
        (["check", "--to", "pigeon"], "unknown channel 'pigeon'"),
        (["check", "--source", "rumour"], "--source must be one of"),
        (["check", "--format", "xml"], "--format must be text or json"),
    ],
)
def test_bad_input_exits_2_with_one_line_on_stderr(
    runner: CliRunner, args: list[str], problem: str
) -> None:
    result = runner.invoke(make_app(), args, input="hi")
    assert result.exit_code == 2
    assert problem in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_a_malformed_pack_exits_2_saying_where(runner: CliRunner, tmp_path: Path) -> None:
    pack = tmp_path / "bad.toml"
    pack.write_text('[[rule]]\nid = "j"\nkind = "banned"\nterms = ["x"]\nterm = "y"\n')
    result = runner.invoke(make_app(), ["check", "--pack", str(pack)], input="hi")
    assert result.exit_code == 2
    assert "bad.toml: rule 'j' (#1): key 'term': unknown key" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_targets_can_be_resolved_by_the_caller(runner: CliRunner) -> None:
    def resolve(names: list[str]) -> list[Target]:
        return [Target(name=name, kind="mastodon") for name in names]

    app = typer.Typer()
    register(app, resolve_targets=resolve)

    @app.callback()
    def root() -> None:
        """Group."""

    result = runner.invoke(app, ["check", "--to", "town-hall", "--format", "json"], input="a" * 400)
    assert result.exit_code == 0
    assert json.loads(result.stdout)["lengths"] == {
        "town-hall": {"length": 400, "limit": 500, "valid": True}
    }


@pytest.mark.parametrize("char", ["\ufffe", "\ufeff", "\uffff"])
def test_check_to_x_reports_characters_x_refuses_as_invalid(runner: CliRunner, char: str) -> None:
    result = runner.invoke(
        make_app(), ["check", "-", "--to", "x", "--format", "json"], input=f"Hello {char} world"
    )
    assert result.exit_code == 1
    shown = json.loads(result.stdout)
    assert shown["lengths"]["x"]["valid"] is False
    assert any(f"U+{ord(char):04X}" in f["message"] for f in shown["findings"])
