"""The row of sections at the top: which screen you are on, and the key for each."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.widget import Widget

#: (mode name, key, label) in the order shown.
SECTIONS: tuple[tuple[str, str, str], ...] = (
    ("queue", "1", "Queue"),
    ("signoff", "2", "Sign-off"),
    ("calendar", "3", "Calendar"),
    ("sources", "4", "Sources"),
    ("activity", "5", "Activity"),
    ("channels", "6", "Channels"),
    ("report", "7", "Report"),
    ("inbox", "8", "Inbox"),
)

#: Labels used when the full ones do not fit the width.
SHORT = {
    "Sign-off": "Sign",
    "Calendar": "Cal",
    "Sources": "Src",
    "Activity": "Act",
    "Channels": "Chan",
}


class NavBar(Widget, can_focus=False):
    """Shows the sections, the current one highlighted, and who you are acting as."""

    DEFAULT_CSS = """
    NavBar {
        height: 1;
        background: $panel;
    }
    """

    def __init__(self, current: str) -> None:
        super().__init__()
        self.current = current
        self._hits: list[tuple[int, int, str]] = []

    def _bar(self, short: bool) -> Text:
        accent = self.app.theme_variables.get("accent", "blue")
        text = Text(" oyez ", style=f"bold {accent}")
        self._hits = []
        for mode, key, label in SECTIONS:
            shown = SHORT.get(label, label) if short and mode != self.current else label
            item = Text.assemble((key, "bold"), " ", shown)
            if mode == self.current:
                item.stylize(f"reverse {accent}")
            start = text.cell_len + 1
            text.append(" ")
            text.append_text(item)
            self._hits.append((start, text.cell_len, key))
        return text

    def render(self) -> Text:
        width = self.size.width
        tail = Text(f" as {getattr(self.app, 'actor', '')} ", style="italic")
        text = self._bar(short=False)
        if text.cell_len + tail.cell_len > width:
            text = self._bar(short=True)
        pad = width - text.cell_len - tail.cell_len
        if pad > 0:
            text.append(" " * pad)
            text.append_text(tail)
        return text

    def on_click(self, event: events.Click) -> None:
        for start, end, key in self._hits:
            if start <= event.x < end:
                self.app.simulate_key(key)
                return
