"""``oyez init`` and ``oyez db upgrade``."""

from __future__ import annotations

import typer

from publisher.cli.common import console, shown, state


def register(app: typer.Typer) -> None:
    db_app = typer.Typer(help="The queue database.", no_args_is_help=True)

    @app.command("init")
    def init(ctx: typer.Context) -> None:
        """Create the database (or bring it up to date) and say where it is."""
        context = state(ctx).open(migrate=True)
        where = context.store.engine.url.render_as_string(hide_password=True)
        console.print(f"oyez database ready at {where}", highlight=False)
        if context.enforced:
            console.print(
                shown(
                    f"sign-off is enforced by PostgreSQL; {context.login} is an oyez "
                    f"{context.role or 'user of no role'} (add people with `oyez users add`)"
                ),
                highlight=False,
            )

    @db_app.command("upgrade")
    def upgrade(ctx: typer.Context) -> None:
        """Apply the schema migrations this version of oyez needs."""
        context = state(ctx).open(migrate=True)
        where = context.store.engine.url.render_as_string(hide_password=True)
        console.print(f"schema up to date at {where}", highlight=False)

    app.add_typer(db_app, name="db")
