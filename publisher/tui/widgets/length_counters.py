"""One character counter per target channel, red past its limit."""

from __future__ import annotations

from collections.abc import Mapping

from rich.text import Text
from textual.widgets import Static

from publisher.guidelines import LengthInfo
from publisher.tui.format import COLOURS


class LengthCounters(Static):
    """``council 120/5000 · x 291/280`` with the ones over their limit in red."""

    def show(self, lengths: Mapping[str, LengthInfo]) -> None:
        if not lengths:
            self.update(Text("pick a channel to count its length", style="italic"))
            return
        text = Text()
        for name, info in lengths.items():
            if text:
                text.append("  ·  ")
            style = f"bold {COLOURS['bad']}" if not info.valid or info.length > info.limit else ""
            text.append(f"{name} {info.length}/{info.limit}", style=style)
        self.update(text)
