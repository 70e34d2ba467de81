"""Feed subscriptions: add, list, poll and remove (what ``oyez feeds`` calls).

Adding a feed fetches it first: a URL that does not give a readable feed is
refused with one line and nothing is stored. The entries it has are recorded
and not posted, except the newest ``backfill``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from publisher.context import Context
from publisher.context.times import iso
from publisher.errors import InvalidInput
from publisher.sources.feeds import poll as polling
from publisher.sources.feeds.addresses import Access
from publisher.sources.feeds.errors import FeedProblem, FeedUnavailable
from publisher.sources.feeds.fetch import FetchLimits, check_url, fetch, new_client
from publisher.sources.feeds.parse import parse
from publisher.sources.feeds.template import DEFAULT, Template
from queue_db import channels as channel_db
from queue_db import feeds as feed_db
from queue_db.feeds import FeedCounts, FeedRecord

NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
MODES = ("auto", "review")
MAX_EVERY = 7 * 24 * 60
MAX_PATTERN = 500


@dataclass(frozen=True)
class FeedView:
    name: str
    url: str
    title: str | None
    channels: tuple[str, ...]
    template: str
    mode: str
    every_minutes: int
    max_per_day: int | None
    max_age_days: int | None
    include: str | None
    exclude: str | None
    status: str
    last_error: str | None
    error_count: int
    last_polled_at: datetime | None
    last_ok_at: datetime | None
    next_poll_at: datetime | None
    entries_seen: int
    posts_made: int
    waiting: int

    @classmethod
    def of(cls, row: FeedRecord, counts: FeedCounts) -> FeedView:
        return cls(
            name=row.name,
            url=row.url,
            title=row.title,
            channels=tuple(row.channels),
            template=row.template,
            mode=row.mode,
            every_minutes=row.every_minutes,
            max_per_day=row.max_per_day,
            max_age_days=row.max_age_days,
            include=row.include,
            exclude=row.exclude,
            status=row.status,
            last_error=row.last_error,
            error_count=row.error_count,
            last_polled_at=row.last_polled_at,
            last_ok_at=row.last_ok_at,
            next_poll_at=row.next_poll_at,
            entries_seen=counts.seen,
            posts_made=counts.posted,
            waiting=counts.waiting,
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            k: v for k, v in self.__dict__.items() if not isinstance(v, datetime | tuple)
        }
        out["channels"] = list(self.channels)
        for key in ("last_polled_at", "last_ok_at", "next_poll_at"):
            out[key] = iso(getattr(self, key))
        return out


@dataclass(frozen=True)
class FeedOptions:
    """What ``feeds add`` accepts beyond the URL and channels."""

    name: str | None = None
    template: str = DEFAULT
    mode: str = "review"
    every_minutes: int = 30
    max_per_day: int | None = None
    backfill: int = 0
    max_age_days: int | None = None
    include: str | None = None
    exclude: str | None = None


def _pattern(option: str, value: str | None) -> str | None:
    if value is None or value == "":
        return None
    if len(value) > MAX_PATTERN:
        raise InvalidInput(f"{option} is longer than {MAX_PATTERN} characters")
    try:
        re.compile(value)
    except re.error as exc:
        raise InvalidInput(f"{option} {value!r} is not a valid regular expression: {exc}") from None
    return value


def _validate(options: FeedOptions) -> None:
    if options.mode not in MODES:
        raise InvalidInput(f"--mode must be auto or review, not {options.mode!r}")
    if not 1 <= options.every_minutes <= MAX_EVERY:
        raise InvalidInput(f"--every must be between 1 and {MAX_EVERY} minutes")
    if options.max_per_day is not None and options.max_per_day < 1:
        raise InvalidInput("--max-per-day must be at least 1")
    if options.backfill < 0:
        raise InvalidInput("--backfill cannot be negative")
    if options.max_age_days is not None and options.max_age_days < 1:
        raise InvalidInput("--max-age must be at least 1 day")
    if options.name is not None and not NAME.match(options.name):
        raise InvalidInput(
            f"feed name {options.name!r} must be lower-case letters, digits, '-' or '_' (max 64)"
        )
    Template.parse(options.template)
    _pattern("--include", options.include)
    _pattern("--exclude", options.exclude)


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:48].strip("-")
    return slug or "feed"


def _free_name(taken: set[str], title: str, url: str) -> str:
    host = httpx.URL(url).host if url.startswith("http") else ""
    base = _slug(title or host or "feed")
    name, n = base, 2
    while name in taken:
        name, n = f"{base}-{n}", n + 1
    return name


def add_feed(
    ctx: Context,
    url: str,
    channels: Sequence[str],
    options: FeedOptions | None = None,
    *,
    limits: FetchLimits | None = None,
) -> tuple[FeedView, polling.PollResult]:
    """Subscribe to ``url``: fetch it, record what it has, post the newest ``backfill``."""
    options = options or FeedOptions()
    _validate(options)
    access = Access.of(ctx.settings)
    try:
        url = check_url(url, access)
    except FeedProblem as exc:
        raise InvalidInput(str(exc)) from None
    names = [c.strip() for c in channels if c.strip()]
    if not names:
        raise InvalidInput("--to needs at least one channel name")
    now = ctx.clock()
    with ctx.tx() as tx:
        for name in names:
            channel_db.by_name(tx, name)  # NotFoundError names the missing channel
        taken = feed_db.feed_names(tx)
        if options.name in taken:
            raise InvalidInput(f"a feed named {options.name!r} exists already")
        if url in {f.url for f in feed_db.feeds(tx)}:
            raise InvalidInput(f"{url} is subscribed already")
    try:
        fetched = fetch(url, limits=limits, access=access)
        parsed = parse(fetched.body, content_type=fetched.content_type, url=fetched.url)
    except FeedProblem as exc:
        raise FeedUnavailable(f"cannot subscribe to {url}: {exc}") from None
    with ctx.tx() as tx:
        row = feed_db.add_feed(
            tx,
            name=options.name or _free_name(feed_db.feed_names(tx), parsed.title, url),
            url=url,
            channels=list(dict.fromkeys(names)),
            template=options.template,
            mode=options.mode,
            every_minutes=options.every_minutes,
            max_per_day=options.max_per_day,
            max_age_days=options.max_age_days,
            include=options.include or None,
            exclude=options.exclude or None,
            backfill=options.backfill,
            created_by=ctx.actor,
        )
        tx.log(ctx.actor, "feed_added", name=row.name, url=url, channels=names, mode=options.mode)
    assert row.id is not None
    result = polling.record_success(ctx, row, fetched, parsed, now)
    result = polling.finish(ctx, row, result)
    return get_feed(ctx, row.name), result


def get_feed(ctx: Context, name: str) -> FeedView:
    with ctx.tx() as tx:
        row = feed_db.feed(tx, name)
        assert row.id is not None
        return FeedView.of(row, feed_db.counts(tx).get(row.id, FeedCounts()))


def list_feeds(ctx: Context) -> list[FeedView]:
    with ctx.tx() as tx:
        counts = feed_db.counts(tx)
        return [
            FeedView.of(row, counts.get(row.id or 0, FeedCounts())) for row in feed_db.feeds(tx)
        ]


def poll_feeds(
    ctx: Context, name: str | None = None, *, limits: FetchLimits | None = None
) -> list[polling.PollResult]:
    """Poll one feed, or every feed, now (whether due or not)."""
    with ctx.tx() as tx:
        rows = [feed_db.feed(tx, name)] if name else feed_db.feeds(tx)
    limits = limits or FetchLimits()
    with new_client(limits, Access.of(ctx.settings)) as client:
        return [
            polling.poll_feed(ctx, row.id, limits=limits, client=client)
            for row in rows
            if row.id is not None
        ]


def remove_feed(ctx: Context, name: str) -> int:
    """Unsubscribe and forget the ledger; posts already made stay. Returns ledger rows dropped."""
    with ctx.tx() as tx:
        row = feed_db.feed(tx, name)
        assert row.id is not None
        dropped = feed_db.delete_feed(tx, row.id)
        tx.log(ctx.actor, "feed_removed", name=name, url=row.url, entries=dropped)
        return dropped
