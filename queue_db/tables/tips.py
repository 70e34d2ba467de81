"""The tables of safety tips: TipPool, Tip, Cadence and the rotation ledger TipServed.

No ``from __future__ import annotations`` here: SQLModel reads the annotations
at class creation.

A pool is a set of tips; a cadence is a cron expression in a time zone that
posts the pool's tips to some channels. Every tip that goes out is written to
the ledger (:class:`TipServed`) with the round it belongs to, so rotation
survives restarts and several workers agree on what comes next.
"""

from datetime import datetime

from sqlalchemy import Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from queue_db.fields import json_field, now_field, time_field
from queue_db.types import UTCDateTime


class TipPool(SQLModel, table=True):
    """A named set of tips, e.g. ``phishing``."""

    __tablename__ = "tip_pool"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=64)
    description: str = ""
    created_by: str = Field(max_length=128)
    created_at: datetime = now_field()
    #: Bumped by every firing on this pool: the first write of a firing, so
    #: firings on one pool take turns (a row lock on PostgreSQL, the write lock on SQLite).
    updated_at: datetime = now_field()


class Tip(SQLModel, table=True):
    """One tip. Retired tips stay (the ledger refers to them) but never go out again."""

    id: int | None = Field(default=None, primary_key=True)
    pool_id: int = Field(foreign_key="tip_pool.id", index=True)
    text: str
    #: Per-channel text that replaces ``text`` on that channel (name or kind): ``{"x": "..."}``.
    variants: dict[str, str] = json_field(dict)
    #: ``[{"path": "...", "alt": "..."}]``
    media: list[dict[str, str]] = json_field(list)
    tags: list[str] = json_field(list)
    #: The tip goes out only inside this window (either end may be open).
    valid_from: datetime | None = time_field()
    valid_until: datetime | None = time_field()
    retired_at: datetime | None = time_field()
    #: Who signed the tip off (at import); None means each of its posts needs sign-off.
    approved_by: str | None = Field(default=None, max_length=128)
    created_by: str = Field(max_length=128)
    created_at: datetime = now_field()


class Cadence(SQLModel, table=True):
    """When a pool posts: a crontab expression in a time zone, to some channels."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=64)
    pool_id: int = Field(foreign_key="tip_pool.id", index=True)
    #: Five crontab fields (weekday 0 or 7 = Sunday), in ``timezone``.
    cron: str = Field(max_length=128)
    timezone: str = Field(max_length=64)
    #: Channel names the posts go to.
    channels: list[str] = json_field(list)
    #: Local dates (YYYY-MM-DD) on which the cadence posts nothing: holidays, blackouts.
    skip_dates: list[str] = json_field(list)
    paused: bool = False
    created_by: str = Field(max_length=128)
    created_at: datetime = now_field()


class TipServed(SQLModel, table=True):
    """The rotation ledger: one row per tip handed to a cadence firing.

    A round ends when every active tip of the pool has been served in it; the
    unique (pool, round, tip) makes a repeat within a round impossible, and the
    unique ``source_key`` makes a firing happen once however many workers fire it.
    """

    __tablename__ = "tip_served"
    __table_args__ = (
        UniqueConstraint("pool_id", "round", "tip_id", name="uq_tip_served_pool_round_tip"),
    )

    id: int | None = Field(default=None, primary_key=True)
    pool_id: int = Field(foreign_key="tip_pool.id", index=True)
    round: int
    tip_id: int = Field(foreign_key="tip.id")
    cadence_id: int | None = Field(default=None, foreign_key="cadence.id")
    #: The post's source key, ``cadence:<id>:<fire time UTC>``.
    source_key: str = Field(unique=True, max_length=255)
    fire_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    post_id: int | None = Field(default=None, foreign_key="post.id")
    created_at: datetime = now_field()
