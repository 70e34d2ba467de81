"""``oyez post …``: the post lifecycle from the command line."""

from __future__ import annotations

import mimetypes
import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from publisher.cli.common import (
    JsonOpt,
    console,
    emit_json,
    err_console,
    say_error,
    shown,
    split_names,
    state,
)
from publisher.cli.post_delivery_cmd import PostIdArg, register_delivery_commands
from publisher.context.times import parse_when
from publisher.errors import InvalidInput, OyezError
from publisher.service import posts as service
from publisher.service.slots import schedule_next_slot
from publisher.service.views import MetricsView, PostView

AsOpt = Annotated[str | None, typer.Option("--as", help="Act as this user.", metavar="USER")]
TextArg = Annotated[str, typer.Argument(metavar="TEXT", help="The post's text.")]


def parse_media(values: list[str]) -> list[dict[str, str]]:
    media = []
    for value in values:
        path, _, alt = value.partition(":")
        file = Path(path).expanduser()
        if not file.is_file():
            raise InvalidInput(f"media file {path!r} does not exist")
        kind = mimetypes.guess_type(file.name)[0] or ""
        if not kind.startswith(("image/", "video/")):
            raise InvalidInput(
                f"media file {path!r} is not an image or video (.jpg, .png, .gif, .webp, .mp4)"
            )
        if not os.access(file, os.R_OK):
            raise InvalidInput(f"media file {path!r} cannot be read")
        media.append({"path": str(file.resolve()), "alt": alt})
    return media


def warn_if_past(at: datetime | None) -> None:
    if at is not None and at < datetime.now(UTC) - timedelta(minutes=1):
        err_console.print(
            f"warning: {at.isoformat()} is in the past; the post goes out as soon as it is "
            "approved and the daemon runs",
            highlight=False,
        )


def show(view: PostView) -> None:
    console.print(
        Text.assemble(
            (f"post {view.id}", "bold"),
            f" · {view.state} · by ",
            shown(view.author),
            " · ",
            view.source,
        )
    )
    when = view.scheduled_at.isoformat() if view.scheduled_at else "not scheduled"
    console.print(f"at: {when}", highlight=False)
    console.print(shown(view.text), highlight=False)
    if view.review_comment:
        console.print(Text("reviewer: ") + shown(view.review_comment), highlight=False)
    if view.override_reason:
        console.print(Text("override: ") + shown(view.override_reason), highlight=False)
    for m in view.media:
        alt = m.get("alt") or "(no alt text)"
        console.print(shown(f"media: {m.get('path')}  alt: {alt}"), highlight=False)
    for f in view.findings:
        console.print(
            shown(
                f"  {f.get('line')}:{f.get('column')} {f.get('severity')} {f.get('rule')} "
                f"{f.get('message')}"
            ),
            highlight=False,
        )
    for d in view.deliveries:
        extra = d.remote_url or d.last_error or ""
        console.print(shown(f"  → {d.channel}: {d.state} {extra}"), highlight=False)
        if d.metrics.collected_at is not None:
            when = d.metrics.collected_at.strftime("%Y-%m-%d %H:%M UTC")
            console.print(f"    reach: {_figures(d.metrics)} (at {when})", highlight=False)
        if len(d.metrics_history) > 1:
            console.print("    over time (UTC):", highlight=False)
            for sample in d.metrics_history:
                at = sample.collected_at.strftime("%Y-%m-%d %H:%M") if sample.collected_at else ""
                console.print(f"      {at}  {_figures(sample)}", highlight=False)


def _figures(metrics: MetricsView) -> str:
    """``likes 7, replies 2``: the figures the network gave (absent ones left out)."""
    figures = ", ".join(
        f"{name} {value}"
        for name in ("likes", "reposts", "replies", "quotes", "impressions")
        if (value := getattr(metrics, name)) is not None
    )
    return figures or "no figures"


