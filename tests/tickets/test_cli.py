"""``oyez tickets`` as ops scripts meet it: options or JSON on stdin, one clear line per error."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

import pytest

from publisher.sources.tickets import config as ticket_config
from tests import helpers

#: Every command here runs as olga.
oyez = partial(helpers.oyez, actor="olga")


@pytest.fixture
def db(db_url: str, tmp_path: Path) -> str:
    helpers.cli_add_outbox(db_url, "ops", tmp_path / "o", actor="olga")
    return db_url


def test_config_shows_and_changes_settings(db: str) -> None:
    code, _, err = oyez(db, "tickets", "config")
    assert code != 0
    assert "not configured" in err
    code, out, err = oyez(
        db, "tickets", "config", "--to", "ops", "--urgent", "--mode", "review",
        "--coalesce", "120", "--map", "in queue=open", "--link", "https://noc.example.net/{id}",
        "--json",
    )  # fmt: skip
    assert code == 0, err
    shown = json.loads(out)
    assert shown["channels"] == ["ops"]
    assert (shown["urgent"], shown["mode"], shown["coalesce_seconds"]) == (True, "review", 120)
    assert shown["status_map"] == {"in queue": "open"}
    code, out, _ = oyez(db, "tickets", "config", "--no-urgent")
    assert code == 0
    assert "urgent: False" in out
    # The default delivery.urgent_sources lists ticket, and says so rather than mislead.
    assert "still go out, because delivery.urgent_sources lists ticket" in " ".join(out.split())


def test_config_says_ticket_posts_are_held_in_a_crisis_when_nothing_lets_them_through(
    db_url: str, tmp_path: Path
) -> None:
    ctx = helpers.make_context(db_url, delivery={"urgent_sources": []})
    try:
        helpers.add_outbox(ctx, "ops", tmp_path / "ops")
        view = ticket_config.configure(ctx, channels=["ops"], urgent=False)
        assert not view.through_crisis
        assert ticket_config.configure(ctx, urgent=True).through_crisis
    finally:
        ctx.close()


def test_events_from_options_and_from_json_on_stdin(db: str) -> None:
    assert oyez(db, "tickets", "config", "--to", "ops", "--coalesce", "0")[0] == 0
    code, out, err = oyez(
        db, "tickets", "event", "--id", "TT-1", "--status", "open", "--title", "Mail down"
    )
    assert code == 0, err
    assert "TT-1: event #1 recorded (open); 1 post(s) made now" in out
    event = {"id": "TT-1", "status": "closed", "text": "Mail flows again."}
    code, out, err = oyez(db, "tickets", "event", "--json", stdin=json.dumps(event))
    assert code == 0, err
    assert json.loads(out)["status"] == "resolved"
    code, out, _ = oyez(db, "tickets", "list", "--json")
    (ticket,) = json.loads(out)
    assert ticket["status"] == "resolved"
    assert [p["kind"] for p in ticket["posts"]] == ["first", "closing"]
    code, out, _ = oyez(db, "tickets", "list")
    assert "TT-1" in out


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (
            ["tickets", "event", "--id", "TT-1", "--status", "open", "--title", "x"],
            None,
            "not configured",
        ),
        (["tickets", "config", "--to", "nope"], None, "no channel named 'nope'"),
        (["tickets", "config", "--to", "ops", "--mode", "sometimes"], None, "auto or review"),
        (["tickets", "config", "--to", "ops", "--coalesce", "-1"], None, "--coalesce"),
        (
            ["tickets", "config", "--to", "ops", "--template", "{id.__class__}"],
            None,
            "unknown placeholder",
        ),
        (["tickets", "config", "--to", "ops", "--update-template", ""], None, "template is empty"),
        (["tickets", "config", "--to", "ops", "--map", "nonsense"], None, "WORD=STATUS"),
        (["tickets", "config", "--to", "ops", "--link", "ftp://x/{id}"], None, "http(s) URL"),
        (["tickets", "feed", "add", "ftp://example.net/x"], None, "not configured"),
    ],
)
def test_bad_configuration_gets_one_clear_line(
    db: str, args: list[str], stdin: str | None, message: str
) -> None:
    code, _, err = oyez(db, *args, stdin=stdin)
    assert code != 0
    assert message in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["tickets", "event"], "{oops", "malformed JSON on stdin"),
        (["tickets", "event"], "[]", "must be a JSON object"),
        (["tickets", "event", "--id", "TT-1"], None, "missing field 'status'"),
        (["tickets", "event", "--status", "open"], None, "missing field 'id'"),
        (["tickets", "event", "--id", "TT-2", "--status", "open"], None, "needs a title"),
        (
            ["tickets", "event", "--id", "TT-2", "--status", "meh", "--title", "x"],
            None,
            "unknown status 'meh'",
        ),
        (
            ["tickets", "event", "--id", "T T", "--status", "open", "--title", "x"],
            None,
            "ticket id",
        ),
        (["tickets", "feed", "add", "ftp://example.net/x"], None, "cannot read the ticket feed"),
        (
            ["tickets", "feed", "add", "file:///nowhere.atom", "--id-pattern", "x"],
            None,
            "group named id",
        ),
    ],
)
def test_bad_events_get_one_clear_line_and_record_nothing(
    db: str, args: list[str], stdin: str | None, message: str
) -> None:
    assert oyez(db, "tickets", "config", "--to", "ops")[0] == 0
    code, _, err = oyez(db, *args, stdin=stdin)
    assert code != 0
    assert message in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert json.loads(oyez(db, "tickets", "list", "--json")[1]) == []


def test_feed_commands_with_no_feeds_say_how_to_add_one(db: str) -> None:
    assert oyez(db, "tickets", "config", "--to", "ops")[0] == 0
    for command in ("list", "poll"):
        code, out, err = oyez(db, "tickets", "feed", command)
        assert code == 0, err
        assert "oyez tickets feed add URL" in out


def test_feed_remove_says_what_stays_and_an_unknown_feed_is_one_line(
    db: str, tmp_path: Path
) -> None:
    assert oyez(db, "tickets", "config", "--to", "ops")[0] == 0
    path = tmp_path / "t.atom"
    path.write_text(
        '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>T</title>'
        "<id>urn:t</id><updated>2026-11-25T09:00:00Z</updated></feed>",
        encoding="utf-8",
    )
    assert oyez(db, "tickets", "feed", "add", path.as_uri())[0] == 0
    assert oyez(db, "tickets", "feed", "add", path.as_uri() + "?2")[0] == 0
    code, out, err = oyez(db, "tickets", "feed", "remove", path.as_uri())
    assert code == 0, err
    assert " ".join(out.split()) == (
        f"removed ticket feed 1 ({path.as_uri()}); its 0 event(s) and their posts stay"
    )
    code, out, err = oyez(db, "tickets", "feed", "remove", "2", "--json")
    assert code == 0, err
    assert (json.loads(out)["url"], json.loads(out)["events_kept"]) == (path.as_uri() + "?2", 0)
    assert "oyez tickets feed add URL" in oyez(db, "tickets", "feed", "list")[1]
    for given, message in (("2", "no ticket feed with id 2"), ("https://x.example/f", "with URL")):
        code, _, err = oyez(db, "tickets", "feed", "remove", given)
        assert code != 0
        assert message in err
        assert "Traceback" not in err
        assert len(err.strip().splitlines()) == 1
