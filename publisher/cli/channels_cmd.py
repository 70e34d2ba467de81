"""``oyez channels …``: connect, list, check and remove channels."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from channels import registry
from publisher.cli.common import JsonOpt, console, emit_json, state
from publisher.errors import ChannelProblem
from publisher.service import channels as service
from publisher.service import credentials
from publisher.service.credentials import CredentialCheck, months_between

KINDS_HELP = ", ".join(registry.kinds())
NameArg = Annotated[str, typer.Argument(metavar="NAME", help="The channel's name.")]
SetOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        help="A setting as key=value; repeat. Secrets never go here: use credentials=env:PREFIX.",
        metavar="KEY=VALUE",
    ),
]


def show_check(result: CredentialCheck) -> None:
    name = result.channel
    console.print(f"{name}: credentials work (as {escape(result.account or '?')})", highlight=False)
    if result.expires_at is not None:
        console.print(f"  token expires {result.expires_at:%Y-%m-%d %H:%M} UTC", highlight=False)
    if result.data_access_expires_at is not None:
        console.print(
            f"  data access expires {result.data_access_expires_at:%Y-%m-%d %H:%M} UTC",
            highlight=False,
        )
    if result.api_version is not None:
        age = ""
        if result.api_version_date is not None:
            months = months_between(result.api_version_date, result.checked_at.date())
            age = f" ({months} months old)"
        console.print(f"  API version {escape(result.api_version)}{age}", highlight=False)
    for warning in result.warnings:
        console.print(f"  [yellow]warning[/] {escape(warning)}", highlight=False)


def register(app: typer.Typer) -> None:
    ch = typer.Typer(help="Channels: where posts go.", no_args_is_help=True)

    @ch.command("add")
    def add(
        ctx: typer.Context,
        name: Annotated[str, typer.Argument(help="A short name, e.g. council-x.", metavar="NAME")],
        kind: Annotated[str, typer.Option("--kind", help=f"One of: {KINDS_HELP}.", metavar="KIND")],
        settings: SetOpt = None,
        timezone: Annotated[
            str, typer.Option("--tz", help="The channel's time zone.", metavar="ZONE")
        ] = "UTC",
    ) -> None:
        """Connect a channel (credentials are read from the environment, never stored).

        `oyez channels kinds` lists each kind's settings with their defaults and meanings.
        """
        context = state(ctx).open()
        view = service.add_channel(
            context, name, kind, service.parse_settings(settings or []), timezone=timezone
        )
        console.print(f"added channel {view.name} ({view.kind})", highlight=False)

    @ch.command("set")
    def set_(
        ctx: typer.Context,
        name: NameArg,
        settings: SetOpt = None,
        unset: Annotated[
            list[str] | None,
            typer.Option("--unset", help="Back to the default; repeat.", metavar="KEY"),
        ] = None,
        timezone: Annotated[
            str | None, typer.Option("--tz", help="The channel's time zone.", metavar="ZONE")
        ] = None,
    ) -> None:
        """Change a channel's settings or time zone (checked as `add` checks them)."""
        view = service.change_channel(
            state(ctx).open(),
            name,
            service.parse_settings(settings or []),
            unset=unset or [],
            timezone=timezone,
        )
        shown = ", ".join(f"{k}={v}" for k, v in sorted(view.settings.items())) or "defaults"
        console.print(f"channel {view.name}: {shown}; time zone {view.timezone}", highlight=False)

    @ch.command("list")
    def list_(
        ctx: typer.Context,
        as_json: JsonOpt = False,
    ) -> None:
        """List the configured channels."""
        views = service.list_channels(state(ctx).open())
        if as_json:
            emit_json([v.to_dict() for v in views])
            return
        if not views:
            console.print("no channels yet: add one with `oyez channels add NAME --kind outbox`")
            return
        table = Table("name", "kind", "time zone", "settings", "status")
        for v in views:
            status = f"paused: {v.paused_reason}" if v.paused else "active"
            settings = ", ".join(f"{k}={val}" for k, val in sorted(v.settings.items()))
            table.add_row(v.name, v.kind, v.timezone, settings, status)
        console.print(table)

    @ch.command("kinds")
    def kinds(
        kind: Annotated[
            str | None, typer.Argument(help="Just this kind.", metavar="KIND", show_default=False)
        ] = None,
        as_json: JsonOpt = False,
    ) -> None:
        """List each channel kind's settings (for `--set KEY=VALUE`), with defaults and meanings."""
        views = service.channel_kinds(kind)
        if as_json:
            emit_json([v.to_dict() for v in views])
            return
        for v in views:
            table = Table(
                "setting", "default", "meaning", title=f"kind {v.kind}", title_justify="left"
            )
            for s in v.settings:
                table.add_row(Text(s["name"]), Text(s["default"]), Text(s["meaning"]))
            console.print(table)

    @ch.command("check")
    def check(ctx: typer.Context, name: NameArg, as_json: JsonOpt = False) -> None:
        """Check a channel's credentials against its API, and record the check.

        Shows the account it posts as, when the token expires (where the network
        says), the pinned API version and its age, and any warning: a token that
        expires within 14 days, a version older than 10 months. Exit 0 only if
        the credentials work.
        """
        result = credentials.check(state(ctx).open(), name)
        if as_json:
            emit_json(result.to_dict())
            if not result.ok:
                raise typer.Exit(1)
            return
        if not result.ok:
            raise ChannelProblem(f"channel {name!r}: {result.error}")
        show_check(result)

    @ch.command("remove")
    def remove(ctx: typer.Context, name: NameArg) -> None:
        """Remove a channel that has no deliveries waiting."""
        service.remove_channel(state(ctx).open(), name)
        console.print(f"removed channel {name}", highlight=False)

    app.add_typer(ch, name="channels")
