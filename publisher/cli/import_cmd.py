"""``oyez import``: queue a spreadsheet of posts, all or nothing; or restore an archive export."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from publisher.cli.common import JsonOpt, console, emit_json, err_console, state
from publisher.cli.export_cmd import progress_bar
from publisher.errors import InvalidInput
from publisher.service import archive_restore, bulk_import, import_file


def register(app: typer.Typer) -> None:
    @app.command("import")
    def import_(
        ctx: typer.Context,
        file: Annotated[
            Path,
            typer.Argument(help="A CSV file, or an export with --from-export.", metavar="FILE"),
        ],
        mapping: Annotated[
            list[str] | None,
            typer.Option(
                "--map",
                help="Rename file columns: 'Message=text,Networks=channels' ('Notes=' drops one).",
                metavar="FROM=TO[,…]",
            ),
        ] = None,
        tz: Annotated[
            str | None,
            typer.Option(
                "--tz", help="The zone of times written without an offset.", metavar="ZONE"
            ),
        ] = None,
        dry_run: Annotated[
            bool, typer.Option("--dry-run", help="Check every row; queue nothing.")
        ] = False,
        from_export: Annotated[
            bool,
            typer.Option(
                "--from-export", help="FILE is an `oyez export` (JSON or JSONL) to restore."
            ),
        ] = False,
        as_json: JsonOpt = False,
    ) -> None:
        """Check every row first; queue all of them, or none if any row is bad.

        CSV columns: text, channels, at, media, alt (media and alt: '|' between files).
        """
        if from_export and (mapping or tz):
            raise InvalidInput("--map and --tz are for CSV files, not for --from-export")
        context = state(ctx).open()
        with progress_bar("importing") as progress:
            if from_export:
                result = archive_restore.import_archive(
                    context, file, dry_run=dry_run, progress=progress
                )
            else:
                result = bulk_import.import_csv(
                    context,
                    file,
                    mapping=import_file.parse_map(mapping or []),
                    tz=tz,
                    dry_run=dry_run,
                    progress=progress,
                )
        if as_json:
            emit_json(result.to_dict())
        else:
            for problem in result.problems:
                err_console.print(str(problem), highlight=False, markup=False, soft_wrap=True)
        if result.problems:
            if not as_json:
                err_console.print(
                    f"[bold red]error:[/] {len(result.problems)} of {result.rows} rows are bad: "
                    "nothing was queued",
                    highlight=False,
                )
            raise typer.Exit(2)
        if as_json:
            return
        if result.dry_run:
            console.print(f"all {result.rows} rows are good (dry run: nothing queued)")
            return
        states = ", ".join(f"{n} {s}" for s, n in sorted(result.states.items()))
        verb = "restored" if from_export else "queued"
        console.print(f"{verb} {len(result.post_ids)} posts: {states}", highlight=False)
        if result.paused:
            console.print(
                f"paused {', '.join(result.paused)}: the restore brought deliveries that had "
                "not gone out; check them with `oyez status`, then `oyez resume NAME`",
                highlight=False,
            )
