"""``oyez post cancel|retry|retract|resolve``: what a person does to a post's deliveries."""

from __future__ import annotations

from typing import Annotated

import typer

from publisher.cli.common import JsonOpt, console, emit_json, state
from publisher.errors import InvalidInput
from publisher.service import deliveries, posts

PostIdArg = Annotated[
    int, typer.Argument(metavar="POST_ID", help="The post's number (see `oyez post list`).")
]


def register_delivery_commands(post: typer.Typer) -> None:
    @post.command("cancel")
    def cancel(
        ctx: typer.Context,
        post_id: PostIdArg,
        channel: Annotated[
            str | None,
            typer.Option(
                "--channel",
                help="Give up on this channel only (a delivery that has not gone out there); "
                "without it the whole post is cancelled before it starts sending.",
                metavar="CH",
            ),
        ] = None,
    ) -> None:
        """Cancel a post that has not started sending, or one channel of it (--channel)."""
        if channel is None:
            view = posts.cancel_post(state(ctx).open(), post_id)
            console.print(f"post {view.id} is {view.state.replace('_', ' ')}", highlight=False)
            return
        was = deliveries.cancel_delivery(state(ctx).open(), post_id, channel)
        console.print(
            f"post {post_id} on {channel}: cancelled (it was {was.words})", highlight=False
        )

    @post.command("retry")
    def retry(
        ctx: typer.Context,
        post_id: PostIdArg,
        channel: Annotated[
            str, typer.Option("--channel", help="The channel to send it to again.", metavar="CH")
        ],
    ) -> None:
        """Send a failed, expired or needs-attention delivery again, now, with fresh attempts."""
        was = deliveries.retry_delivery(state(ctx).open(), post_id, channel)
        console.print(
            f"post {post_id} on {channel}: back on the queue, due now (it was {was.words})",
            highlight=False,
        )

    @post.command("retract")
    def retract(
        ctx: typer.Context,
        post_id: PostIdArg,
        channel: Annotated[
            str | None, typer.Option("--channel", help="Only from this channel.", metavar="CH")
        ] = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Delete a published post from the networks; the archive keeps its copy."""
        from publisher.service.retract import retract_post

        outcomes = retract_post(state(ctx).open(), post_id, channel)
        if as_json:
            emit_json([o.to_dict() for o in outcomes])
        for o in outcomes:
            if not as_json:
                done = "retracted" if o.retracted else f"NOT retracted: {o.error}"
                console.print(f"{o.channel}: {done}", highlight=False, markup=False)
        if not all(o.retracted for o in outcomes):
            raise typer.Exit(1)

    @post.command("resolve")
    def resolve(
        ctx: typer.Context,
        post_id: PostIdArg,
        channel: Annotated[
            str,
            typer.Option(
                "--channel", help="The channel whose delivery needs attention.", metavar="CH"
            ),
        ],
        published: Annotated[
            bool | None,
            typer.Option(
                "--published/--not-published",
                help="What you found on the account: it went out (give its --id), "
                "or it did not (it is sent again, now).",
                show_default=False,
            ),
        ] = None,
        remote_id: Annotated[
            str | None,
            typer.Option(
                "--id",
                help="The post's id on the network (replies and retraction use it).",
                metavar="REMOTE_ID",
            ),
        ] = None,
        remote_url: Annotated[
            str | None, typer.Option("--url", help="The post's address.", metavar="URL")
        ] = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Settle a delivery that needs attention, after looking at the account yourself."""
        if published is None:
            raise InvalidInput(
                "say what you found: --published (with --id or --url) or --not-published"
            )
        done = deliveries.resolve_delivery(
            state(ctx).open(),
            post_id,
            channel,
            published=published,
            remote_id=remote_id,
            remote_url=remote_url,
        )
        if as_json:
            emit_json(done.to_dict())
            return
        what = "recorded as sent" if done.state == "sent" else "back on the queue, due now"
        console.print(
            f"post {done.post_id} on {done.channel}: {what} (post {done.post_state})",
            highlight=False,
        )
