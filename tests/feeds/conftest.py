"""Fixtures of the feed tests: a local feed server, a context with an outbox channel."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from publisher.context import Context
from publisher.service import posts
from publisher.service.views import PostView
from publisher.sources.feeds.addresses import Access
from publisher.sources.feeds.fetch import FetchLimits
from tests.feeds.server import FeedServer
from tests.helpers import add_outbox, make_context

#: Small limits so hostile answers are met quickly; a time limit that a slow
#: machine's honest answers never reach.
LIMITS = FetchLimits(max_bytes=1024 * 1024, timeout=10.0, max_redirects=3)
#: What fetch() is given where a test calls it directly: the local server and files.
OPEN = Access(allow_private_addresses=True, allow_files=True)
#: The same with a short time limit, for the tests that make the server stall.
IMPATIENT = FetchLimits(max_bytes=1024 * 1024, timeout=1.0, max_redirects=3)


@pytest.fixture(autouse=True)
def feeds_reach_the_local_server(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests serve feeds from 127.0.0.1 and local files: let feeds reach both.

    The tests of the guard itself (test_fetch_guard.py) turn this off again.
    """
    monkeypatch.setenv("OYEZ_FEEDS__ALLOW_PRIVATE_ADDRESSES", "true")
    monkeypatch.setenv("OYEZ_FEEDS__ALLOW_FILES", "true")


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as s:
        yield s


@pytest.fixture
def ctx(db_url: str, tmp_path: Path) -> Iterator[Context]:
    context = make_context(db_url)
    add_outbox(context, "blog-out", tmp_path / "out")
    yield context
    context.close()


def feed_posts(ctx: Context) -> list[PostView]:
    return posts.list_posts(ctx, source="feed")
