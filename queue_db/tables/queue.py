"""The tables of the queue: Post, Delivery, Channel, Event, Worker and Setting.

No ``from __future__ import annotations`` here: SQLModel reads the annotations
at class creation.

The database is the only shared state. Every process may die at any instant
and the next one carries on from these rows.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from queue_db.fields import json_field, now_field, time_field

# Named constraints, so migrations can alter them on every database.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


#: Ids that are never handed out twice, on SQLite too (PostgreSQL's sequences never do):
#: a post's and a channel's id are in every delivery key, the audit log names them.
NEVER_REUSED: dict[str, Any] = {"sqlite_autoincrement": True}


class Channel(SQLModel, table=True):
    """A configured destination. Credentials are never stored: settings name where they live."""

    __table_args__ = NEVER_REUSED

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=64)
    kind: str = Field(max_length=32)
    settings: dict[str, Any] = json_field(dict)
    timezone: str = Field(default="UTC", max_length=64)
    #: ``{"mon": ["09:00", "12:30"], ...}`` in the channel's time zone.
    slots: dict[str, Any] = json_field(dict)
    #: ``{"start": "22:00", "end": "07:00"}`` or empty.
    quiet_hours: dict[str, Any] = json_field(dict)
    #: ISO dates (YYYY-MM-DD) on which nothing goes out.
    blackout_dates: list[str] = json_field(list)
    paused: bool = False
    paused_reason: str | None = None
    rate_limited_until: datetime | None = time_field()
    created_at: datetime = now_field()


class Post(SQLModel, table=True):
    #: Scheduled time then id: the queue's order, read along the index (no sort).
    __table_args__ = (Index("ix_post_scheduled_id", "scheduled_at", "id"), NEVER_REUSED)

    id: int | None = Field(default=None, primary_key=True)
    text: str
    #: Per-channel text that replaces ``text`` on that channel: ``{"x": "..."}``.
    variants: dict[str, str] = json_field(dict)
    #: ``[{"path": "...", "alt": "..."}]``
    media: list[dict[str, str]] = json_field(list)
    author: str = Field(max_length=128)
    source: str = Field(default="manual", max_length=16)
    #: Unique per source, so producers that fire twice create one post.
    source_key: str | None = Field(default=None, unique=True, max_length=255)
    state: str = Field(default="draft", max_length=16, index=True)
    scheduled_at: datetime | None = time_field()
    #: After this a post that has not gone out expires instead of going out late.
    expires_at: datetime | None = time_field()
    priority: int = 0
    urgent: bool = False
    #: Guideline findings stored at submission (list of Finding dicts).
    findings: list[dict[str, Any]] = json_field(list)
    override_reason: str | None = None
    approved_by: str | None = Field(default=None, max_length=128)
    review_comment: str | None = None
    #: The post this one threads under (ticket updates).
    thread_parent_id: int | None = Field(default=None, foreign_key="post.id")
    created_at: datetime = now_field()
    updated_at: datetime = now_field()


class Delivery(SQLModel, table=True):
    """One (post, channel): the unit of exactly-once publishing."""

    __table_args__ = (
        UniqueConstraint("post_id", "channel_id", name="uq_delivery_post_channel"),
        Index("ix_delivery_state_due", "state", "next_attempt_at"),
        NEVER_REUSED,
    )

    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="post.id", index=True)
    channel_id: int = Field(foreign_key="channel.id", index=True)
    #: pending -> sending -> sent | failed | needs_attention | expired | cancelled | retracted
    state: str = Field(default="pending", max_length=16)
    due_at: datetime | None = time_field()
    next_attempt_at: datetime | None = time_field()
    #: Publish requests started (see queue_db.deliveries.lease.start).
    attempts: int = 0
    #: Failed looks for an unknown outcome since it was last sent to the queue.
    checks: int = Field(default=0, sa_column_kwargs={"server_default": text("0")})
    last_error: str | None = None
    error_kind: str | None = Field(default=None, max_length=32)
    #: The text as published (the archive keeps it even if the post changes).
    final_text: str | None = None
    remote_id: str | None = Field(default=None, max_length=255)
    remote_url: str | None = None
    sent_at: datetime | None = time_field()
    lease_owner: str | None = Field(default=None, max_length=128)
    lease_expires_at: datetime | None = time_field()
    #: When the last publish request started; empty while only claimed
    #: (reconciliation pages back to it and counts what went out since).
    attempted_at: datetime | None = time_field()
    updated_at: datetime = now_field()


class Event(SQLModel, table=True):
    """The append-only audit log: who did what, when."""

    __table_args__ = NEVER_REUSED

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = now_field(index=True)
    actor: str = Field(max_length=128)
    action: str = Field(max_length=64)
    post_id: int | None = Field(default=None, index=True)
    channel_id: int | None = None
    detail: dict[str, Any] = json_field(dict)


class Worker(SQLModel, table=True):
    """A running ``oyez run`` process, by its heartbeat."""

    name: str = Field(primary_key=True, max_length=128)
    pid: int
    host: str = Field(max_length=255)
    started_at: datetime = now_field()
    heartbeat_at: datetime = now_field()


class Setting(SQLModel, table=True):
    """Small pieces of shared state, e.g. the crisis pause."""

    key: str = Field(primary_key=True, max_length=64)
    value: dict[str, Any] = json_field(dict)
    updated_at: datetime = now_field()
