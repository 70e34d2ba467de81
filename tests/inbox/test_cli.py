"""``oyez listen`` and ``oyez inbox`` against the doubles: names, JSON, refusals, hostile text."""

from __future__ import annotations

import json
import time

import pytest

from publisher.engine.producers import SOURCE_MODULES, load_producers
from publisher.service import listening
from tests.channels.test_end_to_end import add_channel
from tests.fakes.mastodon import MastodonDouble
from tests.fakes.x import XDouble
from tests.helpers import all_at_once, make_context, oyez

HOSTILE = (
    "@oyez_test [bold red]FAKE[/] \x1b[2J\x07 \u202egnp.exe\u202c "
    + "<script>alert(1)</script> "
    + "x" * 100_000
)


def _network(db: str, double: XDouble | MastodonDouble, monkeypatch: pytest.MonkeyPatch) -> None:
    add_channel(db, double, monkeypatch)


def _json(db: str, *args: str) -> object:
    code, out, err = oyez(db, *args, "--json")
    assert code == 0, err
    return json.loads(out)


def test_listen_add_list_pause_resume_remove(
    db_url: str, x_double: XDouble, monkeypatch: pytest.MonkeyPatch
) -> None:
    _network(db_url, x_double, monkeypatch)
    code, out, err = oyez(db_url, "listen", "add", "ask", "--on", "net", "--mentions")
    assert code == 0, err
    assert "listening on net" in out
    code, _, err = oyez(
        db_url,
        "listen",
        "add",
        "bins",
        "--on",
        "net",
        "--query",
        "#bins",
        "--every",
        "15",
        "--since",
        "48h",
    )
    assert code == 0, err

    listed = _json(db_url, "listen", "list")
    assert isinstance(listed, list)
    assert [(s["name"], s["kind"], s["query"], s["every_minutes"]) for s in listed] == [
        ("ask", "mentions", None, 5),
        ("bins", "query", "#bins", 15),
    ]
    assert oyez(db_url, "listen", "pause", "ask")[0] == 0
    assert _json(db_url, "listen", "list")[0]["paused"] is True  # type: ignore[index]
    assert oyez(db_url, "listen", "resume", "ask")[0] == 0
    assert oyez(db_url, "listen", "remove", "bins")[0] == 0
    assert [s["name"] for s in _json(db_url, "listen", "list")] == ["ask"]  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--mentions", "--query", "x"], "either --mentions or --query"),
        ([], "either --mentions or --query"),
        (["--query", "  "], "--query needs"),
        (["--mentions", "--since", "90d"], "more than 30 days"),
        (["--mentions", "--since", "yesterday"], "ISO 8601"),
        (["--mentions", "--every", "0"], "--every"),
    ],
)
def test_listen_add_refuses_bad_input_in_one_line(
    db_url: str,
    x_double: XDouble,
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    message: str,
) -> None:
    _network(db_url, x_double, monkeypatch)
    code, _out, err = oyez(db_url, "listen", "add", "s", "--on", "net", *args)
    assert code != 0
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert _json(db_url, "listen", "list") == []


def test_listen_add_on_a_channel_that_cannot_listen_says_so(db_url: str, tmp_path: object) -> None:
    from tests.helpers import cli_add_outbox

    cli_add_outbox(db_url, "files", tmp_path)  # type: ignore[arg-type]
    code, _, err = oyez(db_url, "listen", "add", "s", "--on", "files", "--mentions")
    assert code != 0
    assert "cannot listen" in err
    code, _, err = oyez(db_url, "listen", "add", "s", "--on", "nowhere", "--mentions")
    assert code != 0
    assert "nowhere" in err


