"""How a long post will be split into a thread, part by part."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import Static


class ThreadPreview(Static):
    """Hidden while the post fits in one; else shows each part of the thread."""

    DEFAULT_CSS = """
    ThreadPreview { display: none; height: auto; max-height: 10; }
    ThreadPreview.-split { display: block; }
    """

    def show(self, channel: str | None, parts: Sequence[str]) -> None:
        split = channel is not None and len(parts) > 1
        self.set_class(split, "-split")
        if not split:
            return
        text = Text(f"thread on {channel}: {len(parts)} posts", style="bold")
        for index, part in enumerate(parts, 1):
            text.append(f"\n{index}. ", style="bold")
            text.append(part.replace("\n", " ⏎ "))
        self.update(text)
