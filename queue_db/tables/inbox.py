"""The tables of listening: Stream (a subscription), InboxItem and their links.

No ``from __future__ import annotations`` here: SQLModel reads the annotations
at class creation.

An item is stored once per channel (unique on channel + remote id), whichever
streams saw it; :class:`InboxLink` records every stream that did.
"""

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from queue_db.fields import json_field, now_field, time_field


class Stream(SQLModel, table=True):
    """A listening stream: the mentions of a channel's account, or a saved search on it."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=64)
    channel_id: int = Field(foreign_key="channel.id", index=True)
    #: ``mentions`` or ``query`` (:class:`~queue_db.states.StreamKind`).
    kind: str = Field(max_length=16)
    query: str | None = None
    every_minutes: int = 5
    #: The first round takes items created at or after this time.
    since: datetime = now_field()
    #: The channel's opaque cursor, advanced with the items it stored.
    cursor: str | None = None
    #: False when the last round stopped early: the next one continues from ``cursor``.
    complete: bool = True
    paused: bool = False
    last_error: str | None = None
    last_polled_at: datetime | None = time_field()
    #: The daemon polls when this has passed (later while rate limited).
    next_poll_at: datetime | None = time_field(index=True)
    rate_limited_until: datetime | None = time_field()
    #: When the last spike alert was raised (one an hour at most).
    spike_at: datetime | None = time_field()
    created_by: str = Field(default="", max_length=128)
    created_at: datetime = now_field()


class InboxItem(SQLModel, table=True):
    """A post by someone else that a stream collected, and what we did about it."""

    __tablename__ = "inbox_item"
    __table_args__ = (
        UniqueConstraint("channel_id", "remote_id", name="uq_inbox_item_channel_remote"),
        Index("ix_inbox_item_state_created", "state", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    channel_id: int = Field(foreign_key="channel.id")
    remote_id: str = Field(max_length=255)
    #: ``mention``, ``reply``, ``quote``, ``search`` or ``comment``.
    kind: str = Field(max_length=16)
    author_handle: str = ""
    author_name: str = ""
    text: str = ""
    url: str | None = None
    created_at: datetime = now_field(index=True)
    collected_at: datetime = now_field(index=True)
    #: The remote id of the post it answers, and our post of that id, if it is ours.
    in_reply_to: str | None = Field(default=None, max_length=255)
    answers_post_id: int | None = None
    state: str = Field(default="new", max_length=16)
    assignee: str | None = Field(default=None, max_length=128)
    tags: list[str] = json_field(list)
    urgent: bool = False
    #: Our reply to it, once made.
    reply_post_id: int | None = Field(default=None, foreign_key="post.id", unique=True)


class InboxLink(SQLModel, table=True):
    """One stream that saw one item."""

    __tablename__ = "inbox_link"

    item_id: int = Field(foreign_key="inbox_item.id", primary_key=True)
    stream_id: int = Field(foreign_key="stream.id", primary_key=True, index=True)
    linked_at: datetime = now_field()
