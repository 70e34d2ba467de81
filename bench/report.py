"""What a benchmark module returns, and how the report is written.

Each ``bench/bench_<area>.py`` defines ``run() -> Section``. Every figure is
measured next to a baseline run in the same process, so the ratio means
something on a shared, noisy machine.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Row:
    measure: str
    figure: str
    baseline: str = ""
    ratio: str = ""
    target: str = ""


@dataclass
class Section:
    title: str
    rows: list[Row] = field(default_factory=list)
    notes: str = ""

    def markdown(self) -> str:
        lines = [f"## {self.title}", ""]
        if self.notes:
            lines += [self.notes.strip(), ""]
        lines += [
            "| measure | oyez | baseline (same run) | ratio | target |",
            "| --- | --- | --- | --- | --- |",
        ]
        for r in self.rows:
            lines.append(f"| {r.measure} | {r.figure} | {r.baseline} | {r.ratio} | {r.target} |")
        return "\n".join(lines) + "\n"
