"""The post's text area, with guideline findings underlined where they are."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence

from rich.style import Style
from textual import events
from textual.widgets import TextArea

from publisher.context.controls import strip_controls
from publisher.guidelines import Finding
from publisher.tui.format import SEVERITY_COLOURS


def finding_styles() -> dict[str, Style]:
    """Highlight names → styles, underlined and in the current palette's colours."""
    return {
        "oyez-error": Style(color=SEVERITY_COLOURS["error"], underline=True, bold=True),
        "oyez-warning": Style(color=SEVERITY_COLOURS["warning"], underline=True),
        "oyez-suggestion": Style(underline=True),
    }


def line_spans(text: str, findings: Sequence[Finding]) -> dict[int, list[tuple[int, int, str]]]:
    """Findings as ``{row: [(start byte, end byte, highlight name)]}`` for each line.

    Finding offsets count code points; TextArea highlights count UTF-8 bytes per line.
    """
    lines = text.split("\n")
    starts = [0]
    for line in lines[:-1]:
        starts.append(starts[-1] + len(line) + 1)
    out: dict[int, list[tuple[int, int, str]]] = {}
    for finding in findings:
        name = f"oyez-{finding.severity.value}"
        start, end = finding.start, max(finding.end, finding.start + 1)
        row = bisect_right(starts, start) - 1
        while row < len(lines) and starts[row] < end:
            line = lines[row]
            a = max(0, start - starts[row])
            b = min(len(line), end - starts[row])
            if b > a:
                byte_a = len(line[:a].encode())
                byte_b = byte_a + len(line[a:b].encode())
                out.setdefault(row, []).append((byte_a, byte_b, name))
            row += 1
    return out


class PostEditor(TextArea):
    """A soft-wrapping text area that underlines the spans of the findings it is shown."""

    def __init__(self, text: str = "", *, id: str | None = None) -> None:
        super().__init__(text, soft_wrap=True, tab_behavior="focus", id=id)
        self._spans: dict[int, list[tuple[int, int, str]]] = {}

    async def _on_paste(self, event: events.Paste) -> None:
        """A paste loses its control characters before it is shown: what you see is what is saved."""
        event.prevent_default()
        if not self.read_only:
            result = self._replace_via_keyboard(strip_controls(event.text), *self.selection)
            if result:
                self.move_cursor(result.end_location)

    def show_findings(self, findings: Sequence[Finding]) -> None:
        self._spans = line_spans(self.text, findings)
        self._build_highlight_map()
        self.refresh()

    # TextArea has no public hook for highlights that do not come from a grammar:
    # these two private methods are where it builds them and picks their styles.
    def _build_highlight_map(self) -> None:
        self._line_cache.clear()
        self._highlights.clear()
        for row, spans in getattr(self, "_spans", {}).items():
            self._highlights[row].extend(spans)

    def _set_theme(self, theme: str) -> None:
        super()._set_theme(theme)
        self._theme.syntax_styles = {**self._theme.syntax_styles, **finding_styles()}
