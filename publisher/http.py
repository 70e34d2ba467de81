"""The small HTTP API behind ``oyez serve``: ticket events in, health out.

- ``POST /v1/tickets`` takes one ticket event as a JSON object (the fields of
  ``oyez tickets event``: ``id``, ``status``, ``title``, ``text``, ``impact``,
  ``service``, ``url``, ``event_id``). It needs ``Authorization: Bearer TOKEN``;
  the token is compared in constant time and never logged or echoed. A missing
  or wrong token gets 401 before the body is read; a body over the limit 413;
  malformed JSON (or JSON nested over 16 deep) or a bad field (a NUL byte
  included) 400; a body that stalls for 10 s 408 (headers that do not arrive
  in 10 s close the connection: :mod:`publisher.http_server`); posting not configured 409; a recorded
  event 202 (200 for a repeat of an ``event_id`` already recorded). Every
  refusal is a JSON ``{"error": "one line"}`` and records nothing.
- ``GET /healthz``: 200 ``{"status": "ok"}`` when the database answers, else 503
  with ``"database unavailable"`` (never the database's address).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import time
from dataclasses import replace
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from publisher.context import Context
from publisher.errors import InvalidInput, NotFoundError, OyezError, StorageProblem
from publisher.service import status
from publisher.sources.tickets.events import parse_event
from publisher.sources.tickets.ingest import NotConfigured, Recorded, record_event

#: Largest request body accepted, in bytes: a ticket event is small.
MAX_BODY = 64 * 1024
#: Deepest JSON nesting accepted: an event is one flat object.
MAX_DEPTH = 16
#: Seconds a client may send nothing while its body is read, and for the whole body.
BODY_IDLE_SECONDS = 10.0
BODY_TOTAL_SECONDS = 30.0
WEBHOOK_ACTOR = "webhook"


class _TooLarge(Exception):
    pass


class _TooSlow(Exception):
    pass


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


async def _body(request: Request, limit: int) -> bytes:
    """The body, refusing (before reading it all) anything over ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise InvalidInput("the Content-Length header is not a number")
        if int(declared) > limit:
            raise _TooLarge
    chunks: list[bytes] = []
    size = 0
    deadline = time.monotonic() + BODY_TOTAL_SECONDS
    stream = request.stream().__aiter__()
    while True:
        wait = min(BODY_IDLE_SECONDS, deadline - time.monotonic())
        try:
            chunk = await asyncio.wait_for(stream.__anext__(), timeout=max(wait, 0.0))
        except StopAsyncIteration:
            return b"".join(chunks)
        except TimeoutError:
            raise _TooSlow from None
        size += len(chunk)
        if size > limit:
            raise _TooLarge
        chunks.append(chunk)


def _depth(value: Any, limit: int) -> int:
    """How deep ``value`` nests, counting no further than ``limit + 1``."""
    deepest, level = 0, [(value, 1)]
    while level:
        item, depth = level.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            if depth > limit:
                return depth
            children = item.values() if isinstance(item, dict) else item
            level.extend((child, depth + 1) for child in children)
    return deepest


def _loads(body: bytes) -> Any:
    try:
        data = json.loads(body)
    except RecursionError:
        raise InvalidInput(f"the JSON nests deeper than {MAX_DEPTH} levels") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"malformed JSON: {str(exc).splitlines()[0]}") from None
    if _depth(data, MAX_DEPTH) > MAX_DEPTH:
        raise InvalidInput(f"the JSON nests deeper than {MAX_DEPTH} levels")
    return data


class QueryStringFilter(logging.Filter):
    """Drops the query string of ``/v1/*`` paths from uvicorn's access log: a token may be there."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            path = args[2]
            if path.startswith("/v1/") and "?" in path:
                record.args = (*args[:2], path.split("?", 1)[0], *args[3:])
        return True


def _authorised(request: Request, expected: bytes) -> bool:
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    # compare_digest runs in time independent of where the tokens differ.
    return scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode("utf-8", "surrogateescape"), expected
    )


def _check_database(ctx: Context) -> None:
    status.ping(ctx)


def create_app(ctx: Context, token: str, *, max_body: int = MAX_BODY) -> Starlette:
    """The ASGI app for ``oyez serve``; ``token`` is the bearer token callers must send."""
    if not token:
        raise ValueError("a webhook token is required")
    expected = token.encode("utf-8")
    events_ctx = replace(ctx, actor=WEBHOOK_ACTOR)

    async def healthz(request: Request) -> Response:
        try:
            await run_in_threadpool(_check_database, ctx)
        except OyezError:
            # Never the reason: it names the database's host and port.
            return JSONResponse(
                {"status": "unavailable", "error": "database unavailable"}, status_code=503
            )
        return JSONResponse({"status": "ok"})

    async def tickets(request: Request) -> Response:
        if not _authorised(request, expected):
            return _error(
                401, "missing or wrong bearer token", {"WWW-Authenticate": 'Bearer realm="oyez"'}
            )
        try:
            body = await _body(request, max_body)
        except _TooLarge:
            return _error(413, f"the body is larger than {max_body} bytes")
        except InvalidInput as exc:
            return _error(400, str(exc))
        except _TooSlow:
            return _error(408, "the body came too slowly")
        except ClientDisconnect:
            return _error(400, "the client went away before the body was read")
        try:
            event = parse_event(_loads(body))
            result: Recorded = await run_in_threadpool(
                record_event, events_ctx, event, source="webhook"
            )
        except NotConfigured as exc:
            return _error(409, str(exc))
        except (InvalidInput, NotFoundError) as exc:
            return _error(400, str(exc))
        except StorageProblem as exc:
            return _error(503, str(exc))
        except OyezError as exc:
            return _error(409, str(exc))
        return JSONResponse(result.to_dict(), status_code=200 if result.duplicate else 202)

    return Starlette(
        routes=[
            Route("/healthz", healthz, methods=["GET"]),
            Route("/v1/tickets", tickets, methods=["POST"]),
        ]
    )
