"""The tables of the feed source: Feed (a subscription) and FeedEntry (its ledger).

No ``from __future__ import annotations`` here: SQLModel reads the annotations
at class creation.

The ledger keeps one row for every entry a feed has ever shown, with no size
limit (rows are pruned by age only, and only once the entry has left the
feed), so an entry is posted at most once for the life of the subscription.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from queue_db.fields import json_field, now_field, time_field


class Feed(SQLModel, table=True):
    """A subscription: where to fetch, where to post, and how the last poll went."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=64)
    url: str
    #: The feed's own title, as last read.
    title: str | None = None
    #: Channel names the posts go to.
    channels: list[str] = json_field(list)
    template: str
    #: ``auto`` (scheduled without sign-off) or ``review`` (waits for an approver).
    mode: str = Field(default="review", max_length=8)
    every_minutes: int = 30
    max_per_day: int | None = None
    max_age_days: int | None = None
    include: str | None = None
    exclude: str | None = None
    #: How many of the newest entries the first successful poll posts.
    backfill: int = 0
    #: False until the first successful poll has recorded the existing entries.
    baselined: bool = False
    etag: str | None = None
    last_modified: str | None = None
    #: SHA-256 of the last body parsed, to skip re-parsing an unchanged feed.
    body_hash: str | None = Field(default=None, max_length=64)
    #: new | ok | unchanged | error
    status: str = Field(default="new", max_length=16)
    last_error: str | None = None
    #: Consecutive failed polls; drives the backoff.
    error_count: int = 0
    last_polled_at: datetime | None = time_field()
    last_ok_at: datetime | None = time_field()
    #: The daemon polls when this has passed (later than usual while backing off).
    next_poll_at: datetime | None = time_field(index=True)
    created_by: str = Field(default="", max_length=128)
    created_at: datetime = now_field()


class FeedEntry(SQLModel, table=True):
    """One entry a feed has shown, and what oyez did about it."""

    __tablename__ = "feed_entry"
    __table_args__ = (
        UniqueConstraint("feed_id", "key", name="uq_feed_entry_feed_key"),
        Index("ix_feed_entry_feed_link", "feed_id", "link_key"),
        Index("ix_feed_entry_feed_title", "feed_id", "title_key"),
        Index("ix_feed_entry_feed_published", "feed_id", "published_at"),
        Index("ix_feed_entry_feed_status", "feed_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    feed_id: int = Field(foreign_key="feed.id")
    #: Hash of the entry's identity: guid, else link, else title and date.
    key: str = Field(max_length=64)
    #: Hash of the normalised link (scheme, ``www.``, tracking parameters ignored).
    link_key: str | None = Field(default=None, max_length=64)
    #: Hash of the normalised title.
    title_key: str | None = Field(default=None, max_length=64)
    title: str = ""
    link: str | None = None
    published_at: datetime | None = time_field()
    #: queued | posted | seen | too_old | filtered | duplicate | dropped | failed
    status: str = Field(default="seen", max_length=16)
    #: What a post needs and the ledger does not otherwise keep (summary, author,
    #: tags), held only while the entry waits; emptied once it is settled.
    payload: dict[str, Any] = json_field(dict)
    reason: str | None = None
    post_id: int | None = None
    #: The ledger row this one is the same entry as (its GUID changed).
    alias_of: int | None = None
    first_seen_at: datetime = now_field()
    #: Refreshed at most daily while the entry is still in the feed; pruning reads it.
    last_seen_at: datetime = now_field()
    posted_at: datetime | None = time_field()
