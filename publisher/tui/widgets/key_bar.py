"""A footer that wraps onto a second line instead of hiding keys that do not fit."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.screen import Screen
from textual.widget import Widget


class KeyBar(Widget, can_focus=False):
    """Every shown binding of the screen, wrapped to the width; click a key to press it."""

    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: auto;
        max-height: 3;
        background: $footer-background;
        color: $footer-foreground;
    }
    """

    def __init__(self) -> None:
        super().__init__()
        self._hits: list[tuple[int, int, int, str]] = []
        self._lines: list[Text] = [Text("")]

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[object]) -> None:
        if self.is_attached and screen is self.screen:
            self._layout_keys()

    def on_resize(self, _event: events.Resize) -> None:
        self._layout_keys()

    def _items(self) -> list[tuple[str, str, str, bool]]:
        seen: set[str] = set()
        items = []
        for _node, binding, enabled, _tip in self.screen.active_bindings.values():
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            key = self.app.get_key_display(binding)
            items.append((binding.key, key, binding.description, enabled))
        return items

    def _layout_keys(self) -> None:
        width = max(20, self.size.width or self.app.size.width)
        key_style = "bold " + self.app.theme_variables.get("footer-key-foreground", "")
        lines: list[Text] = [Text()]
        hits: list[tuple[int, int, int, str]] = []
        for key, shown, description, enabled in self._items():
            item = Text.assemble((shown, key_style.strip()), " ", description)
            if not enabled:
                item.stylize("dim")
            line = lines[-1]
            gap = 2 if line.cell_len else 1
            if line.cell_len + gap + item.cell_len > width and line.cell_len:
                lines.append(Text())
                line, gap = lines[-1], 1
            line.append(" " * gap)
            start = line.cell_len
            line.append_text(item)
            hits.append((len(lines) - 1, start, line.cell_len, key))
        self._lines, self._hits = lines, hits
        self.styles.height = len(lines)
        self.refresh()

    def render(self) -> Text:
        return Text("\n").join(self._lines)

    def on_click(self, event: events.Click) -> None:
        for row, start, end, key in self._hits:
            if event.y == row and start <= event.x < end:
                self.app.simulate_key(key)
                return
