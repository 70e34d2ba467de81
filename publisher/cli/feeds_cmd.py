"""``oyez feeds …``: subscribe to blog feeds, list them, poll them now, remove them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer
from rich.table import Column, Table

from publisher.cli.common import (
    ChannelsOpt,
    JsonOpt,
    console,
    emit_json,
    err_console,
    split_names,
    state,
)
from publisher.sources.feeds import subscriptions as service
from publisher.sources.feeds.poll import PollResult
from publisher.sources.feeds.template import DEFAULT as DEFAULT_TEMPLATE


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "never"


def _summary(result: PollResult) -> str:
    if result.status == "skipped":
        return f"{result.feed}: not due"
    if result.status == "error" and result.new == 0 and result.posts == 0:
        return f"{result.feed}: error: {result.error}"
    parts = ["not modified" if result.status == "unchanged" else f"{result.new} new"]
    if result.recognised:
        parts.append(f"{result.recognised} recognised (GUID changed)")
    parts.append(f"{result.posts} posted")
    if result.held:
        parts.append(f"{result.held} held for review")
    if result.dropped:
        parts.append(f"{result.dropped} dropped")
    if result.failed:
        parts.append(f"{result.failed} with nothing to post (no title, link or summary)")
    if result.waiting:
        parts.append(f"{result.waiting} waiting (daily cap)")
    parts += [f"{count} skipped: {why}" for why, count in result.skipped.items()]
    line = f"{result.feed}: " + ", ".join(parts)
    return line + (f"; error: {result.error}" if result.error else "")


def register(app: typer.Typer) -> None:
    feeds = typer.Typer(help="Feeds: cross-post new blog entries.", no_args_is_help=True)

    @feeds.command("add")
    def add(
        ctx: typer.Context,
        url: Annotated[
            str, typer.Argument(help="The feed's URL (http, https or file).", metavar="URL")
        ],
        to: ChannelsOpt,
        name: Annotated[
            str | None,
            typer.Option("--name", help="A short name (default: from the title).", metavar="NAME"),
        ] = None,
        template: Annotated[
            str,
            typer.Option(
                "--template",
                help="Post text: {title} {link} {summary:.120} {author} {tags}.",
                metavar="TEMPLATE",
            ),
        ] = DEFAULT_TEMPLATE,
        mode: Annotated[
            str,
            typer.Option(
                "--mode", help="review (wait for sign-off) or auto (schedule).", metavar="MODE"
            ),
        ] = "review",
        every: Annotated[
            int, typer.Option("--every", help="Minutes between polls.", metavar="MINUTES")
        ] = 30,
        max_per_day: Annotated[
            int | None,
            typer.Option("--max-per-day", help="At most this many posts a day.", metavar="N"),
        ] = None,
        backfill: Annotated[
            int, typer.Option("--backfill", help="Post the newest N entries at once.", metavar="N")
        ] = 0,
        max_age: Annotated[
            int | None,
            typer.Option(
                "--max-age", help="Skip entries older than this many days.", metavar="DAYS"
            ),
        ] = None,
        include: Annotated[
            str | None,
            typer.Option("--include", help="Only entries matching this regex.", metavar="REGEX"),
        ] = None,
        exclude: Annotated[
            str | None,
            typer.Option("--exclude", help="No entries matching this regex.", metavar="REGEX"),
        ] = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Subscribe to a feed. What it has now is recorded, not posted (see --backfill)."""
        options = service.FeedOptions(
            name=name,
            template=template,
            mode=mode,
            every_minutes=every,
            max_per_day=max_per_day,
            backfill=backfill,
            max_age_days=max_age,
            include=include,
            exclude=exclude,
        )
        view, result = service.add_feed(state(ctx).open(), url, split_names(to), options)
        if as_json:
            emit_json({"feed": view.to_dict(), "poll": result.to_dict()})
            return
        console.print(
            f"subscribed {view.name}: {view.entries_seen} entries recorded, "
            f"{result.posts} posted now; polled every {view.every_minutes} min ({view.mode})",
            highlight=False,
            markup=False,
        )
        if result.error:
            err_console.print(f"warning: {result.error}", highlight=False, markup=False)

    @feeds.command("list")
    def list_(ctx: typer.Context, as_json: JsonOpt = False) -> None:
        """List feeds: last poll, status, entries seen, posts made, errors."""
        views = service.list_feeds(state(ctx).open())
        if as_json:
            emit_json([v.to_dict() for v in views])
            return
        if not views:
            console.print("no feeds yet: add one with `oyez feeds add URL --to CHANNEL`")
            return
        table = Table(
            Column("name", no_wrap=True),
            "to",
            "mode",
            "last poll",
            "status",
            "seen",
            "posted",
            "error",
        )
        for v in views:
            status = v.status + (f" ×{v.error_count}" if v.error_count > 1 else "")
            if v.waiting:
                status += f", {v.waiting} waiting"
            table.add_row(
                v.name,
                ",".join(v.channels),
                v.mode,
                _when(v.last_polled_at),
                status,
                str(v.entries_seen),
                str(v.posts_made),
                v.last_error or "",
            )
        console.print(table)

    @feeds.command("poll")
    def poll(
        ctx: typer.Context,
        name: Annotated[
            str | None, typer.Argument(help="One feed (default: all).", metavar="NAME")
        ] = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Poll now (the daemon polls each feed on its interval). Exit 1 if a feed failed."""
        results = service.poll_feeds(state(ctx).open(), name)
        if as_json:
            emit_json([r.to_dict() for r in results])
        else:
            if not results:
                console.print("no feeds to poll")
            for r in results:
                console.print(_summary(r), highlight=False, markup=False)
        if any(r.status == "error" or r.error for r in results):
            raise typer.Exit(1)

    @feeds.command("remove")
    def remove(
        ctx: typer.Context,
        name: Annotated[
            str, typer.Argument(help="The feed, as `feeds list` names it.", metavar="NAME")
        ],
    ) -> None:
        """Unsubscribe; posts already made stay in the queue."""
        dropped = service.remove_feed(state(ctx).open(), name)
        console.print(f"removed feed {name} ({dropped} ledger entries)", highlight=False)

    app.add_typer(feeds, name="feeds")
