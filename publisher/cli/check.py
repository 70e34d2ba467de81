"""``oyez check``: the guideline engine on the command line, with linter exit codes.

Exit 0 when no finding is an error, 1 when one is, 2 for bad input (an
unreadable file, a malformed pack, an unknown channel or source).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from publisher.cli.common import emit_json, fail
from publisher.errors import os_reason
from publisher.guidelines import (
    SOURCES,
    Checker,
    Finding,
    LengthInfo,
    PackError,
    Target,
    has_errors,
    load_pack,
)

#: Turns the ``--to`` values into targets; raises ValueError for an unknown one.
TargetResolver = Callable[[list[str]], list[Target]]

BAD_INPUT = 2


def kind_targets(names: list[str]) -> list[Target]:
    """Read each ``--to`` value as a channel kind, with that kind's default limits."""
    from channels.registry import kinds

    known = kinds()
    for name in names:
        if name not in known:
            raise ValueError(f"unknown channel {name!r} (known: {', '.join(known)})")
    return [Target(name=name, kind=name) for name in names]


def read_text(file: str) -> str:
    """The post from ``file`` (``-`` for stdin), without the file's final newline."""
    if file == "-":
        text = sys.stdin.read()
    else:
        try:
            text = Path(file).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            reason = os_reason(exc) if isinstance(exc, OSError) else str(exc)
            fail(f"cannot read {file}: {reason}", BAD_INPUT)
    text = text.rstrip("\r\n")
    if not text.strip():
        fail(f"nothing to check: {'standard input' if file == '-' else file} is empty", BAD_INPUT)
    return text


def render_text(findings: list[Finding]) -> str:
    return "".join(
        f"{f.line}:{f.column} {f.severity.value} {f.rule} {f.message}\n" for f in findings
    )


def render_json(findings: list[Finding], lengths: dict[str, LengthInfo]) -> dict[str, object]:
    return {
        "findings": [f.to_dict() for f in findings],
        "lengths": {name: info.to_dict() for name, info in lengths.items()},
    }


def register(app: typer.Typer, *, resolve_targets: TargetResolver = kind_targets) -> None:
    """Add ``check`` to ``app``; ``resolve_targets`` maps ``--to`` values to targets."""

    @app.command("check")
    def check(
        file: Annotated[
            str,
            typer.Argument(help="File holding the post's text; '-' reads stdin.", metavar="FILE"),
        ] = "-",
        to: Annotated[
            str, typer.Option("--to", help="Channels to check for, comma-separated.", metavar="CH")
        ] = "x",
        source: Annotated[
            str,
            typer.Option(
                "--source",
                help=f"Where the post comes from: {', '.join(SOURCES)}.",
                metavar="SOURCE",
            ),
        ] = "manual",
        pack_file: Annotated[
            Path | None,
            typer.Option(
                "--pack",
                help="Guideline pack (TOML); the default pack when absent.",
                metavar="FILE",
            ),
        ] = None,
        output: Annotated[
            str, typer.Option("--format", help="Output: text or json.", metavar="text|json")
        ] = "text",
        region: Annotated[
            str,
            typer.Option(
                "--region",
                envvar="OYEZ_PHONE_REGION",
                help="Country for phone numbers written without +country.",
                metavar="REGION",
            ),
        ] = "GB",
    ) -> None:
        """Check a post against the guidelines: `line:col severity rule message` per finding."""
        if output not in ("text", "json"):
            fail(f"--format must be text or json, not {output!r}", BAD_INPUT)
        if source not in SOURCES:
            fail(f"--source must be one of {', '.join(SOURCES)}, not {source!r}", BAD_INPUT)
        names = [n.strip() for n in to.split(",") if n.strip()]
        if not names:
            fail("--to needs at least one channel", BAD_INPUT)
        try:
            targets = resolve_targets(names)
            checker = Checker(load_pack(pack_file), phone_region=region)
        except (PackError, ValueError, LookupError) as exc:
            fail(str(exc), BAD_INPUT)
        text = read_text(file)
        findings = checker.check(text, targets=targets, source=source)
        if output == "json":
            emit_json(render_json(findings, checker.lengths(text, targets)))
        else:
            sys.stdout.write(render_text(findings))
        raise typer.Exit(1 if has_errors(findings) else 0)
