"""``oyez tips …`` and ``oyez cadence …``: tip pools and the cadences that post them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from publisher.cli.common import ChannelsOpt, JsonOpt, console, emit_json, split_names, state
from publisher.context.times import parse_when
from publisher.engine.producers import PICKED_UP
from publisher.errors import InvalidInput
from publisher.sources.tips import cadences, pools

CadenceArg = Annotated[str, typer.Argument(metavar="NAME", help="The cadence's name.")]
PoolOpt = Annotated[
    str, typer.Option("--pool", help="The tip pool (created if new).", metavar="POOL")
]
ReviewOpt = Annotated[
    bool,
    typer.Option(
        "--review",
        help="Do not sign the tips off: each of their posts waits for an approver.",
    ),
]


def _variants(pairs: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        channel, sep, text = pair.partition("=")
        if not sep or not channel.strip():
            raise InvalidInput(f"--variant {pair!r} is not CHANNEL=TEXT")
        out[channel.strip()] = text
    return out


def _first_line(text: str, width: int = 70) -> str:
    line = text.splitlines()[0] if text else ""
    return line if len(line) <= width else line[: width - 1] + "…"


def _tips(app: typer.Typer) -> None:
    tips = typer.Typer(help="Tip pools: import, add, list and retire tips.", no_args_is_help=True)

    @tips.command("import")
    def import_(
        ctx: typer.Context,
        file: Annotated[
            Path, typer.Argument(help="A .yaml/.yml or .csv file of tips.", metavar="FILE")
        ],
        pool: PoolOpt,
        review: ReviewOpt = False,
        as_json: JsonOpt = False,
    ) -> None:
        """Import tips; every bad row is reported with its line and then nothing is imported.

        Importing signs the tips off for unattended posting (recorded in the audit
        log as you), unless --review is given.

        YAML: a list of tips, each a plain line of text ("- Tip: your bank never
        asks for a code." is taken as written), or a mapping with text and
        optionally tags, variants (channel: text), media (path, alt), valid_from
        and valid_until (times with an offset). A top-level "tips:" key may hold
        the list.

        CSV: a header row with text and optionally tags (separated by ; or ,),
        valid_from, valid_until, media, alt and variant:CHANNEL columns. Media
        paths are relative to the file.
        """
        result = pools.import_tips(state(ctx).open(), file, pool, approve=not review)
        if as_json:
            emit_json(
                {
                    "pool": result.pool,
                    "added": list(result.added),
                    "skipped": result.skipped,
                    "approved_by": result.approved_by,
                }
            )
            return
        signed = f"signed off by {result.approved_by}" if result.approved_by else "need review"
        console.print(
            f"imported {len(result.added)} tip(s) into pool {result.pool} ({signed}); "
            f"{result.skipped} already in the pool",
            highlight=False,
        )

    @tips.command("add")
    def add(
        ctx: typer.Context,
        text: Annotated[str, typer.Argument(help="The tip's text.", metavar="TEXT")],
        pool: PoolOpt,
        tag: Annotated[
            list[str] | None, typer.Option("--tag", help="A tag; repeat.", metavar="TAG")
        ] = None,
        valid_from: Annotated[
            str | None,
            typer.Option("--from", help="Active from (ISO 8601 with offset).", metavar="TIME"),
        ] = None,
        valid_until: Annotated[
            str | None,
            typer.Option("--until", help="Active until (ISO 8601 with offset).", metavar="TIME"),
        ] = None,
        variant: Annotated[
            list[str] | None,
            typer.Option(
                "--variant",
                help="Text for one channel, CHANNEL=TEXT; repeat.",
                metavar="CHANNEL=TEXT",
            ),
        ] = None,
        review: ReviewOpt = False,
        as_json: JsonOpt = False,
    ) -> None:
        """Add one tip to a pool."""
        view = pools.add_tip(
            state(ctx).open(),
            pool,
            text,
            tags=tag or [],
            valid_from=parse_when(valid_from) if valid_from else None,
            valid_until=parse_when(valid_until) if valid_until else None,
            variants=_variants(variant or []),
            approve=not review,
        )
        if as_json:
            emit_json(view.to_dict())
        else:
            console.print(f"added tip {view.id} to pool {view.pool}", highlight=False)

    @tips.command("list")
    def list_(
        ctx: typer.Context,
        pool: Annotated[
            str | None, typer.Option("--pool", help="Only this pool.", metavar="POOL")
        ] = None,
        as_json: JsonOpt = False,
    ) -> None:
        """List tips with their status and how often they went out."""
        views = pools.list_tips(state(ctx).open(), pool)
        if as_json:
            emit_json([v.to_dict() for v in views])
            return
        if not views:
            console.print("no tips yet: oyez tips import FILE --pool NAME")
            return
        table = Table("id", "pool", "status", "served", "tags", "text")
        for v in views:
            table.add_row(
                str(v.id), v.pool, v.status, str(v.served), ",".join(v.tags), _first_line(v.text)
            )
        console.print(table)

    @tips.command("retire")
    def retire(
        ctx: typer.Context,
        tip_id: Annotated[
            int, typer.Argument(metavar="ID", help="The tip's number (see `oyez tips list`).")
        ],
    ) -> None:
        """Retire a tip: it never goes out again."""
        view = pools.retire_tip(state(ctx).open(), tip_id)
        console.print(f"retired tip {view.id} of pool {view.pool}", highlight=False)

    app.add_typer(tips, name="tips")


def _cadence(app: typer.Typer) -> None:
    cad = typer.Typer(help="Cadences: when a tip pool posts, and where.", no_args_is_help=True)

    @cad.command("add")
    def add(
        ctx: typer.Context,
        name: Annotated[str, typer.Argument(help="A short name, e.g. daily-tips.", metavar="NAME")],
        pool: Annotated[
            str, typer.Option("--pool", help="The tip pool it posts from.", metavar="POOL")
        ],
        cron: Annotated[
            str,
            typer.Option(
                "--cron",
                help='Five crontab fields, weekday 0/7 = Sunday: "0 9 * * 1-5".',
                metavar="CRON",
            ),
        ],
        tz: Annotated[
            str, typer.Option("--tz", help="The time zone the cron is read in.", metavar="ZONE")
        ],
        to: ChannelsOpt,
        skip_dates: Annotated[
            Path | None,
            typer.Option(
                "--skip-dates",
                help="A file of dates with no posts, one YYYY-MM-DD (or A..B) a line.",
                metavar="FILE",
            ),
        ] = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Add a cadence (the daemon fires it)."""
        context = state(ctx).open()
        dates = cadences.read_skip_dates(skip_dates) if skip_dates else []
        view = cadences.add_cadence(
            context,
            name,
            pool=pool,
            cron=cron,
            timezone=tz,
            channels=split_names(to),
            skip_dates=dates,
        )
        if as_json:
            emit_json(view.to_dict())
            return
        nxt = view.next_at.isoformat() if view.next_at else "never"
        console.print(f"added cadence {view.name}; next post {nxt}", highlight=False)
        console.print(PICKED_UP, highlight=False)

    @cad.command("list")
    def list_(ctx: typer.Context, as_json: JsonOpt = False) -> None:
        """List cadences and their next post."""
        views = cadences.list_cadences(state(ctx).open())
        if as_json:
            emit_json([v.to_dict() for v in views])
            return
        if not views:
            console.print("no cadences yet: oyez cadence add NAME --pool P --cron … --tz … --to …")
            return
        table = Table("name", "pool", "cron", "time zone", "channels", "next", "served", "status")
        for v in views:
            table.add_row(
                v.name,
                v.pool,
                v.cron,
                v.timezone,
                ",".join(v.channels),
                v.next_at.isoformat() if v.next_at else "—",
                str(v.served),
                "paused" if v.paused else "running",
            )
        console.print(table)

    @cad.command("preview")
    def preview(
        ctx: typer.Context,
        name: CadenceArg,
        count: Annotated[
            int, typer.Option("--count", help="How many posts to show.", metavar="N")
        ] = 10,
        as_json: JsonOpt = False,
    ) -> None:
        """The next posts of a cadence: local time (with offset) and tip."""
        context = state(ctx).open()
        items = cadences.preview(context, name, count=count)
        if as_json:
            emit_json([i.to_dict() for i in items])
            return
        if any(v.paused for v in cadences.list_cadences(context) if v.name == name):
            console.print(f"cadence {name} is paused: these are the posts it would make if resumed")
        table = Table("at", "tip", "text")
        for i in items:
            table.add_row(
                i.at.isoformat(),
                str(i.tip_id) if i.tip_id is not None else "—",
                _first_line(i.text) if i.text else "(no active tip)",
            )
        console.print(table)

    @cad.command("pause")
    def pause(ctx: typer.Context, name: CadenceArg) -> None:
        """Stop a cadence posting until resumed."""
        view = cadences.pause_cadence(state(ctx).open(), name)
        console.print(f"paused cadence {view.name}", highlight=False)

    @cad.command("resume")
    def resume(ctx: typer.Context, name: CadenceArg) -> None:
        """Let a paused cadence post again."""
        view = cadences.resume_cadence(state(ctx).open(), name)
        nxt = view.next_at.isoformat() if view.next_at else "never"
        console.print(f"resumed cadence {view.name}; next post {nxt}", highlight=False)
        console.print(PICKED_UP, highlight=False)

    @cad.command("remove")
    def remove(ctx: typer.Context, name: CadenceArg, as_json: JsonOpt = False) -> None:
        """Delete a cadence; its posts stay, and the pool's rotation still counts its firings."""
        kept = cadences.remove_cadence(state(ctx).open(), name)
        if as_json:
            emit_json({"name": name, "firings_kept": kept})
            return
        console.print(
            f"removed cadence {name}; {kept} firing(s) kept in the tip ledger without it",
            highlight=False,
        )

    app.add_typer(cad, name="cadence")


def register(app: typer.Typer) -> None:
    _tips(app)
    _cadence(app)
