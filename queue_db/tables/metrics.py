"""The tables of reach: each collection of a delivery's public figures, and the latest of them.

No ``from __future__ import annotations`` here: SQLModel reads the annotations
at class creation.

:class:`MetricSample` is the time series (one row per collection, so a post's
figures can be charted over its life); :class:`DeliveryReach` is one row per
measured delivery: its latest figures, when they are next due, and whether the
network still has the post. A figure the network does not give is NULL, never 0.
"""

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from queue_db.fields import time_field


class MetricSample(SQLModel, table=True):
    """One collection of one delivery's figures."""

    __tablename__ = "metric_sample"
    __table_args__ = (Index("ix_metric_sample_delivery_at", "delivery_id", "collected_at"),)

    id: int | None = Field(default=None, primary_key=True)
    delivery_id: int = Field(foreign_key="delivery.id")
    collected_at: datetime = time_field(nullable=False)
    likes: int | None = None
    reposts: int | None = None
    replies: int | None = None
    quotes: int | None = None
    impressions: int | None = None


class DeliveryReach(SQLModel, table=True):
    """A delivery's latest figures and its collection schedule."""

    __tablename__ = "delivery_reach"

    delivery_id: int = Field(foreign_key="delivery.id", primary_key=True)
    likes: int | None = None
    reposts: int | None = None
    replies: int | None = None
    quotes: int | None = None
    impressions: int | None = None
    #: When the latest figures were read (None until the first collection).
    collected_at: datetime | None = time_field()
    #: When the schedule asks again; None once the schedule is done (or the post is gone).
    next_due_at: datetime | None = time_field(index=True)
    #: When the network stopped returning the post (deleted or retracted there).
    gone_at: datetime | None = time_field()
