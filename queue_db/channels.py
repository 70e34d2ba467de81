"""Configured channels: where posts go. The only writer of ``channel``.

Credentials are never stored: a channel's settings name where they live.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlmodel import col

from queue_db.errors import Conflict
from queue_db.records import record_of
from queue_db.states import DeliveryState
from queue_db.store import Tx
from queue_db.tables import Channel, Delivery

#: Delivery states that still need the channel (not gone out, not given up).
_IN_USE = (
    DeliveryState.PENDING,
    DeliveryState.HELD,
    DeliveryState.SENDING,
    DeliveryState.UNKNOWN,
    DeliveryState.NEEDS_ATTENTION,
)


@dataclass(frozen=True)
class ChannelRecord:
    id: int
    name: str
    kind: str
    settings: dict[str, Any]
    timezone: str
    #: ``{"mon": ["09:00", "12:30"], ...}`` in the channel's time zone.
    slots: dict[str, Any]
    #: ``{"start": "22:00", "end": "07:00"}`` or empty.
    quiet_hours: dict[str, Any]
    #: ISO dates (YYYY-MM-DD) on which nothing goes out.
    blackout_dates: list[str]
    paused: bool
    paused_reason: str | None
    rate_limited_until: datetime | None
    created_at: datetime


def _record(row: Channel) -> ChannelRecord:
    return record_of(ChannelRecord, row)


def by_name(tx: Tx, name: str) -> ChannelRecord:
    """The channel called ``name``; :class:`~queue_db.errors.NotFound` if there is none."""
    return _record(tx.by_name(Channel, name, "channel"))


def by_id(tx: Tx, channel_id: int) -> ChannelRecord:
    return _record(tx.by_id(Channel, channel_id, "channel"))


def every(tx: Tx) -> list[ChannelRecord]:
    """Every channel, by name."""
    rows = tx.session.execute(select(Channel).order_by(col(Channel.name))).scalars()
    return [_record(r) for r in rows]


#: Every column of a channel, read as plain rows (no ORM session: the engine
#: reads its batch's channels this way on every claim).
_ROWS = select(Channel.__table__)  # type: ignore[attr-defined]


def by_ids(tx: Tx, channel_ids: list[int] | None = None) -> dict[int, ChannelRecord]:
    """Channels by id (all of them, or those of ``channel_ids``)."""
    query = _ROWS
    if channel_ids is not None:
        query = query.where(col(Channel.id).in_(channel_ids))
    records = (record_of(ChannelRecord, r) for r in tx.connection.execute(query))
    return {r.id: r for r in records}


def names(tx: Tx) -> list[str]:
    return [
        str(n)
        for n in tx.session.execute(select(col(Channel.name)).order_by(col(Channel.name))).scalars()
    ]


def add(tx: Tx, name: str, kind: str, settings: dict[str, Any], timezone: str) -> ChannelRecord:
    """A new channel; a taken name is a :class:`~queue_db.errors.Conflict`."""
    return _record(tx.add(Channel(name=name, kind=kind, settings=settings, timezone=timezone)))


def change(tx: Tx, channel_id: int, **values: Any) -> None:
    """Set columns of a channel: settings, timezone, slots, quiet_hours, blackout_dates."""
    allowed = {"settings", "timezone", "slots", "quiet_hours", "blackout_dates"}
    unknown = set(values) - allowed
    if unknown:
        raise ValueError(f"not a channel setting column: {sorted(unknown)}")
    _update(tx, channel_id, **values)


def pause(tx: Tx, channel_id: int, reason: str) -> None:
    _update(tx, channel_id, paused=True, paused_reason=reason)


def unpause(tx: Tx, channel_id: int) -> None:
    _update(tx, channel_id, paused=False, paused_reason=None)


def rate_limit(tx: Tx, channel_id: int, until: datetime | None) -> None:
    """Hold the channel until ``until`` (the network's reset time); None lifts it."""
    _update(tx, channel_id, rate_limited_until=until)


def _update(tx: Tx, channel_id: int, **values: Any) -> None:
    tx.session.execute(update(Channel).where(col(Channel.id) == channel_id).values(**values))


def remove(tx: Tx, channel: ChannelRecord) -> None:
    """Delete a channel that no delivery refers to; otherwise say why not (Conflict)."""
    in_use = tx.session.execute(
        select(func.count())
        .select_from(Delivery)
        .where(col(Delivery.channel_id) == channel.id, col(Delivery.state).in_(_IN_USE))
    ).scalar_one()
    archived = tx.session.execute(
        select(func.count()).select_from(Delivery).where(col(Delivery.channel_id) == channel.id)
    ).scalar_one()
    if in_use:
        raise Conflict(
            f"channel {channel.name!r} is still a target of {in_use} post(s) that have not "
            "gone out (drafts, in review or scheduled): cancel them or remove the channel "
            "from them first"
        )
    if archived:
        raise Conflict(
            f"channel {channel.name!r} has {archived} deliveries in the archive and cannot be "
            f"removed; pause it instead (oyez pause {channel.name})"
        )
    row = tx.by_id(Channel, channel.id, "channel")
    tx.session.delete(row)
    tx.session.flush()
