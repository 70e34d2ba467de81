"""Reading and showing times. Times without an offset are refused, never guessed."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from publisher.errors import InvalidInput


def parse_when(text: str) -> datetime:
    """Parse ISO 8601 with an offset or ``Z``; return it in UTC."""
    raw = text.strip()
    try:
        value = datetime.fromisoformat(raw.replace("z", "Z"))
    except ValueError:
        raise InvalidInput(
            f"not an ISO 8601 time: {text!r} (e.g. 2026-12-01T09:00:00+01:00 or ...Z)"
        ) from None
    if value.tzinfo is None:
        raise InvalidInput(
            f"time {text!r} has no offset: add one (e.g. +01:00) or Z for UTC; "
            "oyez never guesses a time zone"
        )
    return value.astimezone(UTC)


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"unknown time zone {name!r} (e.g. Europe/London)") from None


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def check_period(since: datetime | None, until: datetime | None) -> None:
    """Refuse a period (``--since``/``--until``) that ends before it starts."""
    if since and until and since >= until:
        raise InvalidInput("--since must be before --until")
