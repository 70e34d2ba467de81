"""``oyez slots``, ``pause``, ``resume``, ``status`` and ``post schedule --next-slot``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from publisher.context import open_context
from queue_db import events as audit
from tests.helpers import cli_add_outbox, oyez
from tests.integration.engine.conftest import engine_settings


@pytest.fixture
def db(db_url: str, tmp_path: Path) -> str:
    cli_add_outbox(db_url, "news", tmp_path / "out")
    return db_url


def approved_post(db: str, text: str = "Bins on Saturday") -> str:
    code, out, err = oyez(db, "post", "new", text, "--to", "news")
    assert code == 0, err
    post_id = out.strip()
    assert oyez(db, "post", "submit", post_id)[0] == 0
    assert oyez(db, "post", "approve", post_id, actor="sam")[0] == 0
    return post_id


def test_slots_set_then_list_shows_the_coming_slots_in_the_channel_zone(db: str) -> None:
    code, out, err = oyez(
        db,
        "slots",
        "set",
        "news",
        "--weekdays",
        "mon-fri",
        "--times",
        "16:00,09:00,12:30",
        "--tz",
        "Europe/London",
        "--json",
    )
    assert code == 0, err
    table = json.loads(out)
    assert table["timezone"] == "Europe/London"
    assert table["slots"] == {
        d: ["09:00", "12:30", "16:00"] for d in ("mon", "tue", "wed", "thu", "fri")
    }
    code, out, err = oyez(
        db, "slots", "list", "news", "--days", "7", "--from", "2026-06-01T00:00:00Z", "--json"
    )
    assert code == 0, err
    listed = json.loads(out)
    assert len(listed) == 15
    assert listed[0] == {
        "time": "2026-06-01T08:00:00+00:00",
        "channel": "news",
        "post_id": None,
        "open": True,
    }


def test_next_slot_schedules_into_the_earliest_free_slot(db: str) -> None:
    assert oyez(db, "slots", "set", "news", "--weekdays", "all", "--times", "09:00,17:00")[0] == 0
    first, second = approved_post(db, "First"), approved_post(db, "Second")
    code, out, err = oyez(db, "post", "schedule", first, "--next-slot")
    assert code == 0, err
    code, out2, err = oyez(db, "post", "schedule", second, "--next-slot")
    assert code == 0, err
    assert out != out2
    code, out, _ = oyez(db, "slots", "list", "news", "--days", "2", "--json")
    taken = [s["post_id"] for s in json.loads(out) if s["post_id"]]
    assert taken == [int(first), int(second)]


def test_crisis_pause_and_resume_show_in_status_and_the_audit_log(db: str) -> None:
    code, out, err = oyez(db, "pause", "--all", "--reason", "Flooding in the city centre")
    assert code == 0, err
    code, out, _ = oyez(db, "status", "--json")
    report = json.loads(out)
    assert report["crisis_pause"]["reason"] == "Flooding in the city centre"
    assert report["crisis_pause"]["by"] == "alex"
    assert set(report) >= {
        "workers",
        "next_due",
        "posts",
        "deliveries",
        "paused_channels",
        "rate_limited",
        "needs_attention",
    }
    code, out, err = oyez(db, "resume", "--all", actor="sam")
    assert code == 0, err
    assert "crisis pause ended" in out
    assert json.loads(oyez(db, "status", "--json")[1])["crisis_pause"] is None
    ctx = open_context(db, "alex", settings=engine_settings(db))
    try:
        with ctx.tx() as tx:
            actions = [(e.actor, e.action) for e in reversed(audit.for_post(tx))]
    finally:
        ctx.close()
    assert ("alex", "paused") in actions
    assert ("sam", "resumed") in actions


def test_pausing_a_channel_shows_why_in_status(db: str) -> None:
    assert oyez(db, "pause", "news", "--reason", "account under review")[0] == 0
    code, out, _ = oyez(db, "status")
    assert code == 0
    assert "paused news: account under review" in out
    assert oyez(db, "resume", "news")[0] == 0
    assert "paused" not in oyez(db, "status")[1]


def test_quiet_hours_and_blackout_dates_are_kept(db: str) -> None:
    code, out, err = oyez(db, "slots", "quiet", "news", "--from", "22:00", "--to", "07:00")
    assert code == 0, err
    assert "quiet 22:00–07:00" in out
    code, out, err = oyez(db, "slots", "blackout", "news", "--add", "2026-12-25")
    assert code == 0, err
    assert "blackout 2026-12-25" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["slots", "set", "news", "--weekdays", "funday", "--times", "09:00"], "not a weekday"),
        (["slots", "set", "news", "--weekdays", "mon", "--times", "25:00"], "not a time of day"),
        (
            ["slots", "set", "news", "--weekdays", "mon", "--times", "09:00", "--tz", "Mars/Base"],
            "unknown time zone",
        ),
        (
            ["slots", "set", "nope", "--weekdays", "mon", "--times", "09:00"],
            "no channel named 'nope'",
        ),
        (["slots", "list", "news", "--days", "0"], "days must be between 1 and 366"),
        (["slots", "list", "news", "--from", "tomorrow"], "not an ISO 8601 time"),
        (["slots", "quiet", "news", "--from", "22:00"], "need both --from and --to"),
        (["slots", "quiet", "news"], "give --from HH:MM --to HH:MM, or --off"),
        (["slots", "blackout", "news", "--add", "25/12/2026"], "not a date"),
        (["pause"], "name one channel, or give --all"),
        (["pause", "news", "--all"], "name one channel, or give --all"),
        (["pause", "--all"], "a crisis pause needs a reason"),
        (["pause", "ghost"], "no channel named 'ghost'"),
        (["resume"], "name one channel, or give --all"),
    ],
)
def test_bad_input_is_one_clear_line_and_a_non_zero_exit(
    db: str, args: list[str], message: str
) -> None:
    code, out, err = oyez(db, *args)
    assert code != 0
    assert message in err
    assert "Traceback" not in err + out
    assert len(err.strip().splitlines()) == 1


def test_schedule_needs_a_time_or_next_slot_and_next_slot_needs_slots(db: str) -> None:
    post_id = approved_post(db)
    code, _, err = oyez(db, "post", "schedule", post_id)
    assert code != 0
    assert "give either --at TIME or --next-slot" in err
    code, _, err = oyez(db, "post", "schedule", post_id, "--next-slot")
    assert code != 0
    assert "no posting slots set for news" in err
    assert len(err.strip().splitlines()) == 1


def test_run_for_a_while_delivers_and_exits(db: str) -> None:
    post_id = approved_post(db)
    assert oyez(db, "post", "schedule", post_id, "--at", "2020-01-01T00:00:00Z")[0] == 0
    code, out, err = oyez(db, "run", "--for", "0.5")
    assert code == 0, err
    assert "done: sent 1" in out
