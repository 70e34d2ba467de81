"""The common base of the local API doubles: a real HTTP server on 127.0.0.1.

A double speaks enough of one network's API for its real client library to run
unmodified against it. It records every post it accepts (thread-safe), so a test
can count duplicates and losses, and it injects faults on demand::

    double.faults.push("429")                     # the next request gets a 429
    double.faults.push("hang_after", path=double.post_path)   # post made, no answer
    double.faults.randomly(0.2, seed=7)           # 20 % of requests fail somehow

Fault kinds (:data:`FAULT_KINDS`): ``429``, ``429_daily`` (a spent 24-hour quota
where the network has one), ``500``, ``503``, ``401``, ``426`` (a retired API
version), ``duplicate``,
``hang_before`` / ``hang_after`` (no answer within ``hang_seconds``; *after*
means the request was acted on first), ``reset_before`` / ``reset_after`` (the
connection is closed without an answer), ``no_content_type`` and ``html_502``
(malformed answers, for clients that trust headers), ``echo`` (a 400 that
repeats the whole request, headers and body, as a careless receiver does).

Doubles are plain servers, so a separate process (``oyez run`` in a crash
test) can use them too: pass it :meth:`FakeAPI.channel_settings` and
:meth:`FakeAPI.environ`.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import socket
import struct
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field
from email.message import Message
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar, Self
from urllib.parse import parse_qs, urlsplit

from tests.fakes.faults import FAULT_KINDS, TRANSIENT_FAULTS, Faults

__all__ = ["FAULT_KINDS", "TRANSIENT_FAULTS", "FakeAPI", "Faults", "Post", "Reply", "Request"]


@dataclass(frozen=True)
class Request:
    """One request as the double saw it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: Message
    body: bytes

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    def _multipart(self) -> Message | None:
        ctype = self.headers.get("Content-Type", "")
        if not ctype.startswith("multipart/"):
            return None
        head = f"Content-Type: {ctype}\r\n\r\n".encode()
        return BytesParser(policy=HTTP).parsebytes(head + self.body)

    def form(self) -> dict[str, list[str]]:
        """Fields of a urlencoded or multipart body (files excluded), plus the query."""
        fields: dict[str, list[str]] = {k: list(v) for k, v in self.query.items()}
        message = self._multipart()
        if message is not None:
            for part in message.iter_parts():
                if part.get_filename() is None:
                    name = str(part.get_param("name", header="content-disposition"))
                    fields.setdefault(name, []).append(part.get_content().strip())
        elif "urlencoded" in self.headers.get("Content-Type", ""):
            for key, values in parse_qs(self.body.decode(), keep_blank_values=True).items():
                fields.setdefault(key, []).extend(values)
        return fields

    def field(self, name: str, default: str | None = None) -> str | None:
        values = self.form().get(name)
        return values[0] if values else default

    def files(self) -> dict[str, tuple[str, str, bytes]]:
        """Uploaded files by field name: (file name, content type, content)."""
        found: dict[str, tuple[str, str, bytes]] = {}
        message = self._multipart()
        for part in message.iter_parts() if message is not None else ():
            filename = part.get_filename()
            if filename is not None:
                name = str(part.get_param("name", header="content-disposition"))
                payload = part.get_payload(decode=True)
                content = payload if isinstance(payload, bytes) else b""
                found[name] = (filename, part.get_content_type(), content)
        return found


@dataclass
class Reply:
    """An answer: a dict/list body goes out as JSON, bytes or str as they are."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str | None = "application/json; charset=utf-8"


@dataclass
class Post:
    """One post a double accepted. ``text`` is exactly what the client sent."""

    id: str
    text: str
    reply_to: str | None = None
    created_at: float = field(default_factory=time.time)
    deleted: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Buffer the answer and send it without Nagle's delay: otherwise every call
    # stalls ~40 ms on the client's delayed ACK.
    wbufsize = -1
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        return None

    def setup(self) -> None:
        super().setup()
        with self.server.lock:
            self.server.open_connections.add(self.connection)

    def finish(self) -> None:
        with self.server.lock:
            self.server.open_connections.discard(self.connection)
        super().finish()

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _drop(self) -> None:
        # Close with RST and no answer, as a dying proxy or server would.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True

    def _serve(self) -> None:
        url = urlsplit(self.path)
        request = Request(
            method=self.command,
            path=url.path,
            query=parse_qs(url.query, keep_blank_values=True),
            headers=self.headers,
            body=self._read_body(),
        )
        declared = self.headers.get("Content-Length")
        if declared is not None and len(request.body) < int(declared):
            # A client killed mid-write: a real server drops the fragment unread.
            self._drop()
            return
        api = self.server.api
        api.seen.append((request.method, request.path))
        api.requests.append(request)
        fault = api.faults.take(request.method, request.path)
        if fault in ("reset_before", "hang_before"):
            if fault == "hang_before":
                api.hang()
            self._drop()
            return
        if fault in ("reset_after", "hang_after"):
            api.dispatch(request)
            if fault == "hang_after":
                api.hang()
            self._drop()
            return
        if fault == "echo":
            reply = api.echo_reply(self._echo(request))
        else:
            reply = api.fault_reply(fault, request) if fault else api.dispatch(request)
        self._send(reply)

    def _echo(self, request: Request) -> str:
        """The whole request as text, as a careless receiver's error page repeats it."""
        head = "".join(f"{name}: {value}\n" for name, value in request.headers.items())
        return f"{request.method} {self.path}\n{head}\n{request.body.decode(errors='replace')}"

    def _send(self, reply: Reply) -> None:
        if isinstance(reply.body, bytes):
            payload = reply.body
        elif isinstance(reply.body, str):
            payload = reply.body.encode()
        elif reply.body is None:
            payload = b""
        else:
            payload = json.dumps(reply.body).encode()
        self.send_response(reply.status)
        if reply.content_type is not None:
            self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _serve


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    api: FakeAPI

    def __init__(self, address: tuple[str, int]) -> None:
        super().__init__(address, _Handler)
        self.lock = threading.Lock()
        self.open_connections: set[socket.socket] = set()

    def close_connections(self) -> None:
        """End kept-alive connections too, so a stopped double refuses every call."""
        with self.lock:
            for connection in self.open_connections:
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)


