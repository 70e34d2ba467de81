"""Ticket events as they arrive, checked, and ticket statuses mapped to oyez's five.

The same checks serve the CLI, the webhook and the ticket feed: a bad event is
refused with one line that says which field is wrong and how.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from publisher.context.controls import refuse_nul, strip_controls
from publisher.errors import InvalidInput

STATUSES = ("open", "investigating", "identified", "monitoring", "resolved")
#: Words ticket systems use for the five statuses (normalised: lower case, single spaces).
DEFAULT_WORDS: dict[str, str] = {
    **{s: s for s in STATUSES},
    "new": "open",
    "opened": "open",
    "reported": "open",
    "created": "open",
    "reopened": "open",
    "assigned": "investigating",
    "acknowledged": "investigating",
    "in progress": "investigating",
    "working": "investigating",
    "work in progress": "investigating",
    "cause identified": "identified",
    "root cause identified": "identified",
    "fix in progress": "identified",
    "fixing": "identified",
    "mitigated": "monitoring",
    "fix deployed": "monitoring",
    "recovering": "monitoring",
    "watching": "monitoring",
    "closed": "resolved",
    "fixed": "resolved",
    "done": "resolved",
    "restored": "resolved",
    "solved": "resolved",
    "completed": "resolved",
}
FIELDS = ("id", "status", "title", "text", "impact", "service", "url", "event_id")
LIMITS = {
    "id": 128,
    "status": 64,
    "title": 300,
    "text": 5000,
    "impact": 64,
    "service": 128,
    "url": 2048,
    "event_id": 200,
}
TICKET_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:#/-]{0,127}$")
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


@dataclass(frozen=True)
class EventIn:
    """One checked ticket event; ``status`` is still the ticket system's own word."""

    ticket: str
    status: str
    title: str | None = None
    text: str | None = None
    impact: str | None = None
    service: str | None = None
    url: str | None = None
    #: The sender's id for this event: a repeat with the same id is recorded once.
    event_id: str | None = None


def normalise_word(word: str) -> str:
    return " ".join(re.sub(r"[_\-]+", " ", word.strip().lower()).split())


def map_status(word: str, custom: Mapping[str, str] | None = None) -> str:
    """The oyez status for a ticket system's word: custom words first, then the usual ones."""
    key = normalise_word(word)
    for table in (custom or {}, DEFAULT_WORDS):
        if key in table:
            return table[key]
    raise InvalidInput(
        f"unknown status {word!r} (use one of {', '.join(STATUSES)}, or map it: "
        f"oyez tickets config --map '{key}=STATUS')"
    )


def parse_status_map(pairs: list[str]) -> dict[str, str]:
    """``["in progress=investigating", …]`` → a normalised word map."""
    out: dict[str, str] = {}
    for pair in pairs:
        word, sep, status = pair.rpartition("=")
        status = status.strip().lower()
        if not sep or not normalise_word(word):
            raise InvalidInput(f"--map {pair!r} is not WORD=STATUS")
        if status not in STATUSES:
            raise InvalidInput(f"--map {pair!r}: {status!r} is not one of {', '.join(STATUSES)}")
        out[normalise_word(word)] = status
    return out


def _field(data: Mapping[str, Any], name: str, *, required: bool = False) -> str | None:
    value = data.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InvalidInput(f"missing field {name!r}")
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool) and name == "id":
        value = str(value)
    if not isinstance(value, str):
        raise InvalidInput(f"field {name!r} must be a string")
    # NUL is refused, never stripped: PostgreSQL cannot store it, and an event_id
    # or ticket id that changed under us would be a different one.
    value = strip_controls(refuse_nul(value, f"field {name!r}")).strip()
    if len(value) > LIMITS[name]:
        raise InvalidInput(f"field {name!r} is longer than {LIMITS[name]} characters")
    return value


def parse_event(data: Any) -> EventIn:
    """Check an event given as a JSON object (webhook, stdin) or keyword options (CLI).

    ``id`` and ``status`` are required; ``title`` is required by the first event
    of a ticket (checked when it is recorded). Unknown fields are ignored, so a
    ticket system may send more than oyez reads.
    """
    if not isinstance(data, Mapping):
        raise InvalidInput("the event must be a JSON object")
    ticket = _field(data, "id", required=True)
    assert ticket is not None
    if not TICKET_ID.match(ticket):
        raise InvalidInput(
            f"ticket id {ticket!r} may hold letters, digits and . _ : # / - (e.g. TT-1234)"
        )
    status = _field(data, "status", required=True)
    assert status is not None
    url = _field(data, "url")
    if url is not None and not _URL.match(url):
        raise InvalidInput(f"field 'url' must be an http(s) URL, not {url[:60]!r}")
    return EventIn(
        ticket=ticket,
        status=status,
        title=_field(data, "title"),
        text=_field(data, "text"),
        impact=_field(data, "impact"),
        service=_field(data, "service"),
        url=url,
        event_id=_field(data, "event_id"),
    )
