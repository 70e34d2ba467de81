"""Small pieces of state every process shares (the crisis pause). The only writer of ``setting``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, select
from sqlmodel import col

from queue_db.store import Tx
from queue_db.tables import Setting
from queue_db.types import utcnow

#: The setting that holds the crisis pause (empty when there is none).
PAUSE_KEY = "pause"

_VALUE = select(col(Setting.value)).where(col(Setting.key) == bindparam("key"))


def get(tx: Tx, key: str) -> dict[str, Any]:
    """The value of ``key``, ``{}`` if unset."""
    # A column read on the connection, no ORM session: the dispatcher reads the
    # crisis pause every batch (``put`` flushes, so its writes are seen here).
    value = tx.connection.execute(_VALUE, {"key": key}).scalar()
    return dict(value) if value else {}


def put(tx: Tx, key: str, value: dict[str, Any]) -> None:
    row = tx.session.get(Setting, key)
    if row is None:
        tx.session.add(Setting(key=key, value=value))
    else:
        row.value = value
        row.updated_at = utcnow()
        tx.session.add(row)
    tx.session.flush()


def crisis(tx: Tx) -> dict[str, Any] | None:
    """The crisis pause (``{"reason", "by", "at"}``), or None when nothing is paused."""
    value = get(tx, PAUSE_KEY)
    return value if value.get("all") else None


def set_crisis(tx: Tx, value: dict[str, Any] | None) -> None:
    put(tx, PAUSE_KEY, value or {})


#: Length limits read from the networks themselves (a Mastodon instance's), by channel name.
FETCHED_LIMITS_KEY = "fetched_limits"


def fetched_limits(tx: Tx) -> dict[str, int]:
    """Each channel's length limit as its network last reported it."""
    return {k: int(v) for k, v in get(tx, FETCHED_LIMITS_KEY).items()}


def record_fetched_limit(tx: Tx, channel: str, max_length: int) -> None:
    value = get(tx, FETCHED_LIMITS_KEY)
    if value.get(channel) != max_length:
        put(tx, FETCHED_LIMITS_KEY, {**value, channel: max_length})
