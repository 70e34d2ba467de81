"""Deliveries: one row per (post, channel), the unit of exactly-once publishing.

This package is the only writer of ``delivery`` rows; every change of a
delivery's state goes through one of its modules (a test pins it):

* :mod:`~queue_db.deliveries.claim` -- claiming due work with a lease, expiring
  late posts, the dispatcher's alarm;
* :mod:`~queue_db.deliveries.lease` -- starting an attempt under the lease,
  renewing leases, recovering stalled ones;
* :mod:`~queue_db.deliveries.settle` -- loading what was claimed and writing
  the outcome (sent, retry, failed, unknown), checked against the lease owner;
* :mod:`~queue_db.deliveries.plan` -- what people do to a delivery: target,
  schedule, hold, cancel, retry, resolve, retract, restore;
* :mod:`~queue_db.deliveries.read` -- what screens, status and the report read.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from queue_db.records import record_of
from queue_db.states import DeliveryState
from queue_db.tables import Delivery


@dataclass(frozen=True)
class DeliveryRecord:
    id: int
    post_id: int
    channel_id: int
    state: DeliveryState
    due_at: datetime | None
    next_attempt_at: datetime | None
    attempts: int
    checks: int
    last_error: str | None
    error_kind: str | None
    #: The text as published (the archive keeps it even if the post changes).
    final_text: str | None
    remote_id: str | None
    remote_url: str | None
    sent_at: datetime | None
    lease_owner: str | None
    lease_expires_at: datetime | None
    #: When the request of the current publish attempt began (None: not started).
    attempted_at: datetime | None
    updated_at: datetime


def record(row: Delivery) -> DeliveryRecord:
    return replace(record_of(DeliveryRecord, row), state=DeliveryState(row.state))
