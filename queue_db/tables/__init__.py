"""Every table of the queue database, one module per area; importing this package
registers them all on ``SQLModel.metadata`` (migrations and fresh schemas need that).

Only :mod:`queue_db` modules use these classes: above it, rows travel as the
frozen records each noun module returns.
"""

from __future__ import annotations

from queue_db.tables.feeds import Feed, FeedEntry
from queue_db.tables.inbox import InboxItem, InboxLink, Stream
from queue_db.tables.metrics import DeliveryReach, MetricSample
from queue_db.tables.queue import Channel, Delivery, Event, Post, Setting, Worker
from queue_db.tables.tickets import Ticket, TicketConfig, TicketEvent, TicketFeed, TicketPost
from queue_db.tables.tips import Cadence, Tip, TipPool, TipServed
from queue_db.tables.users import OyezUser

__all__ = [
    "Cadence",
    "Channel",
    "Delivery",
    "DeliveryReach",
    "Event",
    "Feed",
    "FeedEntry",
    "InboxItem",
    "InboxLink",
    "MetricSample",
    "OyezUser",
    "Post",
    "Setting",
    "Stream",
    "Ticket",
    "TicketConfig",
    "TicketEvent",
    "TicketFeed",
    "TicketPost",
    "Tip",
    "TipPool",
    "TipServed",
    "Worker",
]
