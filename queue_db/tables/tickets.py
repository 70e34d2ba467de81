"""The tables of trouble tickets: Ticket, TicketEvent, TicketPost and TicketConfig.

No ``from __future__ import annotations`` here: SQLModel reads the annotations
at class creation.

A ticket's events arrive from the CLI, the webhook or a ticket feed. Events are
grouped into bursts; each burst becomes one :class:`TicketPost` (the first is
the ticket's top post, the others reply under it), released strictly in order.
"""

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from queue_db.fields import json_field, now_field, time_field


class Ticket(SQLModel, table=True):
    """The latest known state of one trouble ticket."""

    id: int | None = Field(default=None, primary_key=True)
    #: The ticket system's id, e.g. ``TT-1234``.
    external_id: str = Field(unique=True, max_length=128)
    title: str = ""
    #: One of open, investigating, identified, monitoring, resolved.
    status: str = Field(max_length=16)
    impact: str = Field(default="", max_length=64)
    service: str = Field(default="", max_length=128)
    text: str = ""
    url: str | None = None
    opened_at: datetime = now_field()
    #: Bumped by every event and every pump: the first write of either, so they take turns.
    updated_at: datetime = now_field()
    resolved_at: datetime | None = time_field()


class TicketPost(SQLModel, table=True):
    """One post of a ticket's thread: its first post, an update, or its closing post."""

    __tablename__ = "ticket_post"
    __table_args__ = (UniqueConstraint("ticket_id", "seq", name="uq_ticket_post_ticket_seq"),)

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    #: 1 for the first post, then 2, 3… in the order they go out.
    seq: int
    #: The post's source key, ``ticket:<external id>:<seq>``.
    source_key: str = Field(unique=True, max_length=255)
    #: first | update | closing
    kind: str = Field(max_length=16)
    status: str = Field(max_length=16)
    post_id: int | None = Field(default=None, foreign_key="post.id")
    #: claimed (post not made yet) -> held (waiting for the one before) -> released | dropped
    state: str = Field(default="claimed", max_length=16)
    created_at: datetime = now_field()
    released_at: datetime | None = time_field()


class TicketEvent(SQLModel, table=True):
    """One event as it arrived, in arrival order per ticket."""

    __tablename__ = "ticket_event"
    __table_args__ = (UniqueConstraint("ticket_id", "seq", name="uq_ticket_event_ticket_seq"),)

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    seq: int
    #: cli | webhook | feed
    source: str = Field(max_length=16)
    #: An id the sender gave the event (or a feed entry's key): a repeat is recorded once.
    event_key: str | None = Field(default=None, unique=True, max_length=255)
    status: str = Field(max_length=16)
    #: The ticket system's own word for the status, as received.
    raw_status: str = Field(max_length=64)
    title: str | None = None
    text: str | None = None
    impact: str | None = Field(default=None, max_length=64)
    service: str | None = Field(default=None, max_length=128)
    url: str | None = None
    actor: str = Field(max_length=128)
    received_at: datetime = now_field()
    #: The post that carries this event (several events of a burst share one).
    ticket_post_id: int | None = Field(default=None, foreign_key="ticket_post.id")


class TicketConfig(SQLModel, table=True):
    """Where and how ticket posts go. One row, named ``default``."""

    __tablename__ = "ticket_config"

    name: str = Field(primary_key=True, max_length=32)
    channels: list[str] = json_field(list)
    #: Template of a ticket's first post.
    template: str
    #: Template of the replies that follow it.
    update_template: str
    #: Template of the reply that says the ticket is resolved.
    closing_template: str
    #: Events of one ticket arriving within this many seconds make one post.
    coalesce_seconds: int = 60
    urgent: bool = False
    #: auto (no sign-off) | review (each post waits for an approver)
    mode: str = Field(default="auto", max_length=8)
    #: The ticket system's words for statuses: ``{"in progress": "investigating"}``.
    status_map: dict[str, str] = json_field(dict)
    #: Where people follow a ticket, e.g. ``https://status.example.net/{id}``.
    link_template: str = ""
    updated_by: str = Field(max_length=128)
    updated_at: datetime = now_field()


class TicketFeed(SQLModel, table=True):
    """An RSS/Atom feed a ticket system publishes; each new entry is a ticket event."""

    __tablename__ = "ticket_feed"

    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(unique=True, max_length=2048)
    #: A regular expression with a group ``id`` that finds the ticket id in an entry's title.
    id_pattern: str = Field(max_length=255)
    every_minutes: int = 5
    #: Entry keys present when the feed was added: its backlog, never posted.
    baseline: list[str] = json_field(list)
    etag: str | None = Field(default=None, max_length=255)
    last_modified: str | None = Field(default=None, max_length=64)
    polled_at: datetime | None = time_field()
    last_error: str | None = None
    created_by: str = Field(max_length=128)
    created_at: datetime = now_field()
