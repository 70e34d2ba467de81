"""The guideline findings beside the editor; choosing one jumps to it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from publisher.guidelines import Finding
from publisher.tui.format import COLOURS, SEVERITY_COLOURS, SEVERITY_MARKS


class FindingsList(OptionList):
    """Shows findings worst first; posts :class:`FindingsList.Chosen` on enter or click."""

    @dataclass
    class Chosen(Message):
        finding: Finding

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.findings: tuple[Finding, ...] = ()

    def show(self, findings: Sequence[Finding]) -> None:
        ordered = tuple(sorted(findings, key=lambda f: (-f.severity.rank, f.start)))
        if ordered == self.findings and self.option_count:
            return
        self.findings = ordered
        highlighted = self.highlighted
        self.clear_options()
        if not ordered:
            self.add_option(Option(Text("✓ no findings", style=COLOURS["ok"]), disabled=True))
            return
        for index, finding in enumerate(ordered):
            colour = SEVERITY_COLOURS[finding.severity.value]
            label = Text.assemble(
                (f"{SEVERITY_MARKS[finding.severity.value]} {finding.rule}", f"bold {colour}"),
                f" {finding.line}:{finding.column}\n",
                finding.message,
            )
            if finding.fix is not None:
                label.append(f"\nfix: {finding.fix!r} (ctrl+f)", style="italic")
            self.add_option(Option(label, id=str(index)))
        if highlighted is not None and highlighted < len(ordered):
            self.highlighted = highlighted

    def current(self) -> Finding | None:
        index = self.highlighted
        if index is None or not self.findings or index >= len(self.findings):
            return None
        return self.findings[index]

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.post_message(self.Chosen(self.findings[int(event.option.id)]))