def test_inbox_poll_list_show_assign_done_ignore(
    db_url: str, x_double: XDouble, monkeypatch: pytest.MonkeyPatch
) -> None:
    _network(db_url, x_double, monkeypatch)
    oyez(db_url, "listen", "add", "ask", "--on", "net", "--mentions")
    for ago, who in ((30, "alice"), (20, "bob"), (10, "carol")):
        x_double.tweet_as(who, f"@oyez_test question from {who}", created_at=time.time() - ago)

    polled = _json(db_url, "inbox", "poll")
    assert polled["new"] == 3  # type: ignore[index]
    assert polled["streams"][0]["stream"] == "ask"  # type: ignore[index]
    again = _json(db_url, "inbox", "poll")
    assert again["streams"] == []  # type: ignore[index]  # not due for 5 minutes

    items = _json(db_url, "inbox", "list")
    assert isinstance(items, list)
    assert [i["author_handle"] for i in items] == ["@carol", "@bob", "@alice"]  # newest first
    first, second, third = (str(i["id"]) for i in items)
    assert oyez(db_url, "inbox", "assign", first, "sam")[0] == 0
    assert oyez(db_url, "inbox", "done", second)[0] == 0
    assert oyez(db_url, "inbox", "ignore", third)[0] == 0
    code, _, err = oyez(db_url, "inbox", "done", third)
    assert code != 0
    assert "it is ignored" in err

    assigned = _json(db_url, "inbox", "list", "--state", "assigned")
    assert [(i["id"], i["assignee"]) for i in assigned] == [(int(first), "sam")]  # type: ignore[index]
    assert len(_json(db_url, "inbox", "list", "--stream", "ask", "--channel", "net")) == 3  # type: ignore[arg-type]
    code, _, err = oyez(db_url, "inbox", "list", "--state", "open")
    assert code != 0
    assert "unknown state" in err
    code, out, _ = oyez(db_url, "inbox", "show", first)
    assert code == 0
    assert "question from carol" in out
    assert "sam" in out
    shown = _json(db_url, "inbox", "show", first)
    assert shown["streams"] == ["ask"]  # type: ignore[index]
    code, _, err = oyez(db_url, "inbox", "show", "9999")
    assert code != 0
    assert "9999" in err


def test_inbox_reply_makes_a_post_in_review_threaded_under_the_item(
    db_url: str, x_double: XDouble, monkeypatch: pytest.MonkeyPatch
) -> None:
    _network(db_url, x_double, monkeypatch)
    oyez(db_url, "listen", "add", "ask", "--on", "net", "--mentions")
    asked = x_double.tweet_as("alice", "@oyez_test when do the bins go out?")
    oyez(db_url, "inbox", "poll")
    (item,) = _json(db_url, "inbox", "list")  # type: ignore[misc]

    replied = _json(db_url, "inbox", "reply", str(item["id"]), "Saturday this week.")
    post_id = replied["post"]["id"]  # type: ignore[index]
    assert replied["post"]["state"] == "in_review"  # type: ignore[index]
    assert replied["item"]["state"] == "replied"  # type: ignore[index]
    assert oyez(db_url, "post", "approve", str(post_id), actor="sam")[0] == 0
    assert oyez(db_url, "run", "--once")[0] == 0
    assert oyez(db_url, "run", "--once")[0] == 0
    sent = [p for p in x_double.posts if p.text == "Saturday this week."]
    assert [p.reply_to for p in sent] == [asked.id]


def test_hostile_item_text_is_stored_stripped_and_shown_safely(
    db_url: str, x_double: XDouble, monkeypatch: pytest.MonkeyPatch
) -> None:
    _network(db_url, x_double, monkeypatch)
    oyez(db_url, "listen", "add", "ask", "--on", "net", "--mentions")
    x_double.tweet_as("mallory", HOSTILE)
    oyez(db_url, "inbox", "poll")

    (item,) = _json(db_url, "inbox", "list")  # type: ignore[misc]
    text = item["text"]
    assert not any(c in text for c in "\x1b\x07\u202e\u202c")
    assert len(text) <= 10_000
    assert text.startswith("@oyez_test [bold red]FAKE[/] [2J gnp.exe <script>")  # ESC, BEL gone
    code, out, _ = oyez(db_url, "inbox", "show", str(item["id"]))
    assert code == 0
    assert "[bold red]FAKE[/]" in out  # markup shown literally, not applied
    assert "\x1b" not in out
    assert "\u202e" not in out
    code, out, _ = oyez(db_url, "inbox", "list")
    assert code == 0
    assert "[bold" in out
    assert "\x1b" not in out


