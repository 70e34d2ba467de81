"""``oyez export`` and ``oyez prune-drafts``: the archive out, and the one explicit deletion."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from publisher.cli.common import JsonOpt, console, emit_json, err_console, state
from publisher.context import Context
from publisher.errors import InvalidInput, os_reason
from publisher.service import archive
from publisher.service.archive import Progress as ProgressFn

SinceOpt = Annotated[
    str | None,
    typer.Option("--since", help="From this day (YYYY-MM-DD) or time.", metavar="DATE"),
]
UntilOpt = Annotated[
    str | None,
    typer.Option("--until", help="Up to the end of this day, or this time.", metavar="DATE"),
]


@contextmanager
def progress_bar(label: str, *, enabled: bool = True) -> Iterator[ProgressFn | None]:
    """A progress callback drawing a bar on stderr, or ``None`` when stderr is no terminal."""
    if not enabled or not err_console.is_terminal:
        yield None
        return
    columns = (
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err_console, transient=True) as bar:
        task = bar.add_task(label, total=None)

        def advance(done: int, total: int | None) -> None:
            bar.update(task, completed=done, total=total)

        yield advance


def parse_period(
    context: Context, since: str | None, until: str | None
) -> tuple[datetime | None, datetime | None]:
    return (
        archive.parse_bound(context, since) if since else None,
        archive.parse_bound(context, until, end=True) if until else None,
    )


def register(app: typer.Typer) -> None:
    @app.command("export")
    def export(
        ctx: typer.Context,
        fmt: Annotated[
            str, typer.Option("--format", "-f", help="csv, json or jsonl.", metavar="FORMAT")
        ] = "csv",
        since: SinceOpt = None,
        until: UntilOpt = None,
        channel: Annotated[
            str | None, typer.Option("--channel", help="Only this channel.", metavar="CH")
        ] = None,
        include_audit: Annotated[
            bool, typer.Option("--include-audit", help="Add the audit log of each post.")
        ] = False,
        include_inbox: Annotated[
            bool,
            typer.Option(
                "--include-inbox", help="Add every inbox item after the records (JSON only)."
            ),
        ] = False,
        output: Annotated[
            Path | None,
            typer.Option("--output", "-o", help="Write here instead of stdout.", metavar="FILE"),
        ] = None,
        bom: Annotated[
            bool, typer.Option("--bom", help="Start with a UTF-8 byte order mark (for Excel).")
        ] = False,
    ) -> None:
        """Stream the archive: every delivery with its final text, remote id, URL and time sent."""
        context = state(ctx).open()
        since_at, until_at = parse_period(context, since, until)
        if fmt not in archive.FORMATS:
            raise InvalidInput(f"unknown format {fmt!r} (one of {', '.join(archive.FORMATS)})")
        query = archive.ArchiveQuery(since_at, until_at, channel, include_audit, include_inbox)
        # A bar on the terminal the records are streaming to would be torn by them.
        with progress_bar(
            "exporting", enabled=output is not None or not sys.stdout.isatty()
        ) as progress:
            if output is None:
                count = archive.export_archive(
                    context, sys.stdout, query, fmt, bom=bom, progress=progress
                )
            else:
                count = _to_file(context, output, query, fmt, bom, progress)
        where = str(output) if output else "stdout"
        err_console.print(f"exported {count} records to {where}", highlight=False)

    @app.command("prune-drafts")
    def prune_drafts(
        ctx: typer.Context,
        older_than: Annotated[
            int | None,
            typer.Option(
                "--older-than",
                help="Drafts untouched for this many days (default: archive.draft_retention_days).",
                metavar="DAYS",
            ),
        ] = None,
        dry_run: Annotated[
            bool, typer.Option("--dry-run", help="Only say which drafts would go.")
        ] = False,
        as_json: JsonOpt = False,
    ) -> None:
        """Delete old drafts that never went anywhere (nothing else is ever pruned)."""
        result = archive.prune_drafts(state(ctx).open(), older_than, dry_run=dry_run)
        if as_json:
            emit_json(result.to_dict())
            return
        verb = "would prune" if dry_run else "pruned"
        ids = ", ".join(str(i) for i in result.post_ids[:20])
        more = " …" if len(result.post_ids) > 20 else ""
        console.print(
            f"{verb} {len(result.post_ids)} drafts untouched since "
            f"{result.before:%Y-%m-%d %H:%M} UTC" + (f": {ids}{more}" if ids else ""),
            highlight=False,
        )


@contextmanager
def replacing(output: Path) -> Iterator[Path]:
    """A file beside ``output`` to write; it becomes ``output`` only if the block succeeds.

    So a failed write never leaves half a file, nor spoils the one already there.
    """
    partial = output.with_name(output.name + ".partial")
    try:
        yield partial
        os.replace(partial, output)
    except OSError as exc:
        raise InvalidInput(f"cannot write {output}: {os_reason(exc)}") from None
    finally:
        partial.unlink(missing_ok=True)


def _to_file(
    context: Context,
    output: Path,
    query: archive.ArchiveQuery,
    fmt: str,
    bom: bool,
    progress: ProgressFn | None,
) -> int:
    with replacing(output) as partial, partial.open("w", encoding="utf-8", newline="") as handle:
        return archive.export_archive(context, handle, query, fmt, bom=bom, progress=progress)
