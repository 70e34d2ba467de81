"""``oyez tips`` and ``oyez cadence`` as a user meets them: JSON, and one clear line per error."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest

from tests import helpers
from tests.tips.conftest import FIVE_TIPS

Write = Callable[[str, str], Path]
#: Every command here runs as ana unless a test says otherwise.
oyez = partial(helpers.oyez, actor="ana")


def cadence_add(
    *extra: str,
    name: str = "c",
    pool: str = "p",
    cron: str = "@daily",
    tz: str = "UTC",
    to: str = "csirt",
) -> list[str]:
    """The arguments of ``cadence add``: valid ones unless a test changes one or adds more."""
    return ["cadence", "add", name, "--pool", pool, "--cron", cron, "--tz", tz, "--to", to, *extra]


@pytest.fixture
def db(db_url: str, tmp_path: Path, write: Write) -> str:
    helpers.cli_add_outbox(db_url, "csirt", tmp_path / "o", actor="ana")
    code, _, err = oyez(db_url, "tips", "import", str(write("tips.yaml", FIVE_TIPS)), "--pool", "p")
    assert code == 0, err
    return db_url


def test_tips_import_list_add_and_retire(db: str) -> None:
    code, out, err = oyez(db, "tips", "list", "--pool", "p", "--json")
    assert code == 0, err
    listed = json.loads(out)
    assert len(listed) == 5
    assert {t["status"] for t in listed} == {"active"}
    assert listed[0]["approved_by"] == "ana"
    code, out, err = oyez(db, "tips", "add", "--pool", "p", "Lock your screen.", "--json")
    assert code == 0, err
    added = json.loads(out)["id"]
    code, out, err = oyez(db, "tips", "retire", str(added))
    assert code == 0, err
    assert f"retired tip {added}" in out
    code, out, _ = oyez(db, "tips", "list")
    assert "retired" in out


def test_cadence_add_list_pause_resume(db: str, write: Write) -> None:
    skip = write("holidays.txt", "# public holidays\n2026-12-25\n2026-12-26 Boxing day\n")
    code, out, err = oyez(
        db,
        *cadence_add(
            "--skip-dates", str(skip), name="daily", cron="0 9,13,17 * * *", tz="Europe/Ljubljana"
        ),
    )
    assert code == 0, err
    code, out, err = oyez(db, "cadence", "list", "--json")
    assert code == 0, err
    (listed,) = json.loads(out)
    assert listed["skip_dates"] == ["2026-12-25", "2026-12-26"]
    assert listed["channels"] == ["csirt"]
    assert oyez(db, "cadence", "pause", "daily")[0] == 0
    code, _, err = oyez(db, "cadence", "pause", "daily")
    assert code != 0
    assert "already paused" in err
    assert oyez(db, "cadence", "resume", "daily")[0] == 0


def test_cadence_preview_json_is_a_list_of_at_tip_id_and_text(db: str) -> None:
    oyez(db, *cadence_add(name="d", cron="0 9 * * 0"))
    code, out, err = oyez(db, "cadence", "preview", "d", "--count", "3", "--json")
    assert code == 0, err
    items = json.loads(out)
    assert len(items) == 3
    assert all(set(i) == {"at", "tip_id", "text"} for i in items)
    assert all(i["at"].endswith("+00:00") and "T09:00:00" in i["at"] for i in items)
    code, out, _ = oyez(db, "cadence", "preview", "d", "--count", "2")
    assert code == 0
    assert "09:00:00+00:00" in out


def test_a_bad_tip_file_lists_every_bad_row_and_exits_non_zero(db: str, write: Write) -> None:
    bad = write("bad.csv", 'text,tags\nGood tip,\n,\nAnother,bad tag!\n"",x\n')
    code, _, err = oyez(db, "tips", "import", str(bad), "--pool", "p")
    assert code == 2
    assert "nothing was imported" in err
    assert "bad.csv:4:" in err
    assert "bad.csv:5:" in err
    assert "Traceback" not in err


def test_cadence_remove_says_what_stays_and_list_no_longer_shows_it(db: str) -> None:
    assert oyez(db, *cadence_add(name="daily"))[0] == 0
    assert oyez(db, *cadence_add(name="weekly", cron="0 9 * * 1"))[0] == 0
    code, out, err = oyez(db, "cadence", "remove", "daily")
    assert code == 0, err
    assert out.strip() == "removed cadence daily; 0 firing(s) kept in the tip ledger without it"
    code, out, err = oyez(db, "cadence", "remove", "weekly", "--json")
    assert code == 0, err
    assert json.loads(out) == {"name": "weekly", "firings_kept": 0}
    code, out, _ = oyez(db, "cadence", "list", "--json")
    assert json.loads(out) == []
    code, out, _ = oyez(db, "cadence", "list")
    assert "no cadences yet" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["tips", "import", "missing.yaml", "--pool", "p"], "no such file"),
        (["tips", "add", "--pool", "Bad Pool", "x"], "pool name"),
        (["tips", "add", "--pool", "p", "x", "--from", "tomorrow"], "not an ISO 8601 time"),
        (["tips", "add", "--pool", "p", "x", "--variant", "novalue"], "CHANNEL=TEXT"),
        (["tips", "retire", "999"], "no tip with id 999"),
        (["tips", "list", "--pool", "nope"], "no tip pool named 'nope'"),
        (cadence_add(cron="0 9 * * 8"), "out of range"),
        (cadence_add(tz="Moon/Base"), "unknown time zone"),
        (cadence_add(to="nope"), "no channel named 'nope'"),
        (cadence_add(pool="zz"), "no tip pool named 'zz'"),
        (cadence_add("--skip-dates", "missing.txt"), "no such file"),
        (["cadence", "preview", "nope"], "no cadence named 'nope'"),
        (["cadence", "resume", "nope"], "no cadence named 'nope'"),
        (["cadence", "remove", "nope"], "no cadence named 'nope'"),
    ],
)
def test_bad_input_gets_one_clear_line_and_a_non_zero_exit(
    db: str, args: list[str], message: str
) -> None:
    code, _, err = oyez(db, *args)
    assert code != 0
    assert message in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_preview_count_out_of_range_is_refused(db: str) -> None:
    oyez(db, *cadence_add(name="d"))
    code, _, err = oyez(db, "cadence", "preview", "d", "--count", "0")
    assert code != 0
    assert "--count" in err


def test_tips_import_help_documents_both_file_formats() -> None:
    from tests.helpers import oyez as run

    code, out, _ = run("sqlite://", "tips", "import", "--help")
    assert code == 0
    words = " ".join(out.split())
    assert "- Tip: your bank never asks for a code." in words
    assert "variant:CHANNEL" in words
