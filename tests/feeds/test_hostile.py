"""Hostile feeds: each one is that feed's error, one line, and the next good poll carries on."""

from __future__ import annotations

import zlib
from datetime import timedelta
from pathlib import Path

import pytest

from publisher.context import Context
from publisher.sources.feeds import poll_due
from publisher.sources.feeds.subscriptions import (
    FeedOptions,
    add_feed,
    get_feed,
    list_feeds,
    poll_feeds,
)
from tests.feeds.conftest import IMPATIENT, LIMITS, feed_posts
from tests.feeds.feedgen import Item, atom, items, rss
from tests.feeds.server import FeedServer, Route

MB = 1024 * 1024

BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>bomb</title>
<item><title>&lol9;</title><guid>urn:bomb</guid></item></channel></rss>"""

#: The same bomb behind 200 KB of comment, past any fixed-size look at the start.
LATE_BOMB = BOMB.replace(b"<!DOCTYPE", b"<!--" + b" padding" * 25_000 + b" -->\n<!DOCTYPE", 1)
#: The same bomb in UTF-16, where ``<!ENTITY`` is not an ASCII byte string.
UTF16_BOMB = b"\xff\xfe" + BOMB.decode().replace(
    'version="1.0"', 'version="1.0" encoding="utf-16"'
).encode("utf-16-le")

WRONG_ENCODING = (
    '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Café</title>'
    "<item><title>Crème brûlée</title><guid>urn:latin</guid></item></channel></rss>"
).encode("latin-1")

HTML_PAGE = b"""<!DOCTYPE html><html><head><title>My blog</title>
<link rel="alternate" type="application/rss+xml" href="/blog/feed.xml"></head>
<body><h1>Welcome</h1></body></html>"""


def gzip_bomb(size: int) -> bytes:
    """``size`` bytes of spaces after an RSS start, gzip-compressed chunk by chunk."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    out = [packer.compress(b'<rss version="2.0"><channel><title>')]
    block = b" " * MB
    out += [packer.compress(block) for _ in range(size // MB)]
    out.append(packer.flush())
    return b"".join(out)


HOSTILE = {
    "malformed XML": (
        Route(body=b"<rss version='2.0'><channel><item></channel></rss>"),
        "not well-formed XML",
    ),
    "wrong encoding": (Route(body=WRONG_ENCODING), "wrong encoding"),
    "50 MB body, streamed": (Route(stream_bytes=50 * MB), "larger than the 1 MB limit"),
    "50 MB body, declared": (
        Route(stream_bytes=50 * MB, declare_length=True),
        "over the 1 MB limit",
    ),
    "50 MB gzip bomb": (
        Route(body=gzip_bomb(50 * MB), headers={"Content-Encoding": "gzip"}),
        "larger than the 1 MB limit",
    ),
    "entity bomb": (Route(body=BOMB), "declares XML entities"),
    "entity bomb after 200 KB": (Route(body=LATE_BOMB), "declares XML entities"),
    "entity bomb in UTF-16": (Route(body=UTF16_BOMB), "declares XML entities"),
    "hang past the time limit": (Route(hang=5.0), "timed out after 1 s"),
    "404": (Route(status=404, body=b"gone", content_type="text/plain"), "HTTP 404 Not Found"),
    "500": (Route(status=500, body=b"oops", content_type="text/plain"), "HTTP 500"),
    "HTML page": (Route(body=HTML_PAGE, content_type="text/html"), "got an HTML page"),
    "redirect loop": (Route(redirect="/feed.xml"), "more than 3 redirects"),
    "empty body": (Route(body=b""), "the feed is empty"),
    "JSON": (Route(body=b'{"items": []}', content_type="application/json"), "not well-formed"),
}


@pytest.fixture
def blog(ctx: Context, server: FeedServer) -> str:
    server.serve("/feed.xml", Route(body=rss(items(2)), etag='"good"'))
    add_feed(ctx, server.url("/feed.xml"), ["blog-out"], FeedOptions(name="blog"), limits=LIMITS)
    return "blog"


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_hostile_answer_is_the_feeds_error_and_the_next_good_poll_carries_on(
    ctx: Context, server: FeedServer, blog: str, kind: str
) -> None:
    route, message = HOSTILE[kind]
    server.serve("/feed.xml", route)

    (bad,) = poll_feeds(ctx, blog, limits=IMPATIENT if kind.startswith("hang") else LIMITS)

    assert bad.status == "error"
    assert message in (bad.error or "")
    view = get_feed(ctx, blog)
    assert view.status == "error"
    assert view.last_error is not None
    assert "\n" not in view.last_error
    assert message in view.last_error

    server.serve("/feed.xml", Route(body=rss(items(4)), etag='"good-2"'))
    (good,) = poll_feeds(ctx, blog, limits=LIMITS)

    assert (good.status, good.new, good.posts) == ("ok", 2, 2)
    assert get_feed(ctx, blog).last_error is None


def test_a_body_naming_a_local_file_is_not_read_from_disk(
    ctx: Context, server: FeedServer, blog: str, tmp_path: Path
) -> None:
    # feedparser opens bytes as a file name when it can: the body must never be taken for one.
    local = tmp_path / "secret.xml"
    local.write_bytes(rss([Item("urn:secret", "SECRET", "https://b.example/secret")]))
    server.serve("/feed.xml", Route(body=str(local).encode(), content_type="text/plain"))

    (result,) = poll_feeds(ctx, blog, limits=LIMITS)

    assert result.status == "error"
    assert feed_posts(ctx) == []


def test_a_failing_feed_backs_off_and_does_not_stop_the_others(
    ctx: Context, server: FeedServer, blog: str
) -> None:
    server.serve("/other.xml", Route(body=rss(items(1, base="https://o.example"))))
    add_feed(ctx, server.url("/other.xml"), ["blog-out"], FeedOptions(name="other"), limits=LIMITS)
    server.serve("/feed.xml", Route(status=503, headers={"Retry-After": "7200"}))
    server.serve("/other.xml", Route(body=rss(items(3, base="https://o.example"))))

    results = {r.feed: r for r in poll_feeds(ctx, limits=LIMITS)}

    assert results["blog"].status == "error"
    assert results["other"].posts == 2
    failing = get_feed(ctx, "blog")
    assert failing.next_poll_at is not None
    assert failing.last_polled_at is not None
    assert failing.next_poll_at - failing.last_polled_at >= timedelta(hours=2)
    # The daemon's fire skips a feed that is backing off.
    requests = len(server.requests_to("/feed.xml"))
    feed_id = _feed_id(ctx, "blog")
    assert poll_due(ctx, feed_id) == 0
    assert len(server.requests_to("/feed.xml")) == requests


def test_consecutive_failures_double_the_wait(ctx: Context, server: FeedServer, blog: str) -> None:
    server.serve("/feed.xml", Route(status=500))
    waits = []
    for _ in range(3):
        poll_feeds(ctx, blog, limits=LIMITS)
        view = get_feed(ctx, blog)
        assert view.next_poll_at
        assert view.last_polled_at
        waits.append(view.next_poll_at - view.last_polled_at)
    assert waits == [timedelta(minutes=30), timedelta(minutes=60), timedelta(minutes=120)]
    assert get_feed(ctx, blog).error_count == 3


def test_feeds_list_shows_each_feeds_error_on_one_line(
    ctx: Context, server: FeedServer, blog: str
) -> None:
    server.serve("/feed.xml", Route(body=HTML_PAGE, content_type="text/html"))
    poll_feeds(ctx, blog, limits=LIMITS)

    (view,) = list_feeds(ctx)

    assert view.last_error == (
        "got an HTML page, not a feed; the page names its feed: " + server.url("/blog/feed.xml")
    )


XSS_TITLE = '<script>alert(1)</script>Roadworks <img src=x onerror="alert(2)"> update'
XSS_SUMMARY = (
    '<p onclick="steal()">Read <a href="javascript:alert(3)">this</a> now.</p>'
    "<style>body{display:none}</style><script>document.cookie</script>"
    "<p>&lt;script&gt;alert(4)&lt;/script&gt; and onerror=alert(5) and JavaScript:alert(6)</p>"
)


@pytest.mark.parametrize("make", [rss, atom], ids=["rss", "atom"])
def test_script_event_handlers_and_javascript_urls_never_reach_a_post(
    ctx: Context, server: FeedServer, make: object
) -> None:
    render = make  # rss() or atom()
    server.serve("/x.xml", Route(body=render(items(1))))  # type: ignore[operator]
    add_feed(
        ctx,
        server.url("/x.xml"),
        ["blog-out"],
        FeedOptions(name="x", template="{title} — {summary} {link}"),
        limits=LIMITS,
    )
    evil = Item("urn:evil", XSS_TITLE, "javascript:alert(7)", summary=XSS_SUMMARY)
    server.serve("/x.xml", Route(body=render([*items(1), evil])))  # type: ignore[operator]

    poll_feeds(ctx, "x", limits=LIMITS)

    (post,) = feed_posts(ctx)
    lowered = post.text.lower()
    for bad in ("<script", "script>", "onerror", "onclick", "javascript:", "<img", "<style"):
        assert bad not in lowered, post.text
    assert post.text.startswith("Roadworks update — Read this now.")


HIDDEN_SUMMARY = (
    '<noscript><img src=x onerror="alert(8)"></noscript>'
    '<svg onload="alert(9)"><text>svg text</text></svg>'
    '<iframe srcdoc="&lt;script&gt;alert(10)&lt;/script&gt;">frame text</iframe>'
    "<template><p>template text</p></template><object data=x>object text</object>Visible part."
)


@pytest.mark.parametrize("make", [rss, atom], ids=["rss", "atom"])
def test_content_of_elements_a_reader_never_sees_stays_out_of_the_post(
    ctx: Context, server: FeedServer, make: object
) -> None:
    render = make  # rss() or atom()
    server.serve("/x.xml", Route(body=render(items(1))))  # type: ignore[operator]
    add_feed(
        ctx, server.url("/x.xml"), ["blog-out"], FeedOptions(name="x", template="{summary}"),
        limits=LIMITS,
    )  # fmt: skip
    hidden = Item("urn:hidden", "Hidden", "https://blog.example/h", summary=HIDDEN_SUMMARY)
    server.serve("/x.xml", Route(body=render([*items(1), hidden])))  # type: ignore[operator]

    poll_feeds(ctx, "x", limits=LIMITS)

    (post,) = feed_posts(ctx)
    assert post.text == "Visible part."


def _feed_id(ctx: Context, name: str) -> int:
    from queue_db import feeds as feed_db

    with ctx.tx() as tx:
        row = feed_db.feed(tx, name)
        assert row.id is not None
        return row.id


def test_an_unexpected_failure_on_odd_input_is_recorded_not_raised(
    ctx: Context, server: FeedServer, blog: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise ValueError("odd input")

    monkeypatch.setattr("publisher.sources.feeds.ledger.record", broken)
    server.serve("/feed.xml", Route(body=rss(items(3)), etag='"3"'))

    (result,) = poll_feeds(ctx, blog, limits=LIMITS)

    assert result.status == "error"
    assert "internal error while reading the feed: ValueError('odd input')" in (result.error or "")
