"""``oyez serve``: the webhook for ticket events and a health check, on uvicorn."""

from __future__ import annotations

import ipaddress
import logging
import os
from typing import Annotated

import typer

from publisher.cli.common import console, err_console, fail, state
from publisher.http import MAX_BODY, QueryStringFilter, create_app

TOKEN_ENV = "OYEZ_WEBHOOK_TOKEN"  # noqa: S105  (the variable's name, not a secret)
MIN_TOKEN = 16


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def register(app: typer.Typer) -> None:
    @app.command("serve")
    def serve(
        ctx: typer.Context,
        host: Annotated[
            str, typer.Option("--host", help="Interface to listen on.", metavar="HOST")
        ] = "127.0.0.1",
        port: Annotated[
            int, typer.Option("--port", help="Port.", min=1, max=65535, metavar="PORT")
        ] = 8787,
        max_body: Annotated[
            int,
            typer.Option(
                "--max-body", help="Largest request body, in bytes.", min=256, metavar="BYTES"
            ),
        ] = MAX_BODY,
    ) -> None:
        """Serve POST /v1/tickets (bearer token from $OYEZ_WEBHOOK_TOKEN) and GET /healthz."""
        token = os.environ.get(TOKEN_ENV, "").strip()
        if not token:
            fail(
                f"{TOKEN_ENV} is not set: set it to a long random secret "
                "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))')",
                2,
            )
        if len(token) < MIN_TOKEN:
            fail(f"{TOKEN_ENV} is too short: use at least {MIN_TOKEN} random characters", 2)
        context = state(ctx).open()
        import uvicorn  # deferred: only this command needs the server

        from publisher.http_server import server_config

        if not _loopback(host):
            err_console.print(
                f"warning: listening on {host}, not only this machine: put TLS in front of it",
                highlight=False,
            )
        console.print(
            f"oyez serve on http://{host}:{port}: POST /v1/tickets, GET /healthz", highlight=False
        )
        logging.getLogger("uvicorn.access").addFilter(QueryStringFilter())
        uvicorn.Server(
            server_config(create_app(context, token, max_body=max_body), host, port)
        ).run()
