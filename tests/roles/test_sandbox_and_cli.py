"""SQLite stays the single-operator sandbox; the users commands and --as on the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import cli_add_outbox, oyez
from tests.roles.conftest import url_of


@pytest.fixture
def sqlite_db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'oyez.db'}"
    code, _, err = oyez(url, "init")
    assert code == 0, err
    return url


def test_status_says_sign_off_is_not_enforced_on_sqlite(sqlite_db: str) -> None:
    code, out, _ = oyez(sqlite_db, "status")
    assert code == 0
    assert "not enforced on SQLite" in " ".join(out.split())
    code, out, _ = oyez(sqlite_db, "status", "--json")
    assert json.loads(out)["signoff_enforced"] is False


def test_users_commands_refuse_on_sqlite_and_change_nothing(sqlite_db: str) -> None:
    code, _, err = oyez(sqlite_db, "users", "add", "sam", "--role", "approver")
    assert code != 0
    assert "not enforced on SQLite" in err
    code, out, _ = oyez(sqlite_db, "users", "list", "--json")
    assert (code, json.loads(out)) == (0, [])


def test_as_still_names_the_approver_on_sqlite(sqlite_db: str, tmp_path: Path) -> None:
    cli_add_outbox(sqlite_db, "news", tmp_path / "news")
    oyez(sqlite_db, "post", "new", "Hello", "--to", "news")
    oyez(sqlite_db, "post", "submit", "1")
    code, _, err = oyez(sqlite_db, "post", "approve", "1", actor="sam")
    assert code == 0, err
    _, out, _ = oyez(sqlite_db, "post", "show", "1", "--json")
    assert json.loads(out)["approved_by"] == ["sam"]


@pytest.mark.postgres
def test_cli_refuses_as_for_a_non_admin_and_users_add_for_a_non_admin(team_db: str) -> None:
    bob = url_of(team_db, "oy_bob")
    code, _, err = oyez(bob, "post", "list", actor="oy_alice")
    assert code != 0
    assert "--as 'oy_alice' refused" in err
    code, _, err = oyez(bob, "users", "add", "oy_mallory", "--role", "admin", actor="oy_bob")
    assert code != 0
    assert "not an admin" in err
    code, out, err = oyez(team_db, "users", "list", "--json", actor="postgres")
    assert code == 0, err
    by_login = {u["login"]: u for u in json.loads(out)}
    assert by_login["postgres"]["role"] == "admin"
    assert by_login["oy_bob"]["channels"] == ["news"]
    code, out, _ = oyez(team_db, "status", "--json", actor="postgres")
    assert json.loads(out)["signoff_enforced"] is True


@pytest.mark.postgres
def test_init_on_postgresql_names_the_first_admin(team_db: str) -> None:
    code, out, err = oyez(team_db, "init", actor="postgres")
    assert code == 0, err
    assert "postgres is an oyez admin" in " ".join(out.split())


def test_approvals_is_one_or_two(sqlite_db: str, tmp_path: Path) -> None:
    cli_add_outbox(sqlite_db, "news", tmp_path / "news")
    code, _, err = oyez(sqlite_db, "channels", "set", "news", "--set", "approvals=3")
    assert code != 0
    assert "approvals" in err


def test_a_two_sign_off_channel_needs_two_names_on_sqlite_too(
    sqlite_db: str, tmp_path: Path
) -> None:
    cli_add_outbox(sqlite_db, "news", tmp_path / "news")
    assert oyez(sqlite_db, "channels", "set", "news", "--set", "approvals=2")[0] == 0
    oyez(sqlite_db, "post", "new", "Hello", "--to", "news")
    oyez(sqlite_db, "post", "submit", "1")
    assert oyez(sqlite_db, "post", "approve", "1", actor="sam")[0] == 0
    code, _, err = oyez(sqlite_db, "post", "approve", "1", actor="sam")
    assert code != 0
    assert "already signed off" in err
    assert oyez(sqlite_db, "post", "approve", "1", actor="ana")[0] == 0
    shown = json.loads(oyez(sqlite_db, "post", "show", "1", "--json")[1])
    assert (shown["state"], shown["approved_by"]) == ("approved", ["sam", "ana"])
