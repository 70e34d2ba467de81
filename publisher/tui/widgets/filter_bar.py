"""The queue's filters: state, channel, source, and a text search."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input, Select

from publisher.service.queue import STATE_PRESETS, QueueQuery

SOURCES = ("manual", "feed", "tip", "ticket", "import", "alert")


class FilterBar(Horizontal):
    """Posts :class:`FilterBar.Changed` with the new query whenever a filter changes."""

    DEFAULT_CSS = """
    FilterBar { height: 1; }
    FilterBar Select { width: 20; margin-right: 1; }
    FilterBar #state { width: 16; }
    FilterBar #source { width: 15; }
    FilterBar Input { width: 1fr; }
    """

    @dataclass
    class Changed(Message):
        query: QueueQuery

    def __init__(self, channels: list[str], query: QueueQuery) -> None:
        super().__init__()
        self.channels = channels
        self.query_value = query
        self._debounce: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Select(
            [(name.replace("_", " "), name) for name in STATE_PRESETS],
            value=self.query_value.preset,
            allow_blank=False,
            compact=True,
            id="state",
            tooltip="Which posts: upcoming, or one state",
        )
        yield Select(
            [(name, name) for name in self.channels],
            prompt="any channel",
            compact=True,
            id="channel",
        )
        yield Select(
            [(name, name) for name in SOURCES], prompt="any source", compact=True, id="source"
        )
        yield Input(placeholder="/ search text", compact=True, id="search")

    def set_channels(self, channels: list[str]) -> None:
        if channels != self.channels:
            self.channels = channels
            self.query_one("#channel", Select).set_options([(n, n) for n in channels])

    def _current(self) -> QueueQuery:
        def value(selector: str) -> str | None:
            v = self.query_one(selector, Select).value
            return v if isinstance(v, str) else None

        return QueueQuery(
            preset=value("#state") or "upcoming",
            channel=value("#channel"),
            source=value("#source"),
            search=self.query_one("#search", Input).value.strip() or None,
            newest_first=self.query_value.newest_first,
        )

    def _emit(self) -> None:
        query = self._current()
        if query != self.query_value:
            self.query_value = query
            self.post_message(self.Changed(query))

    @on(Select.Changed)
    @on(Input.Submitted)
    def _changed_now(self, event: Select.Changed | Input.Submitted) -> None:
        event.stop()
        self._emit()

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        # Searching 100,000 posts on every keystroke is wasteful: wait for a pause.
        event.stop()
        if self._debounce is not None:
            self._debounce.stop()
        self._debounce = self.set_timer(0.3, self._emit)

    def set_preset(self, preset: str) -> None:
        self.query_one("#state", Select).value = preset
