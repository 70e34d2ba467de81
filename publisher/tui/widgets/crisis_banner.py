"""The banner every screen shows while the crisis pause is on."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


class CrisisBanner(Static):
    """Hidden unless the app's ``crisis`` is set; then says so, with the reason."""

    DEFAULT_CSS = """
    CrisisBanner {
        height: 1;
        display: none;
        background: $error;
        color: $text;
        text-style: bold;
        padding: 0 1;
    }
    CrisisBanner.-on { display: block; }
    """

    def on_mount(self) -> None:
        self.watch(self.app, "crisis", self._show)

    def _show(self, reason: str | None) -> None:
        self.set_class(reason is not None, "-on")
        if reason is not None:
            # The reason is typed by a person: shown as plain text, never read as markup.
            self.update(
                Text(
                    f"CRISIS PAUSE: {reason or 'no reason given'} · scheduled posts held,"
                    " urgent posts still go out · resume from Channels (6)"
                )
            )