@pytest.mark.postgres
def test_two_pollers_at_once_store_each_item_once(
    pg_server: object, x_double: XDouble, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.conftest import drop_pg_database, new_pg_database

    url = new_pg_database(pg_server)  # type: ignore[arg-type]
    try:
        _network(url, x_double, monkeypatch)
        oyez(url, "listen", "add", "ask", "--on", "net", "--mentions", "--every", "1")
        oyez(url, "listen", "add", "all", "--on", "net", "--query", "oyez_test", "--every", "1")
        for n in range(60):
            x_double.tweet_as(f"user{n % 5}", f"@oyez_test number {n}")

        rounds = all_at_once([make_context(url) for _ in range(4)], listening.poll)

        assert sum(r.new for r in rounds) == 60
        assert sorted(len(r.streams) for r in rounds)[-1] <= 2
        assert sum(len(r.streams) for r in rounds) == 2  # each stream polled by one worker
        assert len(_json(url, "inbox", "list", "--limit", "500")) == 60  # type: ignore[arg-type]
    finally:
        drop_pg_database(pg_server, url)  # type: ignore[arg-type]


def test_the_daemon_has_one_producer_per_stream_not_paused(
    db_url: str, x_double: XDouble, monkeypatch: pytest.MonkeyPatch
) -> None:
    _network(db_url, x_double, monkeypatch)
    oyez(db_url, "listen", "add", "ask", "--on", "net", "--mentions", "--every", "2")
    oyez(db_url, "listen", "add", "off", "--on", "net", "--query", "x")
    oyez(db_url, "listen", "pause", "off")
    assert "publisher.sources.inbox" in SOURCE_MODULES
    ctx = make_context(db_url)
    found, complete = load_producers(ctx, ["publisher.sources.inbox"])
    assert complete
    assert [p.id for p in found] == ["stream:ask"]
    x_double.tweet_as("alice", "@oyez_test hi")
    assert found[0].fire(ctx, ctx.clock()) == 1
    assert found[0].fire(ctx, ctx.clock()) == 0  # not due again yet
    ctx.close()


def test_export_include_inbox_adds_the_items_and_report_counts_them(
    db_url: str, x_double: XDouble, monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    _network(db_url, x_double, monkeypatch)
    oyez(db_url, "listen", "add", "ask", "--on", "net", "--mentions")
    x_double.tweet_as("alice", "@oyez_test one")
    x_double.tweet_as("bob", "@oyez_test two")
    oyez(db_url, "inbox", "poll")
    first = _json(db_url, "inbox", "list")[0]["id"]  # type: ignore[index]
    oyez(db_url, "inbox", "done", str(first))

    code, out, err = oyez(db_url, "export", "--format", "json", "--include-inbox")
    assert code == 0, err
    document = json.loads(out)
    assert document["records"] == []
    assert sorted(i["author_handle"] for i in document["inbox"]) == ["@alice", "@bob"]
    code, out, err = oyez(db_url, "export", "--format", "json")
    assert "inbox" not in json.loads(out)
    code, _, err = oyez(db_url, "export", "--include-inbox")
    assert code != 0
    assert "--format json" in err

    report = _json(db_url, "report")
    assert report["inbox"] == {"ask": {"done": 1, "new": 1}}  # type: ignore[index]
    code, out, _ = oyez(db_url, "report")
    assert code == 0
    assert "1 done, 1 new" in out
