"""Reading and showing times. Times without an offset are refused, never guessed."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from publisher.errors import InvalidInput


def parse_when(text: str, local_zone: str | None = None) -> datetime:
    """Parse ISO 8601 (``2026-12-01T09:00+01:00``, ``…Z``, or ``2026-12-01 09:30``); return UTC.

    A time without an offset is refused, never guessed, unless ``local_zone``
    says whose wall clock it is (a screen that shows times in a known zone).
    """
    raw = text.strip()
    try:
        value = datetime.fromisoformat(raw.replace("z", "Z"))
    except ValueError:
        example = (
            f"e.g. 2026-12-01 09:30, in {local_zone}"
            if local_zone
            else "e.g. 2026-12-01T09:00:00+01:00 or ...Z"
        )
        what = "a date and time" if local_zone else "an ISO 8601 time"
        raise InvalidInput(f"not {what}: {text!r} ({example})") from None
    if value.tzinfo is None:
        if local_zone is None:
            raise InvalidInput(
                f"time {text!r} has no offset: add one (e.g. +01:00) or Z for UTC; "
                "oyez never guesses a time zone"
            )
        value = value.replace(tzinfo=zone(local_zone))
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
