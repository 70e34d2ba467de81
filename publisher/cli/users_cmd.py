"""``oyez users``: who may write, sign off and administer (PostgreSQL logins)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from publisher.cli.common import JsonOpt, console, emit_json, shown, state
from publisher.service import users as service

_HELP = (
    "Who may sign off, on PostgreSQL (admins only).\n\n"
    "Each person connects as their own PostgreSQL login; the DBA creates it first "
    "(CREATE ROLE sam LOGIN PASSWORD '…'). `oyez users add` then gives it a role and "
    "the grants that role needs. The login that ran `oyez init` is the first admin. "
    "On SQLite sign-off is not enforced: add and remove refuse there."
)


def register(app: typer.Typer) -> None:
    users = typer.Typer(help=_HELP, no_args_is_help=True)
    app.add_typer(users, name="users")

    @users.command("add")
    def add(
        ctx: typer.Context,
        login: Annotated[str, typer.Argument(help="The PostgreSQL login.", metavar="LOGIN")],
        role: Annotated[
            str,
            typer.Option(
                "--role",
                help="author (writes posts), approver (signs off), admin (also manages "
                "users and channels) or service (the daemon's login, for sources in auto mode).",
                metavar="ROLE",
            ),
        ],
        channels: Annotated[
            str | None,
            typer.Option(
                "--channels",
                help="For an approver: the channels they sign off for, comma-separated "
                "(default: every channel).",
                metavar="CH,…",
            ),
        ] = None,
    ) -> None:
        """Give a login a role (again: change it) and the database grants it needs."""
        names = [c for c in (channels or "").split(",") if c.strip()]
        view = service.add_user(state(ctx).open(), login, role, names)
        where = f" for {', '.join(view.channels)}" if view.channels else ""
        console.print(shown(f"{view.login}: {view.role}{where}"), highlight=False)

    @users.command("list")
    def list_(ctx: typer.Context, as_json: JsonOpt = False) -> None:
        """The logins oyez knows, with their roles and channels."""
        views = service.list_users(state(ctx).open())
        if as_json:
            emit_json([v.as_dict() for v in views])
            return
        table = Table("login", "role", "channels", "added by")
        for v in views:
            table.add_row(
                shown(v.login),
                v.role,
                shown(", ".join(v.channels) or "all"),
                shown(v.added_by),
            )
        console.print(table)

    @users.command("remove")
    def remove(
        ctx: typer.Context,
        login: Annotated[str, typer.Argument(help="The login.", metavar="LOGIN")],
    ) -> None:
        """Take a login's role and grants away (the DBA drops the PostgreSQL role)."""
        service.remove_user(state(ctx).open(), login)
        console.print(shown(f"{login} removed"), highlight=False)
