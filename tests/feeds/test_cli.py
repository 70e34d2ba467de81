"""``oyez feeds`` as a user meets it: output, JSON, and one clear line for each bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.feeds.feedgen import items, rss
from tests.feeds.server import FeedServer, Route
from tests.helpers import cli_add_outbox, oyez


@pytest.fixture
def db(db_url: str, tmp_path: Path) -> str:
    cli_add_outbox(db_url, "news", tmp_path / "out")
    return db_url


@pytest.fixture
def feed_url(server: FeedServer) -> str:
    server.serve("/feed.xml", Route(body=rss(items(3)), etag='"1"'))
    return server.url("/feed.xml")


def test_add_list_poll_remove_round_trip(db: str, server: FeedServer, feed_url: str) -> None:
    code, out, err = oyez(db, "feeds", "add", feed_url, "--to", "news", "--backfill", "1")
    assert code == 0, err
    assert "subscribed example-blog: 3 entries recorded, 1 posted now" in out

    server.serve("/feed.xml", Route(body=rss(items(5)), etag='"2"'))
    code, out, err = oyez(db, "feeds", "poll", "example-blog")
    assert code == 0, err
    assert out.strip() == "example-blog: 2 new, 2 posted"

    code, out, _ = oyez(db, "feeds", "list", "--json")
    (row,) = json.loads(out)
    assert (row["name"], row["status"], row["entries_seen"], row["posts_made"]) == (
        "example-blog",
        "ok",
        5,
        3,
    )
    assert row["last_polled_at"] is not None

    code, out, _ = oyez(db, "feeds", "list")
    assert code == 0
    assert "example-blog" in out

    code, out, err = oyez(db, "feeds", "remove", "example-blog")
    assert code == 0, err
    assert oyez(db, "feeds", "list", "--json")[1].strip() == "[]"


def test_poll_json_reports_a_304(db: str, feed_url: str) -> None:
    oyez(db, "feeds", "add", feed_url, "--to", "news", "--name", "blog")
    code, out, err = oyez(db, "feeds", "poll", "--json")
    assert code == 0, err
    (result,) = json.loads(out)
    assert (result["feed"], result["status"], result["posts"]) == ("blog", "unchanged", 0)


def test_a_failing_feed_shows_its_error_and_poll_exits_non_zero(
    db: str, server: FeedServer, feed_url: str
) -> None:
    oyez(db, "feeds", "add", feed_url, "--to", "news", "--name", "blog")
    server.serve("/feed.xml", Route(status=500, body=b"", content_type="text/plain"))

    code, out, _ = oyez(db, "feeds", "poll", "blog")
    assert code == 1
    assert out.startswith("blog: error: HTTP 500 Internal Server Error")

    code, out, _ = oyez(db, "feeds", "list", "--json")
    assert json.loads(out)[0]["last_error"].startswith("HTTP 500")


BAD_INPUTS = {
    "unknown channel": (["--to", "nope"], "no channel named 'nope'"),
    "bad mode": (["--to", "news", "--mode", "sometimes"], "--mode must be auto or review"),
    "unsafe template": (["--to", "news", "--template", "{title.__class__}"], "is not allowed"),
    "bad length spec": (["--to", "news", "--template", "{summary:>9}"], "the only format is"),
    "bad regex": (["--to", "news", "--include", "(unclosed"], "not a valid regular expression"),
    "zero interval": (["--to", "news", "--every", "0"], "--every must be between"),
    "negative backfill": (["--to", "news", "--backfill", "-1"], "--backfill cannot be negative"),
    "zero cap": (["--to", "news", "--max-per-day", "0"], "--max-per-day must be at least 1"),
    "zero age": (["--to", "news", "--max-age", "0"], "--max-age must be at least 1 day"),
    "bad name": (["--to", "news", "--name", "Blog Feed"], "must be lower-case"),
    "no channels": (["--to", ","], "--to needs at least one channel"),
}


@pytest.mark.parametrize("kind", list(BAD_INPUTS))
def test_bad_add_options_give_one_line_and_a_non_zero_exit(
    db: str, feed_url: str, kind: str
) -> None:
    args, message = BAD_INPUTS[kind]
    code, out, err = oyez(db, "feeds", "add", feed_url, *args)
    assert code != 0
    assert message in err
    assert "Traceback" not in err + out
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://example.org/feed", "unsupported URL"),
        ("https://me:secret@example.org/feed", "stores no credentials"),
        ("{server}/missing.xml", "cannot subscribe to"),
    ],
)
def test_a_url_that_gives_no_feed_is_refused_and_nothing_is_stored(
    db: str, server: FeedServer, url: str, message: str
) -> None:
    target = url.replace("{server}", server.url("").rstrip("/"))
    code, _, err = oyez(db, "feeds", "add", target, "--to", "news")
    assert code != 0
    assert message in err
    assert "secret" not in err
    assert len(err.strip().splitlines()) == 1
    assert oyez(db, "feeds", "list", "--json")[1].strip() == "[]"


def test_adding_the_same_url_twice_is_refused(db: str, feed_url: str) -> None:
    assert oyez(db, "feeds", "add", feed_url, "--to", "news")[0] == 0
    code, _, err = oyez(db, "feeds", "add", feed_url, "--to", "news")
    assert code != 0
    assert "subscribed already" in err


def test_polling_or_removing_an_unknown_feed_is_one_line(db: str) -> None:
    for command in ("poll", "remove"):
        code, _, err = oyez(db, "feeds", command, "ghost")
        assert code != 0
        assert "no feed named 'ghost'" in err
