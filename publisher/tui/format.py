"""How the TUI shows values: local times, state colours, finding marks. No widgets here."""

from __future__ import annotations

from datetime import datetime, tzinfo

from rich.text import Text

#: Colours by role, one set per theme: the light set is darker so it reads on white.
PALETTES: dict[bool, dict[str, str]] = {
    True: {  # dark theme
        "bad": "#ff6b6b",
        "warn": "#e0a800",
        "ok": "#4ebf71",
        "info": "#4ea1ff",
        "plan": "#b39ddb",
        "muted": "#9e9e9e",
    },
    False: {  # light theme
        "bad": "#c62828",
        "warn": "#8a5a00",
        "ok": "#1a7f37",
        "info": "#0b5cad",
        "plan": "#6a3fb5",
        "muted": "#5f5f5f",
    },
}
_STATE_ROLES = {
    "draft": "muted",
    "in_review": "warn",
    "approved": "info",
    "scheduled": "plan",
    "sent": "ok",
    "partly_sent": "warn",
    "failed": "bad",
    "expired": "bad",
    "cancelled": "muted",
    "pending": "plan",
    "sending": "info",
    "needs_attention": "bad",
    "retracted": "muted",
    "held": "muted",
}
_SEVERITY_ROLES = {"error": "bad", "warning": "warn", "suggestion": "info"}

#: The palette in use, and the colour of each post or delivery state and severity.
#: Updated in place by :func:`use_palette`, so importers always see the current one.
COLOURS: dict[str, str] = {}
STATE_COLOURS: dict[str, str] = {}
SEVERITY_COLOURS: dict[str, str] = {}


def use_palette(dark: bool) -> None:
    """Switch every colour to the set that reads on a dark (or light) background."""
    COLOURS.update(PALETTES[dark])
    STATE_COLOURS.update({state: COLOURS[role] for state, role in _STATE_ROLES.items()})
    SEVERITY_COLOURS.update({sev: COLOURS[role] for sev, role in _SEVERITY_ROLES.items()})


use_palette(True)
SEVERITY_MARKS: dict[str, str] = {"error": "✖", "warning": "▲", "suggestion": "●"}


def state_text(state: str) -> Text:
    return Text(state.replace("_", " "), style=STATE_COLOURS.get(state, ""))


def mark_text(worst: str | None) -> Text:
    if worst is None:
        return Text(" ")
    return Text(SEVERITY_MARKS.get(worst, "?"), style=SEVERITY_COLOURS.get(worst, ""))


def when(value: datetime | None, tz: tzinfo, *, short: bool = False) -> str:
    """A time in the user's zone: ``Wed 25 Nov 14:05`` (``25 Nov 14:05`` when short)."""
    if value is None:
        return "—"
    local = value.astimezone(tz)
    return local.strftime("%d %b %H:%M" if short else "%a %d %b %H:%M")


def first_line(text: str, width: int | None = None) -> str:
    line = (text.strip().splitlines() or [""])[0]
    if width is not None and len(line) > width:
        return line[: max(0, width - 1)] + "…"
    return line