def register(app: typer.Typer) -> None:
    post = typer.Typer(help="Posts: draft, review, schedule, cancel.", no_args_is_help=True)

    @post.command("new")
    def new(
        ctx: typer.Context,
        text: Annotated[str, typer.Argument(help="The post's text.", metavar="TEXT")],
        to: Annotated[
            str | None, typer.Option("--to", help="Channels, comma-separated.", metavar="CH[,CH…]")
        ] = None,
        at: Annotated[
            str | None,
            typer.Option(
                "--at",
                help="When to send, ISO 8601 with an offset or Z (used once approved).",
                metavar="TIME",
            ),
        ] = None,
        media: Annotated[
            list[str] | None,
            typer.Option(
                "--media", help="A file to attach, FILE[:ALT TEXT]; repeat.", metavar="FILE[:ALT]"
            ),
        ] = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Create a draft and print its id."""
        context = state(ctx).open()
        view = service.create_post(
            context,
            text,
            split_names(to),
            at=parse_when(at) if at else None,
            media=parse_media(media or []),
        )
        warn_if_past(view.scheduled_at)
        if as_json:
            emit_json(view.to_dict())
        else:
            console.print(view.id)

    @post.command("list")
    def list_(
        ctx: typer.Context,
        state_: Annotated[
            list[str] | None,
            typer.Option("--state", help="Only posts in this state; repeat.", metavar="STATE"),
        ] = None,
        channel: Annotated[
            str | None, typer.Option("--channel", help="Only this channel.", metavar="CH")
        ] = None,
        limit: Annotated[
            int, typer.Option("--limit", min=1, help="At most this many posts.", metavar="N")
        ] = 200,
        as_json: JsonOpt = False,
    ) -> None:
        """List posts, soonest first."""
        views = service.list_posts(
            state(ctx).open(), states=state_ or [], channel=channel, limit=limit
        )
        if as_json:
            emit_json([v.to_dict() for v in views])
            return
        table = Table("id", "state", "at (UTC)", "channels", "author", "text")
        for v in views:
            when = v.scheduled_at.strftime("%Y-%m-%d %H:%M") if v.scheduled_at else "—"
            first = v.text.splitlines()[0] if v.text else ""
            table.add_row(
                str(v.id),
                v.state,
                when,
                shown(",".join(v.channels)),
                shown(v.author),
                shown(first[:60]),
            )
        console.print(table)

    @post.command("show")
    def show_(ctx: typer.Context, post_id: PostIdArg, as_json: JsonOpt = False) -> None:
        """Show one post with its findings and deliveries."""
        view = service.get_post(state(ctx).open(), post_id)
        if as_json:
            emit_json(view.to_dict())
        else:
            show(view)

    @post.command("history")
    def history(ctx: typer.Context, post_id: PostIdArg, as_json: JsonOpt = False) -> None:
        """The audit log of one post: who did what, when."""
        events = service.post_history(state(ctx).open(), post_id)
        if as_json:
            emit_json(events)
            return
        for e in events:
            console.print(shown(f"{e['at']}  {e['actor']:<12} {e['action']}"), highlight=False)

    @post.command("edit")
    def edit(
        ctx: typer.Context,
        post_id: PostIdArg,
        text: TextArg,
        to: Annotated[
            str | None,
            typer.Option("--to", help="New channels, comma-separated.", metavar="CH[,CH…]"),
        ] = None,
    ) -> None:
        """Change a post's text; an approved or scheduled post goes back to review."""
        view = service.edit_post(state(ctx).open(), post_id, text, split_names(to) if to else None)
        console.print(f"post {view.id} is {view.state}", highlight=False)

    @post.command("submit")
    def submit(ctx: typer.Context, post_id: PostIdArg) -> None:
        """Send a draft to sign-off (the guideline checks run now)."""
        view = service.submit_post(state(ctx).open(), post_id)
        console.print(f"post {view.id} is {view.state}", highlight=False)
        for f in view.findings:
            console.print(
                f"  {f.get('severity')} {f.get('rule')}: {f.get('message')}",
                highlight=False,
                markup=False,
            )

    @post.command("approve")
    def approve(
        ctx: typer.Context,
        post_ids: Annotated[
            list[int],
            typer.Argument(
                metavar="POST_ID...",
                help="The posts' numbers (see `oyez post list`); each is checked on its own.",
            ),
        ],
        actor: AsOpt = None,
        override: Annotated[
            str | None,
            typer.Option(
                "--override",
                help="Approve despite error findings, for this reason (kept in the audit log).",
                metavar="REASON",
            ),
        ] = None,
    ) -> None:
        """Approve posts in review (scheduling each that has a time).

        Each post is approved or refused on its own: a refusal names its post and
        the rest still go ahead; the exit code is 1 if any was refused.
        """
        context = state(ctx).open(actor)
        refused = 0
        for post_id in dict.fromkeys(post_ids):
            try:
                view = service.approve_post(context, post_id, override=override)
            except OyezError as exc:
                refused += 1
                named = re.search(rf"\b(?:post|id) {post_id}\b", str(exc))
                say_error(str(exc) if named else f"post {post_id}: {exc}")
                continue
            console.print(f"post {view.id} is {view.state}", highlight=False)
        if refused:
            raise typer.Exit(1)

    @post.command("reject")
    def reject(
        ctx: typer.Context,
        post_id: PostIdArg,
        comment: Annotated[
            str, typer.Option("--comment", help="Why, for the author.", metavar="TEXT")
        ],
        actor: AsOpt = None,
    ) -> None:
        """Send a post back to its author with a comment."""
        view = service.reject_post(state(ctx).open(actor), post_id, comment)
        console.print(f"post {view.id} is back with {view.author} as a draft", highlight=False)

    @post.command("schedule")
    def schedule(
        ctx: typer.Context,
        post_id: PostIdArg,
        at: Annotated[
            str | None, typer.Option("--at", help="ISO 8601 with an offset or Z.", metavar="TIME")
        ] = None,
        next_slot: Annotated[
            bool, typer.Option("--next-slot", help="The earliest free slot of its channels.")
        ] = False,
    ) -> None:
        """Schedule an approved post, at a time or in the next free slot."""
        if (at is None) == (not next_slot):
            raise InvalidInput("give either --at TIME or --next-slot")
        context = state(ctx).open()
        if next_slot:
            view = schedule_next_slot(context, post_id)
        else:
            assert at is not None
            view = service.schedule_post(context, post_id, parse_when(at))
            warn_if_past(view.scheduled_at)
        assert view.scheduled_at is not None
        console.print(
            f"post {view.id} scheduled for {view.scheduled_at.isoformat()}", highlight=False
        )

    register_delivery_commands(post)
    app.add_typer(post, name="post")
