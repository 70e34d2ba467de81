"""Feeds generated for the tests (and the benchmark): RSS 2.0 and Atom, escaped properly."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from xml.sax.saxutils import escape


@dataclass
class Item:
    guid: str | None
    title: str
    link: str | None = None
    summary: str = ""
    published: datetime | None = None
    tags: list[str] = field(default_factory=list)
    author: str = ""


def items(count: int, *, start: int = 0, base: str = "https://blog.example.org") -> list[Item]:
    """``count`` entries numbered from ``start``, one hour apart, the newest last in time."""
    origin = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=count + start + 1)
    return [
        Item(
            guid=f"{base}/posts/{n}",
            title=f"Post number {n}",
            link=f"{base}/posts/{n}",
            summary=f"<p>Summary of post {n} with <b>bold</b> text.</p>",
            published=origin + timedelta(hours=n),
            tags=["news"],
        )
        for n in range(start, start + count)
    ]


def rss(entries: list[Item], title: str = "Example blog", encoding: str = "utf-8") -> bytes:
    """An RSS 2.0 document, newest entry first (as blogs publish them)."""
    parts = [
        f'<?xml version="1.0" encoding="{encoding}"?>',
        '<rss version="2.0"><channel>',
        f"<title>{escape(title)}</title><link>https://blog.example.org/</link>",
        "<description>test feed</description>",
    ]
    for item in sorted(entries, key=_newest_first):
        parts.append("<item>")
        parts.append(f"<title>{escape(item.title)}</title>")
        if item.link:
            parts.append(f"<link>{escape(item.link)}</link>")
        if item.guid:
            parts.append(f'<guid isPermaLink="false">{escape(item.guid)}</guid>')
        if item.summary:
            parts.append(f"<description>{escape(item.summary)}</description>")
        if item.published:
            parts.append(f"<pubDate>{format_datetime(item.published, usegmt=True)}</pubDate>")
        if item.author:
            parts.append(f"<author>{escape(item.author)}</author>")
        parts.extend(f"<category>{escape(t)}</category>" for t in item.tags)
        parts.append("</item>")
    parts.append("</channel></rss>")
    return "\n".join(parts).encode(encoding)


def atom(entries: list[Item], title: str = "Example blog") -> bytes:
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom">',
        f"<title>{escape(title)}</title><id>urn:example:blog</id>",
        "<updated>2026-01-01T00:00:00Z</updated>",
    ]
    for item in sorted(entries, key=_newest_first):
        parts.append("<entry>")
        parts.append(f'<title type="html">{escape(item.title)}</title>')
        if item.guid:
            parts.append(f"<id>{escape(item.guid)}</id>")
        if item.link:
            parts.append(f'<link rel="alternate" href="{_attr(item.link)}"/>')
        if item.summary:
            parts.append(f'<summary type="html">{escape(item.summary)}</summary>')
        if item.published:
            parts.append(f"<published>{item.published.isoformat()}</published>")
            parts.append(f"<updated>{item.published.isoformat()}</updated>")
        parts.extend(f'<category term="{_attr(t)}"/>' for t in item.tags)
        parts.append("</entry>")
    parts.append("</feed>")
    return "\n".join(parts).encode("utf-8")


def _newest_first(item: Item) -> float:
    return -(item.published.timestamp() if item.published else 0.0)


def _attr(value: str) -> str:
    return escape(value, {'"': "&quot;"})
