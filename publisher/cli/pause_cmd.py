"""``oyez pause`` and ``oyez resume``: the crisis pause, and pausing one channel."""

from __future__ import annotations

from typing import Annotated

import typer

from publisher.cli.common import console, state
from publisher.errors import InvalidInput
from publisher.service import pause as pausing


def register_pause(app: typer.Typer) -> None:
    @app.command("pause")
    def pause(
        ctx: typer.Context,
        channel: Annotated[
            str | None, typer.Argument(help="The channel to pause.", metavar="CHANNEL")
        ] = None,
        all_: Annotated[
            bool, typer.Option("--all", help="Crisis pause: stop every scheduled post now.")
        ] = False,
        reason: Annotated[
            str | None,
            typer.Option("--reason", help="Why (kept in the audit log).", metavar="REASON"),
        ] = None,
    ) -> None:
        """Stop posts going out: all of them (--all, urgent ones excepted) or one channel's."""
        if all_ == (channel is not None):
            raise InvalidInput("name one channel, or give --all for a crisis pause")
        context = state(ctx).open()
        if all_:
            paused = pausing.pause_all(context, reason or "")
            console.print(
                f"crisis pause on: nothing but urgent posts goes out ({paused.reason})",
                highlight=False,
            )
        else:
            assert channel is not None
            pausing.pause_channel(context, channel, reason)
            console.print(f"channel {channel} paused", highlight=False)

    @app.command("resume")
    def resume(
        ctx: typer.Context,
        channel: Annotated[
            str | None, typer.Argument(help="The channel to resume.", metavar="CHANNEL")
        ] = None,
        all_: Annotated[bool, typer.Option("--all", help="End the crisis pause.")] = False,
    ) -> None:
        """Let posts go out again; late posts go out or expire by their source's grace rule."""
        if all_ == (channel is not None):
            raise InvalidInput("name one channel, or give --all to end the crisis pause")
        context = state(ctx).open()
        if all_:
            done = pausing.resume_all(context)
            what = "crisis pause ended" if done.was_paused else "no crisis pause was on"
        else:
            assert channel is not None
            done = pausing.resume_channel(context, channel)
            what = f"channel {channel} resumed" if done.was_paused else f"{channel} was not paused"
        extra = ""
        if done.overdue:
            extra = f": {done.overdue} late deliveries go out now, {done.expiring} of them expire"
        console.print(what + extra, highlight=False)


def register(app: typer.Typer) -> None:
    register_pause(app)
