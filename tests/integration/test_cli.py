"""The command line as a user meets it: clear one-line errors, JSON, delivery end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from publisher.cli import app
from tests.helpers import cli_add_outbox, oyez


@pytest.fixture
def db(db_url: str, tmp_path: Path) -> str:
    cli_add_outbox(db_url, "news", tmp_path / "out")
    return db_url


def test_post_goes_from_draft_to_the_outbox_folder(db: str, tmp_path: Path) -> None:
    code, out, err = oyez(
        db, "post", "new", "Bins on Saturday", "--to", "news", "--at", "2020-01-01T09:00:00Z"
    )
    assert code == 0, err
    assert "2020-01-01T09:00:00+00:00 is in the past" in " ".join(err.split())
    post_id = out.strip()
    assert oyez(db, "post", "submit", post_id)[0] == 0
    code, out, err = oyez(db, "post", "approve", post_id, actor="sam")
    assert code == 0, err
    assert "scheduled" in out
    code, out, err = oyez(db, "run", "--once")
    assert code == 0, err
    assert "done: sent 1, retrying 0" in out
    code, out, _ = oyez(db, "post", "show", post_id, "--json")
    shown = json.loads(out)
    assert shown["state"] == "sent"
    assert set(shown) >= {"id", "text", "state", "scheduled_at", "author", "deliveries"}
    delivery = shown["deliveries"][0]
    assert set(delivery) >= {
        "channel",
        "state",
        "remote_id",
        "remote_url",
        "attempts",
        "last_error",
    }
    assert delivery["state"] == "sent"
    files = list((tmp_path / "out").glob("*.json"))
    assert len(files) == 1
    assert json.loads(files[0].read_text())["text"] == "Bins on Saturday"


def test_post_list_json_filters_by_state(db: str) -> None:
    oyez(db, "post", "new", "One", "--to", "news")
    pid = oyez(db, "post", "new", "Two", "--to", "news")[1].strip()
    oyez(db, "post", "submit", pid)
    code, out, _ = oyez(db, "post", "list", "--state", "in_review", "--json")
    assert code == 0
    assert [p["text"] for p in json.loads(out)] == ["Two"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["post", "show", "999"], "no post with id 999"),
        (["post", "schedule", "999", "--at", "2020-01-01T09:00:00Z"], "no post with id 999"),
        (["post", "approve", "1"], "cannot approve post 1: it is draft"),
        (["post", "new", "Hi", "--to", "news", "--at", "2030-01-01T09:00"], "has no offset"),
        (["post", "new", "Hi", "--to", "news", "--at", "tomorrow"], "not an ISO 8601 time"),
        (["post", "new", "Hi", "--to", "nowhere"], "no channel named 'nowhere'"),
        (["channels", "add", "x1", "--kind", "telegraph"], "unknown channel kind"),
        (["channels", "add", "Bad Name", "--kind", "outbox"], "channel name"),
        (["channels", "add", "o2", "--kind", "outbox", "--set", "nokey"], "not key=value"),
        (["channels", "add", "o3", "--kind", "outbox", "--set", "colour=red"], "bad settings"),
        (
            ["channels", "add", "o4", "--kind", "outbox", "--set", "api_token=abc"],
            "looks like a secret",
        ),
        (["post", "new", "Hi", "--to", "news", "--media", "/no/such.png"], "does not exist"),
        (
            ["channels", "add", "m1", "--kind", "mastodon", "--set", "api_base_url=notaurl"],
            "must be an http:// or https:// URL",
        ),
        (
            ["channels", "add", "x1", "--kind", "x", "--set", "credentials=plain:abc"],
            "must be env:PREFIX or keyring:SERVICE",
        ),
        (["channels", "add", "news", "--kind", "outbox"], "already exists"),
        (["post", "list", "--state", "bogus"], "unknown state 'bogus'"),
        (["post", "new", "Hi", "--to", ""], "--to needs at least one channel"),
        (["post", "new", "Hi", "--to", "news", "--media", "/etc/passwd"], "not an image or video"),
    ],
)
def test_bad_input_is_one_clear_line_and_a_nonzero_exit(
    db: str, args: list[str], message: str
) -> None:
    if args[:2] == ["post", "approve"]:
        oyez(db, "post", "new", "Draft", "--to", "news")
    code, out, err = oyez(db, *args)
    assert code != 0
    assert message in err
    assert "Traceback" not in err + out
    assert "warning" not in err  # a refused command warns of nothing
    assert len(err.strip().splitlines()) <= 2  # one line, possibly soft-wrapped


def test_a_malformed_database_url_is_one_clear_line(tmp_path: Path) -> None:
    code, _, err = oyez("nonsense://", "post", "list")
    assert code != 0
    assert "database" in err
    assert "Traceback" not in err


def test_an_unreachable_database_is_one_clear_line() -> None:
    code, _, err = oyez("postgresql+psycopg://nobody@127.0.0.1:1/none", "post", "list")
    assert code != 0
    assert "cannot open the database" in err
    assert "Traceback" not in err


def test_an_uninitialised_database_asks_for_oyez_init(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh' / 'oyez.db'}"
    code, _, err = oyez(url, "post", "list")
    assert code != 0
    assert "oyez init" in err
    assert not (tmp_path / "fresh").exists()  # a refused command creates nothing
    assert oyez(url, "init")[0] == 0
    assert oyez(url, "post", "list")[0] == 0


def test_every_command_has_help() -> None:
    for args in (
        ["--help"],
        ["post", "--help"],
        ["post", "new", "--help"],
        ["channels", "--help"],
        ["run", "--help"],
        ["demo", "--help"],
        ["db", "upgrade", "--help"],
    ):
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 0, args
        assert "Usage" in result.stdout


def test_submit_stores_findings_and_error_findings_need_an_override(db: str) -> None:
    _, out, _ = oyez(db, "post", "new", "Questions? Ring Jo on +44 20 8123 4567", "--to", "news")
    pid = out.strip()
    code, out, _ = oyez(db, "post", "submit", pid)
    assert code == 0
    assert "personal-data" in out
    code, _, err = oyez(db, "post", "approve", pid, actor="sam")
    assert code == 1
    assert "--override" in err
    code, _, err = oyez(db, "post", "approve", pid, "--override", "Press office line", actor="sam")
    assert code == 0, err
    history = json.loads(oyez(db, "post", "history", pid, "--json")[1])
    overrode = [e for e in history if e["action"] == "overrode"]
    assert overrode[0]["actor"] == "sam"
    assert overrode[0]["detail"]["reason"] == "Press office line"


def test_check_accepts_configured_channel_names(db: str, tmp_path: Path) -> None:
    text = tmp_path / "post.txt"
    text.write_text("Hello from the council", encoding="utf-8")
    code, out, err = oyez(db, "check", str(text), "--to", "news,x", "--format", "json")
    assert code == 0, err
    assert set(json.loads(out)["lengths"]) == {"news", "x"}


def test_channels_set_changes_settings_checked_as_add_checks_them(db: str, tmp_path: Path) -> None:
    code, out, err = oyez(
        db, "channels", "set", "news", "--set", "max_length=280", "--tz", "Europe/London"
    )
    assert code == 0, err
    assert "max_length=280" in out
    assert "Europe/London" in out
    code, out, _ = oyez(db, "channels", "list", "--json")
    (news,) = json.loads(out)
    assert news["settings"]["max_length"] == 280
    assert news["timezone"] == "Europe/London"
    code, out, err = oyez(db, "channels", "set", "news", "--unset", "max_length")
    assert code == 0, err
    (news,) = json.loads(oyez(db, "channels", "list", "--json")[1])
    assert "max_length" not in news["settings"]
    assert news["settings"]["path"] == str(tmp_path / "out")  # the rest is kept


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["channels", "set", "news"], "nothing to change"),
        (["channels", "set", "nowhere", "--tz", "UTC"], "no channel named 'nowhere'"),
        (["channels", "set", "news", "--set", "colour=red"], "bad settings"),
        (["channels", "set", "news", "--set", "api_token=abc"], "looks like a secret"),
        (["channels", "set", "news", "--unset", "colour"], "has no setting 'colour'"),
        (["channels", "set", "news", "--tz", "Mars/Olympus"], "unknown time zone"),
    ],
    ids=["nothing", "unknown", "bad-key", "secret", "unset-missing", "zone"],
)
def test_channels_set_refuses_bad_input_and_changes_nothing(
    db: str, args: list[str], message: str
) -> None:
    before = oyez(db, "channels", "list", "--json")[1]
    code, _, err = oyez(db, *args)
    assert code != 0
    assert message in " ".join(err.split())
    assert len(err.strip().splitlines()) <= 2
    assert oyez(db, "channels", "list", "--json")[1] == before


def test_post_cancel_with_a_channel_gives_up_on_that_channel_only(db: str, tmp_path: Path) -> None:
    cli_add_outbox(db, "tips", tmp_path / "tips")
    code, out, err = oyez(db, "post", "new", "Roadworks", "--to", "news,tips")
    assert code == 0, err
    post_id = out.strip()
    code, out, err = oyez(db, "post", "cancel", post_id, "--channel", "tips")
    assert code == 0, err
    assert f"post {post_id} on tips: cancelled (it was pending)" in out
    shown = json.loads(oyez(db, "post", "show", post_id, "--json")[1])
    assert {d["channel"]: d["state"] for d in shown["deliveries"]} == {
        "news": "pending",
        "tips": "cancelled",
    }
    code, _, err = oyez(db, "post", "cancel", post_id, "--channel", "tips")
    assert code == 1
    assert "it is already cancelled" in err


def test_post_retry_sends_a_failed_delivery_again_and_refuses_a_pending_one(
    db: str, tmp_path: Path
) -> None:
    from publisher.context import open_context
    from queue_db.deliveries.read import of_post
    from queue_db.states import DeliveryState, PostState
    from queue_db.tables import Delivery, Post
    from tests.helpers import set_columns

    code, out, err = oyez(db, "post", "new", "Library opens", "--to", "news")
    post_id = int(out.strip())
    code, _, err = oyez(db, "post", "retry", str(post_id), "--channel", "news")
    assert code == 1
    assert "it is pending (only failed, expired or needs-attention" in err
    ctx = open_context(db, "alex")
    try:
        with ctx.tx() as tx:
            ((delivery, _),) = of_post(tx, post_id)
        set_columns(ctx, Delivery, delivery.id, state=DeliveryState.FAILED, attempts=8)
        # As delivery leaves it: a post whose only delivery failed is failed (on PostgreSQL
        # a delivery of a post never signed off cannot be made due again).
        set_columns(ctx, Post, post_id, state=PostState.FAILED)
    finally:
        ctx.close()
    code, out, err = oyez(db, "post", "retry", str(post_id), "--channel", "news")
    assert code == 0, err
    assert "back on the queue, due now (it was failed)" in out
    shown = json.loads(oyez(db, "post", "show", str(post_id), "--json")[1])
    assert shown["deliveries"][0]["state"] == "pending"
    assert shown["deliveries"][0]["attempts"] == 0
    assert oyez(db, "post", "retry", str(post_id), "--channel", "nowhere")[0] == 1
