"""An entry's link is absolute: a relative one is joined to xml:base and the feed's own URL."""

from __future__ import annotations

from publisher.sources.feeds.parse import parse

FEED_URL = "https://blog.example.org/feeds/all.xml"


def _links(body: str) -> list[str]:
    parsed = parse(body.encode(), content_type="application/rss+xml", url=FEED_URL)
    return [entry.link for entry in parsed.entries]


def _rss(channel_attrs: str, *links: str) -> str:
    entries = "".join(
        f"<item><title>t{i}</title><link>{link}</link></item>" for i, link in enumerate(links)
    )
    return (
        f'<rss version="2.0" xmlns:xml="http://www.w3.org/XML/1998/namespace">'
        f"<channel {channel_attrs}><title>Blog</title>{entries}</channel></rss>"
    )


def test_a_relative_link_is_joined_to_the_feeds_url() -> None:
    assert _links(_rss("", "/posts/1", "2", "https://other.example.net/x")) == [
        "https://blog.example.org/posts/1",
        "https://blog.example.org/feeds/2",
        "https://other.example.net/x",
    ]


def test_a_relative_link_under_xml_base_is_joined_to_that_base_first() -> None:
    assert _links(_rss('xml:base="/archive/"', "post", "/top")) == [
        "https://blog.example.org/archive/post",
        "https://blog.example.org/top",
    ]
    assert _links(_rss('xml:base="https://cdn.example.com/b/"', "post")) == [
        "https://cdn.example.com/b/post"
    ]


def test_a_link_that_is_not_http_is_dropped() -> None:
    assert _links(_rss("", "javascript:alert(1)", "data:text/html,x")) == ["", ""]
