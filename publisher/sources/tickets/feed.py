"""Ticket feeds: the RSS/Atom feed a ticket system publishes, read as ticket events.

Fetching and parsing are the feed machinery's (:mod:`publisher.sources.feeds`):
size and time limits, conditional GET, hostile HTML turned into plain text.
The ticket mapping turns each entry into an event:

- the ticket id is found in the entry's title by ``id_pattern`` (a regular
  expression with a group named ``id``); the rest of the title is the ticket's;
- the status is the first of the entry's categories that names a status, else
  ``Status: WORD`` in the title or summary, else a summary that starts with a
  status word (``Resolved - …``, as status pages write);
- the summary is the text, the link the URL.

An entry is an event once: its key is a digest of (guid, status, text), so an
entry edited in place with a new status is a new event. The entries present
when the feed is added are its backlog and are never posted.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from publisher.context import Context
from publisher.context.times import iso
from publisher.errors import InvalidInput, NotFoundError, OyezError
from publisher.sources.feeds.addresses import Access
from publisher.sources.feeds.errors import FeedProblem
from publisher.sources.feeds.fetch import check_url, fetch
from publisher.sources.feeds.parse import ParsedEntry, parse
from publisher.sources.tickets.events import EventIn, map_status, parse_event
from publisher.sources.tickets.ingest import record_event, require_config
from queue_db import tickets as ticket_db
from queue_db.store import Tx
from queue_db.tickets import TicketConfigRecord, TicketFeedRecord

log = logging.getLogger("oyez.tickets")
DEFAULT_ID_PATTERN = r"(?P<id>\b[A-Z][A-Z0-9]*-\d+\b)"
_STATUS_LABEL = re.compile(r"\bstatus\s*[:=]\s*([A-Za-z][A-Za-z _-]{0,40})", re.IGNORECASE)
_LEADING_WORD = re.compile(r"^\s*([A-Za-z][A-Za-z _]{0,30}?)\s*(?:-|–|—|:)\s")


@dataclass(frozen=True)
class TicketFeedView:
    id: int
    url: str
    id_pattern: str
    every_minutes: int
    polled_at: datetime | None
    last_error: str | None

    @classmethod
    def of(cls, row: TicketFeedRecord) -> TicketFeedView:
        assert row.id is not None
        return cls(
            row.id, row.url, row.id_pattern, row.every_minutes, row.polled_at, row.last_error
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "url": self.url,
            "id_pattern": self.id_pattern,
            "every_minutes": self.every_minutes,
            "polled_at": iso(self.polled_at),
            "last_error": self.last_error,
        }


@dataclass(frozen=True)
class FeedPoll:
    feed: str
    events: int
    posts_made: int
    skipped: int
    error: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "feed": self.feed,
            "events": self.events,
            "posts_made": self.posts_made,
            "skipped": self.skipped,
            "error": self.error,
        }


def _pattern(text: str) -> re.Pattern[str]:
    try:
        pattern = re.compile(text)
    except re.error as exc:
        raise InvalidInput(f"--id-pattern is not a regular expression: {exc}") from None
    if "id" not in pattern.groupindex:
        raise InvalidInput("--id-pattern needs a group named id, e.g. (?P<id>TT-\\d+)")
    return pattern


def _status(entry: ParsedEntry, cfg: TicketConfigRecord) -> str | None:
    candidates = list(entry.tags)
    for source in (entry.title, entry.summary):
        candidates += [m.group(1) for m in _STATUS_LABEL.finditer(source)]
    if match := _LEADING_WORD.match(entry.summary):
        candidates.append(match.group(1))
    for word in candidates:
        for end in range(len(word.split()), 0, -1):  # "Investigating now" → "Investigating"
            try:
                return map_status(" ".join(word.split()[:end]), cfg.status_map)
            except InvalidInput:
                continue
    return None


def entry_event(
    entry: ParsedEntry, pattern: re.Pattern[str], cfg: TicketConfigRecord
) -> EventIn | None:
    """The ticket event an entry stands for, or None if it names no ticket or no status."""
    match = pattern.search(entry.title)
    status = _status(entry, cfg)
    if match is None or status is None:
        return None
    title = (entry.title[: match.start()] + entry.title[match.end() :]).strip(" []():-–—#")
    try:
        return parse_event(
            {
                "id": match.group("id"),
                "status": status,
                "title": title or entry.title,
                "text": entry.summary[:2000] or None,
                "url": entry.link or None,
            }
        )
    except InvalidInput:
        return None


def _key_prefix(feed_id: int) -> str:
    return f"feed:{feed_id}:"


def entry_key(feed_id: int, entry: ParsedEntry, event: EventIn) -> str:
    ident = entry.guid or entry.link or entry.title
    digest = hashlib.sha256(f"{ident}\n{event.status}\n{event.text or ''}".encode()).hexdigest()
    return f"{_key_prefix(feed_id)}{digest[:40]}"


def _entries(
    ctx: Context, url: str, etag: str | None = None, modified: str | None = None
) -> tuple[list[ParsedEntry], str | None, str | None] | None:
    """The feed's entries oldest first (None when unchanged: a 304), with its new validators."""
    fetched = fetch(url, etag=etag, last_modified=modified, access=Access.of(ctx.settings))
    if fetched.not_modified:
        return None
    parsed = parse(fetched.body, content_type=fetched.content_type, url=fetched.url or url)
    # Feeds list the newest first, and a ticket's events must keep their order.
    entries = list(reversed(parsed.entries))
    if all(e.published is not None for e in entries):
        entries.sort(key=lambda e: e.published or datetime.now(UTC))
    return entries, fetched.etag, fetched.last_modified


