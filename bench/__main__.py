"""``make bench``: run every ``bench/bench_*.py`` and write docs/BENCHMARKS.md.

Each module's ``run()`` returns a :class:`bench.report.Section`. The report
names the machine and the date; every figure stands beside a baseline
measured in the same process, so the ratio survives a noisy shared machine.
"""

from __future__ import annotations

import importlib
import os
import platform
import sys
import traceback
from datetime import UTC, datetime
from pathlib import Path

from bench.report import Section

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "BENCHMARKS.md"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return f"{cpu}, {os.cpu_count()} cores{mem}, {platform.system()} {platform.release()}, Python {platform.python_version()}"


MARK = "<!-- bench:{} -->"


def previous_sections() -> dict[str, str]:
    """Sections already in the report, by module, so a partial run keeps the others."""
    if not OUT.exists():
        return {}
    found: dict[str, str] = {}
    for part in OUT.read_text(encoding="utf-8").split("<!-- bench:")[1:]:
        name, _, body = part.partition(" -->")
        found[name.strip()] = body.strip("\n") + "\n"
    return found


def main(argv: list[str]) -> int:
    only = set(argv)
    modules = sorted(p.stem for p in (ROOT / "bench").glob("bench_*.py"))
    kept = previous_sections()
    bodies: dict[str, str] = {}
    carried: list[str] = []
    failed = 0
    for name in modules:
        if only and name not in only and name.removeprefix("bench_") not in only:
            if name in kept:
                bodies[name] = kept[name]
                carried.append(name)
            continue
        print(f"bench: running {name} …", flush=True)
        try:
            section: Section = importlib.import_module(f"bench.{name}").run()
            bodies[name] = section.markdown()
        except Exception:
            failed += 1
            traceback.print_exc()
            bodies[name] = (
                f"## {name}\n\nThis benchmark failed to run; see the output of `make bench`.\n"
            )
    header = [
        "# oyez benchmarks",
        "",
        "Written by `make bench` (bench/__main__.py). Every figure is measured beside a",
        "baseline run in the same process; compare ratios, not absolute times, across machines.",
        "",
        f"- machine: {machine()}",
        f"- date of this run: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
    ]
    if carried:
        header.append(f"- kept from an earlier run (not re-run this time): {', '.join(carried)}")
    sections = [f"{MARK.format(name)}\n{body}" for name, body in bodies.items()]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("\n".join(header) + "\n\n" + "\n".join(sections), encoding="utf-8")
    print(f"bench: wrote {OUT.relative_to(ROOT)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
