"""``oyez listen …``: subscribe streams of mentions or saved searches, list, pause, remove."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Annotated

import typer
from rich.table import Table

from publisher.cli.common import JsonOpt, console, emit_json, shown, state
from publisher.context.times import parse_when
from publisher.errors import InvalidInput
from publisher.service import streams as service
from queue_db.states import StreamKind

_AGO = re.compile(r"^(\d{1,4})\s*([hd])$")


def parse_since(text: str, now: datetime) -> datetime:
    """``48h``, ``3d`` (that long ago) or an ISO 8601 time with an offset."""
    ago = _AGO.match(text.strip().lower())
    if ago:
        amount = int(ago.group(1))
        return now - (timedelta(hours=amount) if ago.group(2) == "h" else timedelta(days=amount))
    return parse_when(text)


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "-"


def register(app: typer.Typer) -> None:
    listen = typer.Typer(
        help="Listen: streams of mentions and saved searches that fill the inbox.",
        no_args_is_help=True,
    )

    @listen.command("add")
    def add(
        ctx: typer.Context,
        name: Annotated[str, typer.Argument(help="A short name for the stream.", metavar="NAME")],
        on: Annotated[str, typer.Option("--on", help="The channel to listen on.", metavar="CH")],
        mentions: Annotated[
            bool,
            typer.Option("--mentions", help="Mentions of and replies to the channel's account."),
        ] = False,
        query: Annotated[
            str | None,
            typer.Option("--query", help="A saved search: keywords, hashtags.", metavar="TEXT"),
        ] = None,
        every: Annotated[
            int, typer.Option("--every", help="Minutes between rounds.", metavar="MINUTES")
        ] = 5,
        since: Annotated[
            str | None,
            typer.Option(
                "--since",
                help="How far back the first round reaches: 48h, 3d or an ISO 8601 time "
                "(default 24h, at most 30 days).",
                metavar="WHEN",
            ),
        ] = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Subscribe a stream: --mentions, or --query TEXT. The first round takes the last 24 h."""
        if mentions == (query is not None):
            raise InvalidInput("give either --mentions or --query TEXT")
        context = state(ctx).open()
        view = service.add_stream(
            context,
            name,
            on,
            StreamKind.MENTIONS if mentions else StreamKind.QUERY,
            query=query,
            every_minutes=every,
            since=parse_since(since, context.clock()) if since else None,
        )
        if as_json:
            emit_json(view.to_dict())
            return
        what = "mentions" if mentions else f"search {view.query!r}"
        console.print(
            shown(
                f"listening on {view.channel} for {what} every {view.every_minutes} min as "
                f"{view.name} (from {_when(view.since)})"
            )
        )

    @listen.command("list")
    def list_(ctx: typer.Context, as_json: JsonOpt = False) -> None:
        """Every stream, with its last round and its items by state."""
        views = service.list_streams(state(ctx).open())
        if as_json:
            emit_json([v.to_dict() for v in views])
            return
        if not views:
            console.print("no streams: add one with `oyez listen add NAME --on CH --mentions`")
            return
        table = Table("name", "channel", "kind", "every", "last round", "items", "status")
        for v in views:
            status = (
                "paused"
                if v.paused
                else (v.last_error or ("more to read" if not v.complete else "ok"))
            )
            items = ", ".join(f"{n} {s}" for s, n in sorted(v.counts.items())) or "0"
            kind = "mentions" if v.kind is StreamKind.MENTIONS else f"query {v.query}"
            table.add_row(
                shown(v.name),
                shown(v.channel),
                shown(kind),
                f"{v.every_minutes} min",
                _when(v.last_polled_at),
                items,
                shown(status),
            )
        console.print(table)

    @listen.command("remove")
    def remove(
        ctx: typer.Context,
        name: Annotated[str, typer.Argument(help="The stream.", metavar="NAME")],
    ) -> None:
        """Stop listening; the items it collected stay in the inbox."""
        service.remove_stream(state(ctx).open(), name)
        console.print(shown(f"removed stream {name}"))

    @listen.command("pause")
    def pause(
        ctx: typer.Context,
        name: Annotated[str, typer.Argument(help="The stream.", metavar="NAME")],
    ) -> None:
        """Stop polling a stream for now (its cursor is kept)."""
        service.pause_stream(state(ctx).open(), name)
        console.print(shown(f"paused stream {name}"))

    @listen.command("resume")
    def resume(
        ctx: typer.Context,
        name: Annotated[str, typer.Argument(help="The stream.", metavar="NAME")],
    ) -> None:
        """Poll a paused stream again, from where it stopped."""
        service.resume_stream(state(ctx).open(), name)
        console.print(shown(f"resumed stream {name}"))

    app.add_typer(listen, name="listen")