def add_feed(
    ctx: Context, url: str, *, id_pattern: str = DEFAULT_ID_PATTERN, every_minutes: int = 5
) -> TicketFeedView:
    """Subscribe to a ticket feed; the entries it holds now are its backlog, never posted."""
    cfg = require_config(ctx)
    pattern = _pattern(id_pattern)
    if not 1 <= every_minutes <= 24 * 60:
        raise InvalidInput("--every must be between 1 and 1440 minutes")
    try:
        url = check_url(url, Access.of(ctx.settings))
        got = _entries(ctx, url)
    except FeedProblem as exc:
        raise InvalidInput(f"cannot read the ticket feed: {exc}") from None
    entries, etag, modified = got or ([], None, None)
    baseline = []
    with ctx.tx() as tx:
        if ticket_db.feed_by_url(tx, url) is not None:
            raise InvalidInput(f"already subscribed to {url}")
        row = ticket_db.add_feed(
            tx,
            url=url,
            id_pattern=id_pattern,
            every_minutes=every_minutes,
            etag=etag,
            last_modified=modified,
            polled_at=ctx.clock(),
            created_by=ctx.actor,
        )
        assert row.id is not None
        for entry in entries:
            event = entry_event(entry, pattern, cfg)
            if event is not None:
                baseline.append(entry_key(row.id, entry, event))
        ticket_db.update_feed(tx, row.id, baseline=baseline)
        row = replace(row, baseline=baseline)
        tx.log(ctx.actor, "ticket_feed_added", url=url, backlog=len(baseline))
        return TicketFeedView.of(row)


def list_feeds(ctx: Context) -> list[TicketFeedView]:
    with ctx.tx() as tx:
        return [TicketFeedView.of(f) for f in ticket_db.feeds(tx)]


def _find(tx: Tx, url_or_id: str) -> TicketFeedRecord:
    text = url_or_id.strip()
    if text.isascii() and text.isdigit():
        return ticket_db.feed(tx, int(text))
    row = ticket_db.feed_by_url(tx, text)
    if row is None:
        raise NotFoundError(f"no ticket feed with URL {text!r} (see oyez tickets feed list)")
    return row


def remove_feed(ctx: Context, url_or_id: str) -> tuple[TicketFeedView, int]:
    """Unsubscribe from a ticket feed, by id or URL; its backlog goes with it.

    The events it brought, their tickets and posts stay. Returns the feed as it
    was and how many events it brought.
    """
    with ctx.tx() as tx:
        row = _find(tx, url_or_id)
        view = TicketFeedView.of(row)
        events = ticket_db.count_events_keyed(tx, _key_prefix(view.id))
        ticket_db.delete_feed(tx, view.id)
        tx.log(ctx.actor, "ticket_feed_removed", url=view.url, feed_id=view.id, events=events)
        return view, events


def poll_feed(ctx: Context, feed_id: int) -> FeedPoll:
    """Poll one ticket feed: each new entry is recorded as an event (and may post).

    A feed removed since the daemon read the feeds polls nothing.
    """
    cfg = require_config(ctx)
    try:
        with ctx.tx() as tx:
            row = ticket_db.feed(tx, feed_id)
    except NotFoundError:
        log.info("ticket feed %d was removed: nothing to poll", feed_id)
        return FeedPoll(f"ticket feed {feed_id}", 0, 0, 0, None)
    events = made = skipped = 0
    error: str | None = None
    try:
        got = _entries(ctx, row.url, row.etag, row.last_modified)
    except FeedProblem as exc:
        got, error = None, str(exc)
    if got is not None:
        entries, etag, modified = got
        pattern = _pattern(row.id_pattern)
        baseline = set(row.baseline)
        for entry in entries:
            event = entry_event(entry, pattern, cfg)
            if event is None:
                skipped += 1
                continue
            key = entry_key(feed_id, entry, event)
            if key in baseline:
                continue
            try:
                recorded = record_event(ctx, event, source="feed", key=key)
            except OyezError as exc:  # e.g. the first entry seen of a ticket has no title
                skipped += 1
                log.warning("ticket feed %s: entry %s: %s", row.url, entry.guid, exc)
                continue
            events += 0 if recorded.duplicate else 1
            made += recorded.posts_made
        with ctx.tx() as tx:
            ticket_db.update_feed(tx, feed_id, etag=etag, last_modified=modified)
    with ctx.tx() as tx:
        ticket_db.update_feed(tx, feed_id, polled_at=ctx.clock(), last_error=error)
    return FeedPoll(row.url, events, made, skipped, error)
