"""The webhook behind ``oyez serve``: bearer token, body limit, one-line reasons, nothing recorded on refusal."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
import uvicorn
from typer.testing import CliRunner

from publisher.cli import app as cli
from publisher.context import Context
from publisher.http import create_app
from publisher.http_server import server_config
from publisher.sources.tickets.ingest import list_tickets

TOKEN = "s3cret-token-for-tests-0123456789"
GOOD = {"id": "TT-1234", "status": "open", "title": "Amsterdam–Hamburg link down"}


@contextmanager
def serving(ctx: Context, max_body: int = 1024) -> Iterator[httpx.Client]:
    """The app on uvicorn on a free loopback port, and a client for it."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    app = create_app(ctx, TOKEN, max_body=max_body)
    server = uvicorn.Server(server_config(app, "127.0.0.1", port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.01)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5, trust_env=False) as http:
            yield http
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def client(ctx: Context) -> Iterator[httpx.Client]:
    with serving(ctx) as http:
        yield http


def auth(token: str = TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def nothing_recorded(ctx: Context) -> bool:
    return list_tickets(ctx) == []


def test_a_good_event_is_recorded_and_posted(client: httpx.Client, ctx: Context) -> None:
    response = client.post("/v1/tickets", json=GOOD, headers=auth())
    assert response.status_code == 202
    assert response.json() == {
        "ticket": "TT-1234",
        "event": 1,
        "status": "open",
        "duplicate": False,
        "posts_made": 1,
    }
    (ticket,) = list_tickets(ctx)
    assert ticket.posts[0].post_state == "scheduled"


def test_a_repeated_event_id_is_answered_200_and_recorded_once(
    client: httpx.Client, ctx: Context
) -> None:
    body = {**GOOD, "event_id": "jira-991"}
    assert client.post("/v1/tickets", json=body, headers=auth()).status_code == 202
    again = client.post("/v1/tickets", json=body, headers=auth())
    assert again.status_code == 200
    assert again.json()["duplicate"] is True
    assert list_tickets(ctx)[0].events == 1


@pytest.mark.parametrize(
    "headers",
    [
        {},
        auth("wrong-token"),
        auth(TOKEN + "x"),
        {"Authorization": f"Basic {TOKEN}"},
        {"Authorization": "Bearer"},
    ],
    ids=["none", "wrong", "longer", "basic", "empty"],
)
def test_a_missing_or_wrong_token_gets_401_and_records_nothing(
    client: httpx.Client, ctx: Context, headers: dict[str, str]
) -> None:
    response = client.post("/v1/tickets", json=GOOD, headers=headers)
    assert response.status_code == 401
    assert response.json() == {"error": "missing or wrong bearer token"}
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert TOKEN not in response.text
    assert nothing_recorded(ctx)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{not json", "malformed JSON"),
        (b"", "malformed JSON"),
        (b"\xff\xfe", "malformed JSON"),
        (b"[1, 2]", "must be a JSON object"),
        (json.dumps({"status": "open", "title": "x"}).encode(), "missing field 'id'"),
        (json.dumps({"id": "TT-1", "title": "x"}).encode(), "missing field 'status'"),
        (json.dumps({"id": "TT-1", "status": "open"}).encode(), "needs a title"),
        (json.dumps({"id": "TT-1", "status": "sleepy", "title": "x"}).encode(), "unknown status"),
    ],
)
def test_malformed_json_or_a_bad_field_gets_400_with_one_line_and_records_nothing(
    client: httpx.Client, ctx: Context, body: bytes, reason: str
) -> None:
    response = client.post(
        "/v1/tickets", content=body, headers={**auth(), "Content-Type": "application/json"}
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert reason in error
    assert "\n" not in error
    assert nothing_recorded(ctx)


def test_an_oversized_body_gets_413_and_records_nothing(client: httpx.Client, ctx: Context) -> None:
    big = {**GOOD, "text": "x" * 2000}
    response = client.post("/v1/tickets", json=big, headers=auth())
    assert response.status_code == 413
    assert "larger than 1024 bytes" in response.json()["error"]
    assert nothing_recorded(ctx)


def test_an_oversized_body_without_a_length_is_cut_off_at_the_limit(
    client: httpx.Client, ctx: Context
) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"id": "TT-1", "status": "open", "title": "'
        for _ in range(100):
            yield b"y" * 100
        yield b'"}'

    response = client.post("/v1/tickets", content=chunks(), headers=auth())
    assert response.status_code == 413
    assert nothing_recorded(ctx)


def test_events_before_posting_is_configured_get_409(db_url: str) -> None:
    from tests.helpers import make_context

    bare = make_context(db_url, "olga")
    with serving(bare) as http:
        response = http.post("/v1/tickets", json=GOOD, headers=auth())
    assert response.status_code == 409
    assert "not configured" in response.json()["error"]
    assert list_tickets(bare) == []
    bare.close()


def test_healthz_answers_without_a_token(client: httpx.Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_serve_refuses_to_start_without_a_token(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OYEZ_WEBHOOK_TOKEN", raising=False)
    result = CliRunner().invoke(cli, ["--db", db_url, "serve"])
    assert result.exit_code == 2
    assert "OYEZ_WEBHOOK_TOKEN is not set" in result.stderr
    monkeypatch.setenv("OYEZ_WEBHOOK_TOKEN", "short")
    result = CliRunner().invoke(cli, ["--db", db_url, "serve"])
    assert result.exit_code == 2
    assert "too short" in result.stderr


def test_without_a_token_nothing_is_read_or_recorded_even_for_a_huge_body(
    client: httpx.Client, ctx: Context
) -> None:
    response = client.post("/v1/tickets", content=b"x" * 100_000)
    assert response.status_code == 401
    assert nothing_recorded(ctx)


def test_json_nested_20000_deep_gets_the_json_400(ctx: Context) -> None:
    body = "[" * 20_000 + "]" * 20_000
    with serving(ctx, max_body=64 * 1024) as client:
        response = client.post(
            "/v1/tickets", content=body, headers={**auth(), "Content-Type": "application/json"}
        )
    assert response.status_code == 400
    assert "deeper than" in response.json()["error"]
    assert nothing_recorded(ctx)


@pytest.mark.parametrize("field", ["title", "text", "event_id", "id"])
def test_a_nul_byte_in_a_field_gets_400_and_records_nothing(
    client: httpx.Client, ctx: Context, field: str
) -> None:
    response = client.post("/v1/tickets", json={**GOOD, field: "TT\x00-1"}, headers=auth())
    assert response.status_code == 400
    assert "NUL" in response.json()["error"]
    assert nothing_recorded(ctx)


def test_control_characters_in_a_ticket_title_are_stripped_before_posting(
    client: httpx.Client, ctx: Context
) -> None:
    body = {**GOOD, "title": "Link\x1b[2J down\x07 now\x9b"}
    assert client.post("/v1/tickets", json=body, headers=auth()).status_code == 202
    (ticket,) = list_tickets(ctx)
    assert "Link[2J down now" in (ticket.title or "")


def test_a_client_that_stalls_its_body_is_cut_off(
    ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("publisher.http.BODY_IDLE_SECONDS", 0.5)
    with serving(ctx) as http:
        port = http.base_url.port
        with socket.create_connection(("127.0.0.1", port or 0), timeout=30) as raw:
            raw.sendall(
                f"POST /v1/tickets HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n"
                "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{".encode()
            )
            answer = raw.recv(4096).decode()
    assert answer.startswith("HTTP/1.1 408")
    assert nothing_recorded(ctx)


@pytest.mark.parametrize(
    "sent",
    [b"", b"POST /v1/tickets HTTP/1.1\r\nHost: x\r\n"],
    ids=["nothing", "half the headers"],
)
def test_a_client_that_stalls_its_headers_is_cut_off(
    ctx: Context, monkeypatch: pytest.MonkeyPatch, sent: bytes
) -> None:
    monkeypatch.setattr("publisher.http_server.HeaderDeadlineProtocol.header_seconds", 0.5)
    with serving(ctx) as http:
        port = http.base_url.port
        with socket.create_connection(("127.0.0.1", port or 0), timeout=30) as raw:
            raw.sendall(sent)
            closed = raw.recv(4096)  # blocks until the server closes (or 30 s)
    assert closed == b""
    assert nothing_recorded(ctx)


def test_a_slow_client_does_not_delay_a_quick_one_after_its_headers(ctx: Context) -> None:
    with serving(ctx) as http:
        port = http.base_url.port
        with socket.create_connection(("127.0.0.1", port or 0), timeout=30) as raw:
            raw.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            assert http.get("/healthz").status_code == 200
            raw.sendall(b"\r\n")
            assert raw.recv(4096).startswith(b"HTTP/1.1 ")


def test_healthz_never_shows_the_database_address(ctx: Context) -> None:
    from publisher.errors import StorageProblem

    def down(_: Context) -> None:
        raise StorageProblem("cannot reach the database at db.internal:5432")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("publisher.http._check_database", down)
        with serving(ctx) as http:
            response = http.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "error": "database unavailable"}


def test_the_access_log_never_shows_a_v1_query_string(
    client: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    from publisher.http import QueryStringFilter

    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        "",
        0,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5", "POST", f"/v1/tickets?token={TOKEN}", "1.1", 401),
        None,
    )
    QueryStringFilter().filter(record)
    assert TOKEN not in record.getMessage()
    assert "/v1/tickets" in record.getMessage()
