"""One poll of one feed: fetch, parse, record in the ledger, make the posts.

A poll never raises for the feed's own trouble. A fetch or parse failure is
recorded on the feed (status ``error``, one line in ``last_error``) with a
backoff that doubles per consecutive failure, up to a day, and longer when
the server sent Retry-After. The entries are not lost: nothing was recorded,
so the next good poll sees them as new. Entries already queued are posted
whatever the fetch did, since they no longer depend on it.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx

from publisher.context import Context
from publisher.errors import OyezError
from publisher.sources.feeds import ledger, posting
from publisher.sources.feeds.addresses import Access
from publisher.sources.feeds.errors import FeedProblem
from publisher.sources.feeds.fetch import Fetched, FetchLimits, fetch
from publisher.sources.feeds.parse import ParsedFeed, parse
from queue_db import feeds as feed_db
from queue_db.feeds import FeedRecord

log = logging.getLogger("oyez.feeds")

#: Longest wait between polls of a failing feed.
MAX_BACKOFF = timedelta(days=1)
#: A claimed poll that never reported (its worker died) is retried after this.
CLAIM_HOLD = timedelta(minutes=10)
MAX_VALIDATOR = 1024
#: How early a scheduled fire may take a feed's poll.
DUE_SLACK = timedelta(seconds=60)


@dataclass
class PollResult:
    """What a poll did, for ``feeds poll`` and the daemon's log."""

    feed: str
    #: ok (new document read) | unchanged (304 or same bytes) | error | skipped (not due)
    status: str
    error: str | None = None
    new: int = 0
    recognised: int = 0
    queued: int = 0
    posts: int = 0
    held: int = 0
    dropped: int = 0
    #: Entries with nothing to post (no title, link or summary).
    failed: int = 0
    waiting: int = 0
    skipped: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def poll_feed(
    ctx: Context,
    feed_id: int,
    *,
    force: bool = True,
    limits: FetchLimits | None = None,
    client: httpx.Client | None = None,
) -> PollResult:
    """Poll one feed now (``force``) or only if it is due and no other worker took it."""
    now = ctx.clock()
    with ctx.tx() as tx:
        feed = feed_db.feed_by_id(tx, feed_id)
        # A fire a little before the due time still counts: the due time was set
        # from when the last poll started, a few milliseconds after its fire.
        due_by = now + min(DUE_SLACK, timedelta(minutes=feed.every_minutes) / 4)
        if not force and not feed_db.claim_poll(tx, feed_id, due_by, now + CLAIM_HOLD):
            return PollResult(feed.name, "skipped")
    try:
        fetched = fetch(
            feed.url,
            etag=feed.etag,
            last_modified=feed.last_modified,
            limits=limits,
            client=client,
            access=Access.of(ctx.settings),
        )
        parsed = _parse_if_changed(feed, fetched)
        result = record_success(ctx, feed, fetched, parsed, now)
    except FeedProblem as exc:
        result = record_failure(ctx, feed, exc, now)
    except OyezError:
        raise  # the database itself failed: nothing can be recorded on the feed either
    except Exception as exc:  # hostile input must never stop the daemon or other feeds
        log.exception("feed %s: unexpected failure", feed.name)
        problem = FeedProblem(f"internal error while reading the feed: {exc!r}"[:300])
        result = record_failure(ctx, feed, problem, now)
    return finish(ctx, feed, result)


def _parse_if_changed(feed: FeedRecord, fetched: Fetched) -> ParsedFeed | None:
    if fetched.not_modified:
        return None
    if feed.baselined and feed.body_hash == _hash(fetched.body):
        return None  # the server ignored our validators but sent the same bytes
    return parse(fetched.body, content_type=fetched.content_type, url=fetched.url)


def _bounded(validator: str | None) -> str | None:
    return validator if validator and len(validator) <= MAX_VALIDATOR else None


def _hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def record_success(
    ctx: Context, feed: FeedRecord, fetched: Fetched, parsed: ParsedFeed | None, now: datetime
) -> PollResult:
    """Write a good poll: the new entries into the ledger, validators and status on the feed."""
    assert feed.id is not None
    values: dict[str, Any] = {
        # A validator longer than any real one is not worth storing (nor sending back).
        "etag": _bounded(fetched.etag),
        "last_modified": _bounded(fetched.last_modified),
        "status": "unchanged" if parsed is None else "ok",
        "last_error": None,
        "error_count": 0,
        "last_polled_at": now,
        "last_ok_at": now,
        "next_poll_at": now + timedelta(minutes=feed.every_minutes),
    }
    if parsed is None:
        with ctx.tx() as tx:
            feed_db.update_feed(tx, feed.id, **values)
        return PollResult(feed.name, "unchanged")
    values.update(body_hash=_hash(fetched.body), baselined=True, title=parsed.title[:300] or None)
    for attempt in (1, 2):
        try:
            with ctx.tx() as tx:
                current = feed_db.feed_by_id(tx, feed.id)
                done = ledger.record(tx, current, parsed.entries, now)
                feed_db.update_feed(tx, feed.id, **values)
                feed_db.prune(tx, feed.id, now - ledger.RETENTION)
            break
        except OyezError:
            # Another worker recorded the same entries first; the second pass matches them.
            if attempt == 2:
                raise
    return PollResult(
        feed.name,
        "ok",
        new=done.new,
        recognised=done.recognised,
        queued=done.queued,
        skipped={
            k: v
            for k, v in (
                ("present when subscribed", done.seen),
                ("too old", done.too_old),
                ("filtered", done.filtered),
                ("dated in the future", done.future),
            )
            if v
        },
    )


def backoff(feed: FeedRecord, failures: int, retry_after: float | None) -> timedelta:
    """Wait before the next poll of a failing feed: doubling per failure, at most a day."""
    base = timedelta(minutes=feed.every_minutes)
    wait = min(base * (1 << min(failures - 1, 16)), MAX_BACKOFF)
    if retry_after is not None:
        wait = max(wait, min(timedelta(seconds=retry_after), MAX_BACKOFF))
    return wait


def record_failure(
    ctx: Context, feed: FeedRecord, problem: FeedProblem, now: datetime
) -> PollResult:
    assert feed.id is not None
    message = " ".join(str(problem).split())[:500]
    with ctx.tx() as tx:
        failures = feed_db.feed_by_id(tx, feed.id).error_count + 1
        feed_db.update_feed(
            tx,
            feed.id,
            status="error",
            last_error=message,
            error_count=failures,
            last_polled_at=now,
            next_poll_at=now + backoff(feed, failures, problem.retry_after),
        )
    log.warning("feed %s: %s", feed.name, message)
    return PollResult(feed.name, "error", error=message)


def finish(ctx: Context, feed: FeedRecord, result: PollResult) -> PollResult:
    """Post what is queued; a posting problem shows on the feed without undoing the poll.

    ``feed`` may be the row as read before the poll: posting reads only its
    settings, which a poll does not change.
    """
    assert feed.id is not None
    drained = posting.drain(ctx, feed)
    result.posts, result.held, result.dropped = drained.posts, drained.held, drained.dropped
    result.failed, result.waiting = drained.failed, drained.waiting
    if drained.error:
        with ctx.tx() as tx:
            feed_db.update_feed(tx, feed.id, status="error", last_error=drained.error)
        if result.error is None:
            result.status, result.error = "error", drained.error
    return result