class FakeAPI:
    """Base of every double: lifecycle, recording, faults. Subclasses route requests."""

    #: The channel kind this double stands in for.
    kind: ClassVar[str] = ""
    #: A path fragment of the call that creates a post (a handy fault target).
    post_path: ClassVar[str] = ""
    #: The environment prefix the fixtures use for this double's fake credentials.
    default_prefix: ClassVar[str] = ""

    def __init__(self, *, hang_seconds: float = 2.0, rate_limit_seconds: int = 60) -> None:
        self.faults = Faults()
        #: How long a "hang" fault keeps the client waiting (longer than its timeout).
        self.hang_seconds = hang_seconds
        #: Seconds until the reset that a 429 announces.
        self.rate_limit_seconds = rate_limit_seconds
        #: Every (method, path) received, faulted or not.
        self.seen: list[tuple[str, str]] = []
        #: Every request received, in full (headers, query and body).
        self.requests: list[Request] = []
        self.lock = threading.RLock()
        self._posts: list[Post] = []
        self._ids = itertools.count(1)
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------

    def start(self) -> Self:
        server = _Server(("127.0.0.1", 0))
        server.api = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server.close_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("double not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def hang(self) -> None:
        self._stopping.wait(self.hang_seconds)

    # -- recording ---------------------------------------------------------

    def next_id(self) -> int:
        with self.lock:
            return next(self._ids)

    def record(self, post: Post) -> Post:
        with self.lock:
            self._posts.append(post)
        return post

    @property
    def posts(self) -> list[Post]:
        """Every post accepted and not deleted, oldest first (a snapshot)."""
        with self.lock:
            return [p for p in self._posts if not p.deleted]

    @property
    def all_posts(self) -> list[Post]:
        """Every post accepted, deleted ones included."""
        with self.lock:
            return list(self._posts)

    def texts(self) -> list[str]:
        return [p.text for p in self.posts]

    def find(self, post_id: str) -> Post | None:
        with self.lock:
            return next((p for p in self._posts if p.id == post_id and not p.deleted), None)

    # -- channel wiring ----------------------------------------------------

    def channel_settings(
        self, *, prefix: str | None = None, timeout: float = 10.0
    ) -> dict[str, Any]:
        """Settings for ``channels.registry.build`` (or ``oyez channels add --set``)."""
        return {
            "api_base_url": self.url,
            "credentials": f"env:{prefix or self.default_prefix}",
            "timeout": timeout,
        }

    def environ(self, prefix: str | None = None) -> dict[str, str]:
        """The fake credentials this double accepts, as environment variables."""
        prefix = prefix or self.default_prefix
        return {f"{prefix}_{name}": value for name, value in self.credentials().items()}

    def credentials(self) -> dict[str, str]:
        raise NotImplementedError

    # -- routing -----------------------------------------------------------

    def dispatch(self, request: Request) -> Reply:
        try:
            return self.handle(request)
        except Exception:
            traceback.print_exc(file=sys.stderr)
            return Reply(500, {"error": "the double failed; see stderr"})

    def handle(self, request: Request) -> Reply:
        raise NotImplementedError

    def fault_reply(self, kind: str, request: Request) -> Reply:
        """The answer for a fault that is an answer (not a hang or reset)."""
        if kind == "no_content_type":
            return Reply(200, {"ok": True}, content_type=None)
        if kind == "html_502":
            return Reply(502, "<html><body>Bad gateway</body></html>", content_type="text/html")
        if kind in ("500", "503"):
            return Reply(int(kind), {"error": "injected server error"})
        return Reply(400, {"error": f"injected {kind}"})

    def echo_reply(self, echo: str) -> Reply:
        """A 400 repeating the request (``echo``) in every field a client reads its error from."""
        return Reply(
            400,
            {"error": echo, "message": echo, "detail": echo, "errors": [{"message": echo}]},
        )

    def reset_epoch(self) -> int:
        return int(time.time()) + self.rate_limit_seconds
