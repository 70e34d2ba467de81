"""How the TUI shows values: local times, state colours, finding marks. No widgets here."""

from __future__ import annotations

from datetime import datetime, tzinfo

from rich.text import Text

#: Mid-luminance colours, chosen to read on both the light and the dark theme.
STATE_COLOURS: dict[str, str] = {
    "draft": "#8a8a8a",
    "in_review": "#c08a00",
    "approved": "#2f7fd0",
    "scheduled": "#8a63d2",
    "sent": "#2e9b5a",
    "partly_sent": "#c08a00",
    "failed": "#d64545",
    "expired": "#d64545",
    "cancelled": "#8a8a8a",
    "pending": "#8a63d2",
    "sending": "#2f7fd0",
    "needs_attention": "#d64545",
    "retracted": "#8a8a8a",
    "held": "#8a8a8a",
}
SEVERITY_COLOURS: dict[str, str] = {
    "error": "#d64545",
    "warning": "#c08a00",
    "suggestion": "#2f7fd0",
}
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
