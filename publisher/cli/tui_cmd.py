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
    "Serve the TUI in a browser through textual-serve instead, as you (whoever opens it "
    "acts as you). It binds to 127.0.0.1 and prints a URL with a secret token for this "
    "run: a request without the token, from another web page (Origin) or under another "
    "name (Host) gets a 403."
)
REMOTE_HELP = (
    "Allow --host other than loopback. The token then crosses the network in clear "
    "text: put a TLS proxy in front."
)


def register(app: typer.Typer) -> None:
    @app.command("tui")
    def tui(
        ctx: typer.Context,
        web: Annotated[bool, typer.Option("--web", help=WEB_HELP)] = False,
        host: Annotated[
            str,
            typer.Option(
                "--host",
                help="Address --web listens on; browsers must use this name (Host check).",
                metavar="HOST",
            ),
        ] = "127.0.0.1",
        allow_remote: Annotated[bool, typer.Option("--allow-remote", help=REMOTE_HELP)] = False,
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
            _serve(st.db, st.actor, host, port, light=light, dispatch=dispatch, remote=allow_remote)
            return
        context = st.open()
        from publisher.tui.app import OyezApp

        OyezApp(context, dispatch=dispatch, dark=not light).run()


def _serve(
    db: str | None,
    actor: str | None,
    host: str,
    port: int,
    *,
    light: bool,
    dispatch: bool,
    remote: bool,
) -> None:
    from publisher.cli.tui_web import GuardedServer, is_loopback, is_wildcard

    host = host.strip()
    if not host:
        raise InvalidInput("--host is empty")
    if is_wildcard(host):
        raise InvalidInput(
            f"--host {host} listens everywhere, so no Host header can be checked: "
            "give the address or name browsers will use"
        )
    if not is_loopback(host) and not remote:
        raise InvalidInput(
            f"--host {host} is not loopback: add --allow-remote, and put TLS in front "
            "(the token would cross the network in clear text)"
        )
    # The app's processes run this fixed command as the login that started it:
    # nothing the browser sends chooses who they act as.
    args = [sys.executable, "-c", "from publisher.cli import main; main()"]
    if db:
        # Through the environment, which the app's process inherits: a database
        # URL may hold a password, and a command line is visible to every user.
        os.environ["OYEZ_DATABASE_URL"] = db
    if actor:
        args += ["--as", actor]
    args += ["tui"] + (["--light"] if light else []) + (["--dispatch"] if dispatch else [])
    server = GuardedServer(shlex.join(args), host=host, port=port, title="oyez")
    if not is_loopback(host):
        console.print(
            f"[bold red]warning:[/] serving on {host} without TLS: put a TLS proxy in front",
            highlight=False,
        )
    console.print(f"oyez tui on {server.url} (ctrl+c stops)", highlight=False, soft_wrap=True)
    server.serve()
