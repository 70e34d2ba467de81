"""``oyez tui --web`` on the real textual-serve server over 127.0.0.1: token, Host, Origin, idlers.

The server runs on its own event loop in a thread; the browser is aiohttp's
client, which lets a test send the Host and Origin an attacker's page would.
"""

from __future__ import annotations

import asyncio
import os
import shlex
import socket
import sys
import threading
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import pytest
from aiohttp import web

from publisher.cli.tui_web import GuardedServer

T = TypeVar("T")

#: The app each WebSocket starts: notes its pid in the folder given and exits
#: (the handshake is what is tested).
NOTE_PID = "import os, sys; open(os.path.join(sys.argv[1], str(os.getpid())), 'w').close()"


def _app(folder: Path) -> str:
    return shlex.join([sys.executable, "-c", NOTE_PID, str(folder)])


def _reaped(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


@dataclass
class Running:
    server: GuardedServer
    loop: asyncio.AbstractEventLoop

    @property
    def base(self) -> str:
        return self.server.public_url

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=30)


def _serve(folder: Path, idle_seconds: float = 10.0) -> Iterator[Running]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = GuardedServer(_app(folder), host="127.0.0.1", port=port, idle_seconds=idle_seconds)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    running = Running(server, loop)
    runner = running.run(server.start(lambda r: web.SockSite(r, sock)))
    try:
        yield running
    finally:
        running.run(runner.cleanup())
        # textual-serve never waits for the apps it starts: let the loop see them exit.
        for pid in (int(p.name) for p in folder.iterdir()):
            while not _reaped(pid):
                running.run(asyncio.sleep(0.01))
        for _ in range(10):
            running.run(asyncio.sleep(0.01))
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()
        sock.close()


@pytest.fixture
def web_tui(tmp_path: Path) -> Iterator[Running]:
    yield from _serve(tmp_path)


async def _get(url: str, **headers: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.get(url, headers=headers) as r:
        return r.status, await r.text()


async def _ws(url: str, **headers: str) -> int:
    """The status of a WebSocket handshake: 101 when accepted."""
    async with aiohttp.ClientSession() as session:
        try:
            async with session.ws_connect(url, headers=headers) as ws:
                await ws.close()
                return 101
        except aiohttp.WSServerHandshakeError as exc:
            return exc.status


def test_the_page_without_the_token_is_forbidden(web_tui: Running) -> None:
    status, text = web_tui.run(_get(f"{web_tui.base}/"))
    assert status == 403
    assert "token" in text


def test_a_wrong_token_is_forbidden(web_tui: Running) -> None:
    wrong = web_tui.server.token[:-1] + ("A" if web_tui.server.token[-1] != "A" else "B")
    status, _ = web_tui.run(_get(f"{web_tui.base}/?token={wrong}"))
    assert status == 403


def test_the_printed_url_serves_the_page(web_tui: Running) -> None:
    status, text = web_tui.run(_get(web_tui.server.url))
    assert status == 200
    assert f"ws://127.0.0.1:{web_tui.server.port}/ws" in text


def test_a_static_file_needs_the_token_too(web_tui: Running) -> None:
    status, _ = web_tui.run(_get(f"{web_tui.base}/static/"))
    assert status == 403


def test_the_token_url_sets_a_cookie_that_the_page_s_own_requests_carry(
    web_tui: Running,
) -> None:
    async def go() -> tuple[int, int]:
        # unsafe: keep cookies of an IP address, as browsers do.
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
            async with session.get(web_tui.server.url) as first:
                assert first.cookies[web_tui.server.cookie]["httponly"]
                assert first.cookies[web_tui.server.cookie]["samesite"] == "Strict"
            # The WebSocket URL of the page has no token: the cookie carries it.
            async with session.ws_connect(
                f"{web_tui.base}/ws", headers={"Origin": web_tui.base}
            ) as ws:
                await ws.close()
            async with session.get(f"{web_tui.base}/") as again:
                return first.status, again.status

    assert web_tui.run(go()) == (200, 200)


def test_a_websocket_from_the_served_origin_with_the_token_is_accepted(
    web_tui: Running,
) -> None:
    url = f"{web_tui.base}/ws?token={web_tui.server.token}"
    assert web_tui.run(_ws(url, Origin=web_tui.base)) == 101


def test_a_websocket_from_another_origin_is_refused_even_with_the_token(
    web_tui: Running,
) -> None:
    url = f"{web_tui.base}/ws?token={web_tui.server.token}"
    assert web_tui.run(_ws(url, Origin="https://evil.example")) == 403


def test_a_websocket_without_an_origin_is_refused(web_tui: Running) -> None:
    url = f"{web_tui.base}/ws?token={web_tui.server.token}"
    assert web_tui.run(_ws(url)) == 403


def test_a_websocket_under_a_rebound_name_is_refused(web_tui: Running) -> None:
    # DNS rebinding: evil.example now points at 127.0.0.1, so the browser
    # sends Host: evil.example and, from that page, Origin: http://evil.example.
    url = f"{web_tui.base}/ws?token={web_tui.server.token}"
    port = web_tui.server.port
    host = f"evil.example:{port}"
    assert web_tui.run(_ws(url, Host=host, Origin=f"http://{host}")) == 403
    # The same origin, with only the Host changed, is refused as well.
    assert web_tui.run(_ws(url, Host=host, Origin=web_tui.base)) == 403


def test_the_page_under_a_rebound_name_is_refused(web_tui: Running) -> None:
    status, text = web_tui.run(_get(web_tui.server.url, Host=f"evil.example:{web_tui.server.port}"))
    assert status == 403
    assert "Host" in text


def test_a_client_that_sends_nothing_is_cut(tmp_path: Path) -> None:
    for running in _serve(tmp_path, idle_seconds=0.5):
        with socket.create_connection(("127.0.0.1", running.server.port), timeout=30) as s:
            assert s.recv(1024) == b""  # closed by the server, not by our 30 s bound


def test_a_client_that_never_finishes_its_headers_is_cut(tmp_path: Path) -> None:
    for running in _serve(tmp_path, idle_seconds=0.5):
        with socket.create_connection(("127.0.0.1", running.server.port), timeout=30) as s:
            s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            assert s.recv(1024) == b""


def test_each_run_has_its_own_token() -> None:
    first = GuardedServer("true", host="127.0.0.1", port=1)
    second = GuardedServer("true", host="127.0.0.1", port=1)
    assert first.token != second.token
    assert len(first.token) >= 40
