"""The small HTTP API behind ``oyez serve``: ticket events in, health out.

- ``POST /v1/tickets`` takes one ticket event as a JSON object (the fields of
  ``oyez tickets event``: ``id``, ``status``, ``title``, ``text``, ``impact``,
  ``service``, ``url``, ``event_id``). It needs ``Authorization: Bearer TOKEN``;
  the token is compared in constant time and never logged or echoed. A missing
  or wrong token gets 401 before the body is read; a body over the limit 413;
  malformed JSON or a bad field 400; posting not configured 409; a recorded
  event 202 (200 for a repeat of an ``event_id`` already recorded). Every
  refusal is a JSON ``{"error": "one line"}`` and records nothing.
- ``GET /healthz``: 200 ``{"status": "ok"}`` when the database answers, else 503.
"""

from __future__ import annotations

import hmac
import json
from dataclasses import replace

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
WEBHOOK_ACTOR = "webhook"


class _TooLarge(Exception):
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
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _TooLarge
        chunks.append(chunk)
    return b"".join(chunks)


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
        except OyezError as exc:
            return JSONResponse({"status": "unavailable", "error": str(exc)}, status_code=503)
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
        except ClientDisconnect:
            return _error(400, "the client went away before the body was read")
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            return _error(400, f"malformed JSON: {str(exc).splitlines()[0]}")
        try:
            event = parse_event(data)
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
