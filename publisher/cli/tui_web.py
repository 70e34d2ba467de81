"""``oyez tui --web``: textual-serve behind a per-run token, a Host check and an Origin check.

textual-serve has no authentication: whoever opens its WebSocket drives the
app as the operator, and any web page the operator visits can try. So
:class:`GuardedServer` adds one aiohttp middleware in front of every route:

- the **Host** header must be the bound address (``127.0.0.1:8566``): a page
  on ``evil.example`` that re-points its own name at 127.0.0.1 (DNS rebinding)
  arrives with ``Host: evil.example`` and gets a 403;
- the request must carry the run's **token**, as ``?token=`` (the URL printed
  at start, like Jupyter's) or as the cookie that URL sets, compared in
  constant time; without it, a 403;
- a **WebSocket upgrade** (or anything sent with an Origin) must come from the
  served origin itself.

A connection that completes no request within ``idle_seconds`` is cut
(aiohttp's keep-alive timer runs from the connection's start), so slow or
silent clients cannot hold sockets open. The app's processes are started
from a command fixed when the server starts: nothing the browser sends picks
who the app acts as.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import ipaddress
import secrets
import signal
from collections.abc import Awaitable, Callable

from aiohttp import hdrs, web
from textual_serve.server import Server

#: Seconds a connection may stay silent (no complete request) before it is cut.
IDLE_SECONDS = 10.0
#: The query parameter of the printed URL.
TOKEN_PARAM = "token"  # noqa: S105 - a parameter name, not a secret

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def is_wildcard(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_unspecified
    except ValueError:
        return False


def authority(host: str, port: int) -> str:
    """``host:port`` as a browser writes it in Host and Origin (IPv6 in brackets)."""
    bare = host.strip("[]")
    return f"[{bare}]:{port}" if ":" in bare else f"{bare}:{port}"


class GuardedServer(Server):
    """textual-serve's server with the checks above; ``url`` is what to open."""

    def __init__(
        self,
        command: str,
        *,
        host: str,
        port: int,
        title: str = "oyez",
        token: str | None = None,
        idle_seconds: float = IDLE_SECONDS,
    ) -> None:
        self.authority = authority(host, port)
        super().__init__(command, host=host, port=port, title=title)
        self.public_url = f"http://{self.authority}"
        self.token = token or secrets.token_urlsafe(32)
        self.idle_seconds = idle_seconds
        # Cookies ignore the port: one name per port keeps two servers apart.
        self.cookie = f"oyez-tui-{port}"

    @property
    def url(self) -> str:
        return f"{self.public_url}/?{TOKEN_PARAM}={self.token}"

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.middlewares.append(self._guard)
        return app

    async def on_startup(self, app: web.Application) -> None:
        """Quiet: the command prints the URL (textual-serve would print it without the token)."""

    def _token_ok(self, given: str | None) -> bool:
        return given is not None and hmac.compare_digest(given.encode(), self.token.encode())

    @web.middleware
    async def _guard(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.headers.get(hdrs.HOST, "") != self.authority:
            raise web.HTTPForbidden(text=f"wrong Host: open {self.public_url}/\n")
        from_query = request.query.get(TOKEN_PARAM)
        if not (self._token_ok(from_query) or self._token_ok(request.cookies.get(self.cookie))):
            raise web.HTTPForbidden(text="missing or wrong token: open the URL oyez printed\n")
        origin = request.headers.get(hdrs.ORIGIN)
        upgrade = "websocket" in request.headers.get(hdrs.UPGRADE, "").lower()
        if (upgrade or origin is not None) and origin != self.public_url:
            raise web.HTTPForbidden(text="cross-origin request refused\n")
        response = await handler(request)
        if from_query is not None and not response.prepared:
            response.set_cookie(self.cookie, self.token, httponly=True, samesite="Strict")
        return response

    async def start(
        self, site: Callable[[web.AppRunner], web.BaseSite] | None = None
    ) -> web.AppRunner:
        """Start serving on the event loop that runs this; returns the runner to clean up."""
        runner = web.AppRunner(
            await self._make_app(), keepalive_timeout=self.idle_seconds, access_log=None
        )
        await runner.setup()
        await (site(runner) if site else web.TCPSite(runner, self.host, self.port)).start()
        return runner

    def serve(self, debug: bool = False) -> None:
        """Serve until ctrl+c or SIGTERM."""
        self.debug = debug
        self.initialize_logging()
        asyncio.run(self._serve_until_stopped())

    async def _serve_until_stopped(self) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):  # not on POSIX
                loop.add_signal_handler(sig, stop.set)
        runner = await self.start()
        try:
            await stop.wait()
        finally:
            await runner.cleanup()
