"""uvicorn for ``oyez serve``, with a deadline on request headers.

uvicorn times out an idle keep-alive connection but not one that opens and
then sends its request line and headers slowly, or not at all: a few hundred
such clients hold the server's file descriptors for ever (slowloris). Every
connection here must finish its headers within :data:`HEADER_SECONDS` of its
first byte (or of opening); the body has its own idle limit in
:mod:`publisher.http`.
"""

from __future__ import annotations

import asyncio
from typing import Any

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

#: Time a client has to send a request's line and headers.
HEADER_SECONDS = 10.0


class HeaderDeadlineProtocol(H11Protocol):
    """uvicorn's h11 protocol, closing a connection whose headers do not arrive in time."""

    header_seconds = HEADER_SECONDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state is h11.IDLE:
            self._arm()  # a request has begun (or a keep-alive one is about to)
        else:
            self._disarm()  # headers done: the body has its own limit

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        if self._header_deadline is None:
            self._header_deadline = self.loop.call_later(self.header_seconds, self._expire)

    def _disarm(self) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None

    def _expire(self) -> None:
        self._header_deadline = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.transport.close()


def server_config(app: Any, host: str, port: int, **options: Any) -> uvicorn.Config:
    """The uvicorn settings ``oyez serve`` runs with (and its tests run with)."""
    options.setdefault("log_level", "info")
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        http=HeaderDeadlineProtocol,
        server_header=False,
        proxy_headers=False,
        timeout_keep_alive=5,
        **options,
    )
