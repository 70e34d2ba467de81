"""Fetching and parsing without a database: validators, limits, local files, feed shapes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from publisher.sources.feeds.errors import FetchError, ParseError
from publisher.sources.feeds.fetch import USER_AGENT, check_url, fetch
from publisher.sources.feeds.ledger import chronological
from publisher.sources.feeds.parse import parse
from tests.feeds.conftest import IMPATIENT, LIMITS, OPEN
from tests.feeds.feedgen import Item, atom, items, rss
from tests.feeds.server import FeedServer, Route


def test_fetch_sends_validators_and_reads_a_304_as_not_modified(server: FeedServer) -> None:
    server.serve("/f", Route(body=rss(items(1)), etag='"abc"'))
    first = fetch(server.url("/f"), limits=LIMITS, access=OPEN)
    again = fetch(server.url("/f"), etag=first.etag, limits=LIMITS, access=OPEN)

    assert (first.not_modified, again.not_modified) == (False, True)
    assert again.etag == '"abc"'
    request = server.requests_to("/f")[-1]
    assert request.headers["if-none-match"] == '"abc"'
    assert request.headers["user-agent"] == USER_AGENT


def test_a_slow_trickle_is_stopped_at_the_time_limit(server: FeedServer) -> None:
    server.serve("/slow", Route(stream_bytes=100 * 1024, drip=0.2))
    with pytest.raises(FetchError, match="took longer than 1 s"):
        fetch(server.url("/slow"), limits=IMPATIENT, access=OPEN)


def test_local_file_is_read_and_an_unchanged_file_costs_nothing(tmp_path: Path) -> None:
    path = tmp_path / "feed.xml"
    path.write_bytes(rss(items(2)))
    url = path.as_uri()

    first = fetch(url, limits=LIMITS, access=OPEN)
    again = fetch(url, last_modified=first.last_modified, limits=LIMITS, access=OPEN)
    path.write_bytes(rss(items(3)))
    os.utime(path, (1_900_000_000, 1_900_000_000))
    changed = fetch(url, last_modified=first.last_modified, limits=LIMITS, access=OPEN)

    assert len(parse(first.body).entries) == 2
    assert again.not_modified
    assert not changed.not_modified


def test_missing_local_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FetchError, match="no such file"):
        fetch((tmp_path / "nope.xml").as_uri(), limits=LIMITS, access=OPEN)


@pytest.mark.parametrize("url", ["ftp://x.example/feed", "javascript:alert(1)", "http://", "feed"])
def test_only_http_https_and_file_urls_are_accepted(url: str) -> None:
    with pytest.raises(FetchError):
        check_url(url)


def test_atom_links_are_resolved_against_the_feed_url_and_html_titles_made_text() -> None:
    entry = Item("urn:1", "<b>Bold</b> &amp; brave", "/posts/1", summary="<p>Hi</p>")
    parsed = parse(atom([entry]), url="https://blog.example.org/feed.atom")
    (got,) = parsed.entries
    assert got.link == "https://blog.example.org/posts/1"
    assert got.title == "Bold & brave"
    assert got.summary == "Hi"


def test_a_link_that_is_not_http_is_dropped() -> None:
    (got,) = parse(rss([Item("urn:1", "T", "javascript:alert(1)")])).entries
    assert got.link == ""


def test_a_truncated_document_is_refused_rather_than_half_read() -> None:
    body = rss(items(3))
    with pytest.raises(ParseError, match="not well-formed"):
        parse(body[: len(body) // 2])


def test_undated_entries_are_taken_oldest_first_by_document_order() -> None:
    undated = [Item(f"urn:{n}", f"T{n}", f"https://b.example/{n}") for n in (3, 2, 1)]
    parsed = parse(rss(undated))
    assert [e.title for e in chronological(parsed.entries)] == ["T1", "T2", "T3"]
