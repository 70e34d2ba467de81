"""Parsing a fetched body with feedparser, strictly: a doubtful document is an error.

feedparser recovers what it can from a broken document. oyez does not post
from such a recovery: a truncated or malformed feed can carry half-read
GUIDs and links, and a wrong key in the ledger is a repost later. So a
document that is not well-formed XML, whose encoding is not what it says,
that declares XML entities, or that is not RSS or Atom at all, raises
:class:`ParseError` with one line, and the entries wait for the next good
poll. Text fields come back as plain text, sanitised (see :mod:`.text`).
"""

from __future__ import annotations

import calendar
import io
import re
import xml.sax
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

import feedparser

from publisher.sources.feeds.errors import ParseError
from publisher.sources.feeds.text import html_to_text, one_line, plain_text
from queue_db.errors import first_line

#: ``<!ENTITY`` in every encoding an XML document may use (UTF-16 and -32 interleave NULs).
_ENTITY_DECLARATION = re.compile(
    b"|".join(
        re.escape("<!ENTITY".encode(codec))
        for codec in ("utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")
    ),
    re.IGNORECASE,
)
_HTML_START = re.compile(
    rb"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html)\b", re.IGNORECASE | re.DOTALL
)
_HTML_TYPES = ("text/html", "application/xhtml+xml")
#: Characters never left raw in a link put into a post.
_LINK_SAFE = ":/?#[]@!$&'()*+,;=%~-._"
_NEEDS_QUOTING = re.compile(r"[^\x21-\x7e]|[\"<>\\^`{|}]")
_FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml")


@dataclass(frozen=True)
class ParsedEntry:
    """One entry, in document order. Text is plain; ``summary_html`` is sanitised lazily."""

    guid: str
    link: str
    title: str
    author: str
    tags: tuple[str, ...]
    published: datetime | None
    summary_raw: str
    summary_is_html: bool

    @cached_property
    def summary(self) -> str:
        if self.summary_is_html:
            return html_to_text(self.summary_raw)
        return plain_text(self.summary_raw)


@dataclass(frozen=True)
class ParsedFeed:
    title: str
    entries: list[ParsedEntry]


def parse(body: bytes, *, content_type: str | None = None, url: str = "") -> ParsedFeed:
    """Parse a feed document; raise :class:`ParseError` for anything doubtful."""
    if not body.strip():
        raise ParseError("the feed is empty (no content)")
    # The whole document: a DOCTYPE may sit after megabytes of comments or white space.
    if _ENTITY_DECLARATION.search(body):
        raise ParseError(
            "the feed declares XML entities (<!ENTITY>): refused, as in an entity-expansion attack"
        )
    # No content-location and no resolving inside HTML: feedparser would join every URL
    # of every entry against the feed's (a third of its time on a large feed), and only an
    # entry's link is kept, which _entry joins itself. xml:base still applies.
    headers = {"content-type": content_type or "application/xml"}
    try:
        # A stream, never bytes: feedparser tries to open() bytes as a file name first,
        # so a body of b"/etc/passwd" would be read from the local disk.
        result: Any = feedparser.parse(
            io.BytesIO(body),
            response_headers=headers,
            sanitize_html=False,
            resolve_relative_uris=False,
        )
    except Exception as exc:  # feedparser on hostile bytes: no exception may stop the poll
        raise ParseError(f"cannot parse the feed: {type(exc).__name__}: {exc}") from None
    looks_html = _HTML_START.match(body[:4096]) is not None or (
        (content_type or "").split(";")[0].strip().lower() in _HTML_TYPES
    )
    if looks_html and not result.get("version"):
        raise ParseError(_html_message(result.get("feed", {}), url))
    if result.get("bozo"):
        _check_bozo(result.get("bozo_exception"))
    if not result.get("version"):
        raise ParseError("not an RSS or Atom feed (no <rss>, <feed> or <rdf:RDF> element)")
    feed = result.get("feed", {})
    title = one_line(_text(feed.get("title_detail"), feed.get("title", "")))
    return ParsedFeed(title, [_entry(e, url) for e in result.get("entries", [])])


def _check_bozo(error: object) -> None:
    if isinstance(error, feedparser.NonXMLContentType | feedparser.UndeclaredNamespace):
        return  # served with a loose content type or a sloppy prefix: the XML itself is fine
    if isinstance(
        error, feedparser.CharacterEncodingOverride | feedparser.CharacterEncodingUnknown
    ):
        raise ParseError(f"wrong encoding: {first_line(error)}")
    if isinstance(error, xml.sax.SAXParseException):
        raise ParseError(
            f"not well-formed XML: {error.getMessage()} "
            f"(line {error.getLineNumber()}, column {error.getColumnNumber()})"
        )
    raise ParseError(f"not a valid feed: {first_line(error)}")


def _html_message(feed: Mapping[str, Any], url: str) -> str:
    for link in feed.get("links", []):
        if link.get("rel") == "alternate" and link.get("type") in _FEED_TYPES and link.get("href"):
            found = safe_link(urljoin(url, link["href"])) if url else link["href"]
            return f"got an HTML page, not a feed; the page names its feed: {found}"
    return "got an HTML page, not a feed (check the URL)"


def _text(detail: Mapping[str, Any] | None, value: str) -> str:
    if detail and detail.get("type") in _HTML_TYPES:
        return html_to_text(value)
    return plain_text(value)


def _entry(entry: Mapping[str, Any], base: str) -> ParsedEntry:
    # The plain dict underneath: FeedParserDict's own lookup (aliases such as
    # "guid" for "id") was a sixth of this function's time, and only canonical
    # keys are read here.
    raw = dict(entry)
    summary, summary_type = raw.get("summary", ""), (raw.get("summary_detail") or {}).get("type")
    if not summary and raw.get("content"):
        first = raw["content"][0]
        summary, summary_type = first.get("value", ""), first.get("type")
    terms = tuple(str(t.get("term") or t.get("label") or "") for t in raw.get("tags", []) or [])
    link = str(raw.get("link", "") or "")
    return ParsedEntry(
        guid=str(raw.get("id", "") or "")[:2048],
        # urljoin(base, "") is the feed's own URL: an entry without a link has none.
        link=safe_link(urljoin(base, link) if base and link else link),
        title=one_line(_text(raw.get("title_detail"), str(raw.get("title", "") or ""))),
        author=one_line(plain_text(str(raw.get("author", "") or ""))),
        tags=tuple(t for t in terms if t),
        published=_when(raw.get("published_parsed") or raw.get("updated_parsed")),
        summary_raw=str(summary or ""),
        summary_is_html=summary_type in _HTML_TYPES,
    )


def safe_link(link: object) -> str:
    """An http(s) link with no raw spaces, quotes or angle brackets; else empty."""
    text = str(link or "").strip()
    try:
        scheme = urlsplit(text).scheme.lower()
    except ValueError:
        return ""
    if scheme not in ("http", "https") or len(text) > 2048:
        return ""
    return quote(text, safe=_LINK_SAFE) if _NEEDS_QUOTING.search(text) else text


def _when(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None
