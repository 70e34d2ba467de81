"""``oyez inbox …``: poll the streams, read items, assign, close and answer them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from publisher.cli.common import JsonOpt, console, emit_json, shown, state
from publisher.context.times import parse_when
from publisher.service import inbox as service
from publisher.service import listening
from publisher.service.inbox import ItemView

ItemArg = Annotated[
    int, typer.Argument(help="The item's number (see `oyez inbox list`).", metavar="ITEM")
]


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "-"


def _first_line(text: str, width: int = 80) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= width else line[: width - 1] + "…"


def _show(item: ItemView) -> None:
    head = Text()
    head.append(f"item {item.id}", style="bold")
    head.append(f" · {item.state}")
    if item.urgent:
        head.append(" · URGENT", style="bold red")
    console.print(head)
    rows = [
        ("from", f"{item.author_name} ({item.author_handle})"),
        ("on", f"{item.channel} · {', '.join(item.streams) or '-'} · {item.kind}"),
        ("posted", _when(item.created_at)),
        ("url", item.url or "-"),
        (
            "answers",
            f"post {item.answers_post_id}" if item.answers_post_id else (item.in_reply_to or "-"),
        ),
        ("assignee", item.assignee or "-"),
        ("tags", ", ".join(item.tags) or "-"),
        ("reply", f"post {item.reply_post_id}" if item.reply_post_id else "-"),
    ]
    for label, value in rows:
        line = Text(f"{label:>9}: ", style="dim")
        line.append_text(shown(value))
        console.print(line)
    console.print()
    console.print(shown(item.text))


def register(app: typer.Typer) -> None:
    inbox = typer.Typer(
        help="Inbox: what the listening streams collected, and the answers to it.",
        no_args_is_help=True,
    )

    @inbox.command("poll")
    def poll(ctx: typer.Context, as_json: JsonOpt = False) -> None:
        """Run one round of every due stream now (`oyez run` does this on each stream's interval)."""
        result = listening.poll(state(ctx).open())
        if as_json:
            emit_json({**result.to_dict(), "new": result.new})
            return
        if not result.streams:
            console.print("no stream is due")
        for r in result.streams:
            if r.rate_limited_until is not None:
                line = f"{r.stream}: rate limited until {_when(r.rate_limited_until)}"
            elif r.error:
                line = f"{r.stream}: error: {r.error}"
            else:
                line = f"{r.stream}: {r.new} new of {r.seen}" + (
                    "" if r.complete else ", more next round"
                )
                line += ", SPIKE" if r.spike else ""
            console.print(shown(line))
        if result.purged:
            console.print(shown(f"purged {result.purged} items older than the retention"))

    @inbox.command("list")
    def list_(
        ctx: typer.Context,
        state_: Annotated[
            str | None,
            typer.Option("--state", help="new, assigned, replied, done or ignored.", metavar="S"),
        ] = None,
        stream: Annotated[
            str | None, typer.Option("--stream", help="Only this stream's items.", metavar="NAME")
        ] = None,
        channel: Annotated[
            str | None, typer.Option("--channel", help="Only this channel's items.", metavar="CH")
        ] = None,
        limit: Annotated[int, typer.Option("--limit", help="At most this many.", min=1)] = 50,
        as_json: JsonOpt = False,
    ) -> None:
        """Items, newest first."""
        items = service.list_items(
            state(ctx).open(), state=state_, stream=stream, channel=channel, limit=limit
        )
        if as_json:
            emit_json([i.to_dict() for i in items])
            return
        if not items:
            console.print("the inbox is empty")
            return
        table = Table("item", "posted", "state", "from", "text")
        for i in items:
            flag = Text("! ", style="bold red") if i.urgent else Text("")
            table.add_row(
                str(i.id),
                _when(i.created_at),
                shown(i.state + (f" ({i.assignee})" if i.assignee else "")),
                shown(i.author_handle),
                flag + shown(_first_line(i.text)),
            )
        console.print(table)

    @inbox.command("show")
    def show(ctx: typer.Context, item: ItemArg, as_json: JsonOpt = False) -> None:
        """One item in full."""
        view = service.get_item(state(ctx).open(), item)
        if as_json:
            emit_json(view.to_dict())
        else:
            _show(view)

    @inbox.command("assign")
    def assign(
        ctx: typer.Context,
        item: ItemArg,
        user: Annotated[str, typer.Argument(help="Who will deal with it.", metavar="USER")],
    ) -> None:
        """Give an item to a person."""
        view = service.assign_item(state(ctx).open(), item, user)
        console.print(shown(f"item {view.id} assigned to {view.assignee}"))

    @inbox.command("done")
    def done(ctx: typer.Context, item: ItemArg) -> None:
        """Close an item: dealt with."""
        view = service.done_item(state(ctx).open(), item)
        console.print(shown(f"item {view.id} done"))

    @inbox.command("ignore")
    def ignore(ctx: typer.Context, item: ItemArg) -> None:
        """Close an item: nothing to do."""
        view = service.ignore_item(state(ctx).open(), item)
        console.print(shown(f"item {view.id} ignored"))

    @inbox.command("reply")
    def reply(
        ctx: typer.Context,
        item: ItemArg,
        text: Annotated[str, typer.Argument(help="The answer.", metavar="TEXT")],
        at: Annotated[
            str | None,
            typer.Option(
                "--at",
                help="When to send, ISO 8601 with an offset or Z (default: once approved).",
                metavar="TIME",
            ),
        ] = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Answer an item: a post on its channel, checked and signed off like any post,
        threaded under the item."""
        result = service.reply_to_item(
            state(ctx).open(), item, text, at=parse_when(at) if at else None
        )
        if as_json:
            emit_json(result.to_dict())
            return
        post = result.post
        console.print(
            shown(f"reply is post {post.id} ({post.state.replace('_', ' ')}); item {item} replied")
        )
        for finding in post.findings:
            console.print(shown(f"  {finding.get('severity')}: {finding.get('message')}"))

    app.add_typer(inbox, name="inbox")
