"""``oyez tui``: the terminal UI, or the same app in a browser with ``--web``."""

from __future__ import annotations

import os
import shlex
import sys
from typing import Annotated

import typer

from publisher.cli.common import console, state
from publisher.errors import InvalidInput

WEB_HELP = (
    "Serve the TUI in a browser through textual-serve instead. textual-serve has NO "
    "authentication: anyone who can reach the port acts as you. It binds to 127.0.0.1 "
    "unless --host says otherwise."
)


def register(app: typer.Typer) -> None:
    @app.command("tui")
    def tui(
        ctx: typer.Context,
        web: Annotated[bool, typer.Option("--web", help=WEB_HELP)] = False,
        host: Annotated[
            str,
            typer.Option(
                "--host", help="Address --web listens on (no authentication!).", metavar="HOST"
            ),
        ] = "127.0.0.1",
        port: Annotated[
            int,
            typer.Option("--port", min=1, max=65535, help="Port --web listens on.", metavar="PORT"),
        ] = 8566,
        light: Annotated[bool, typer.Option("--light", help="Start in the light theme.")] = False,
        dispatch: Annotated[
            bool,
            typer.Option(
                "--dispatch", help="Also run the delivery engine in this process (like `oyez run`)."
            ),
        ] = False,
    ) -> None:
        """The queue, compose, sign-off, calendar, sources, activity, channels and report screens."""
        st = state(ctx)
        if web:
            _serve(st.db, st.actor, host, port, light=light, dispatch=dispatch)
            return
        context = st.open()
        from publisher.tui.app import OyezApp

        OyezApp(context, dispatch=dispatch, dark=not light).run()


def _serve(
    db: str | None, actor: str | None, host: str, port: int, *, light: bool, dispatch: bool
) -> None:
    if not host.strip():
        raise InvalidInput("--host is empty")
    from textual_serve.server import Server

    args = [sys.executable, "-c", "from publisher.cli import main; main()"]
    if db:
        # Through the environment, which the app's process inherits: a database
        # URL may hold a password, and a command line is visible to every user.
        os.environ["OYEZ_DATABASE_URL"] = db
    if actor:
        args += ["--as", actor]
    args += ["tui"] + (["--light"] if light else []) + (["--dispatch"] if dispatch else [])
    if host not in ("127.0.0.1", "localhost", "::1"):
        console.print(
            f"[bold red]warning:[/] serving on {host}: textual-serve has no authentication",
            highlight=False,
        )
    console.print(f"oyez tui on http://{host}:{port} (ctrl+c stops)", highlight=False)
    Server(shlex.join(args), host=host, port=port, title="oyez").serve()
