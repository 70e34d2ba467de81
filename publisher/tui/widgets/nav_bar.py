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
)


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

    def render(self) -> Text:
        width = self.size.width
        compact = width < 100
        accent = self.app.theme_variables.get("accent", "blue")
        text = Text(" oyez ", style=f"bold {accent}")
        self._hits = []
        for mode, key, label in SECTIONS:
            shown = label if not compact or mode == self.current else label[:4].rstrip("-")
            item = Text.assemble((key, "bold"), " ", shown)
            if mode == self.current:
                item.stylize(f"reverse {accent}")
            start = text.cell_len + 1
            text.append(" ")
            text.append_text(item)
            self._hits.append((start, text.cell_len, key))
        actor = str(getattr(self.app, "actor", ""))
        tail = Text(f" as {actor} ", style="italic")
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
