"""A channel's own length limit is what the checker, the counter and submit use."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from publisher.service import compose
from queue_db import settings as settings_db
from tests.helpers import cli_add_outbox, make_context, oyez

LONG = "Bins move to Saturday. " * 196  # 4,508 characters: over 4,000, under the default 5,000


@pytest.fixture
def db(db_url: str, tmp_path: Path) -> str:
    cli_add_outbox(db_url, "news", tmp_path / "out")
    code, _, err = oyez(db_url, "channels", "set", "news", "--set", "max_length=4000")
    assert code == 0, err
    return db_url


def test_check_reports_the_channels_configured_limit(db: str) -> None:
    code, out, _ = oyez(db, "check", "-", "--to", "news", "--format", "json", stdin=LONG)
    assert code == 1
    shown = json.loads(out)
    assert shown["lengths"]["news"]["limit"] == 4000
    assert shown["lengths"]["news"]["valid"] is False
    assert any("of 4000 characters" in f["message"] for f in shown["findings"])


def test_submit_stores_a_length_error_for_the_configured_limit(db: str) -> None:
    post_id = oyez(db, "post", "new", LONG, "--to", "news")[1].strip()
    code, _, err = oyez(db, "post", "submit", post_id)
    assert code == 0, err
    shown = json.loads(oyez(db, "post", "show", post_id, "--json")[1])
    assert any(f["rule"] == "length" and f["severity"] == "error" for f in shown["findings"])
    code, _, err = oyez(db, "post", "approve", post_id, actor="sam")
    assert code != 0
    assert "override" in err


def test_a_limit_fetched_from_the_network_is_used_when_no_setting_says_otherwise(
    db_url: str,
) -> None:
    code, _, err = oyez(db_url, "channels", "add", "toot", "--kind", "mastodon")
    assert code == 0, err
    ctx = make_context(db_url)
    try:
        with ctx.tx() as tx:
            settings_db.record_fetched_limit(tx, "toot", 11000)
        (target,) = compose.channel_targets(ctx, ["toot"])
        assert target.limits is not None
        assert target.limits.max_length == 11000
        oyez(db_url, "channels", "set", "toot", "--set", "max_characters=700")
        (target,) = compose.channel_targets(ctx, ["toot"])
        assert target.limits is not None
        assert target.limits.max_length == 700
    finally:
        ctx.close()


def test_a_relative_outbox_path_is_stored_absolute_when_the_channel_is_added(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = oyez(
        db_url, "channels", "add", "rel", "--kind", "outbox", "--set", "path=./outbox"
    )
    assert code == 0, err
    (shown,) = json.loads(oyez(db_url, "channels", "list", "--json")[1])
    assert shown["settings"]["path"] == str((tmp_path / "outbox").resolve())


def test_channels_kinds_lists_every_kinds_settings_with_defaults_and_meanings(db_url: str) -> None:
    code, out, err = oyez(db_url, "channels", "kinds", "--json")
    assert code == 0, err
    kinds = {k["kind"]: {s["name"]: s for s in k["settings"]} for k in json.loads(out)}
    assert {"x", "mastodon", "bluesky", "facebook", "webhook", "outbox"} <= set(kinds)
    assert kinds["outbox"]["max_length"]["default"] == "5000"
    assert "characters" in kinds["outbox"]["max_length"]["meaning"]
    assert kinds["mastodon"]["max_characters"]["meaning"]
    assert all(s["meaning"] for k in kinds.values() for s in k.values())  # none left unexplained
    code, _, err = oyez(db_url, "channels", "kinds", "telegraph")
    assert code != 0
    assert "unknown channel kind 'telegraph'" in err
