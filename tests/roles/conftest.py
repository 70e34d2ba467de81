"""A PostgreSQL database with several login roles, each connecting with its own URL and password."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from publisher.context import Context, open_context
from publisher.context.settings import Settings
from publisher.service import channels, users
from tests.conftest import drop_pg_database, new_pg_database
from tests.pg import PostgresServer

#: The people of the newsroom: login → (role, channels).
PEOPLE = {
    "oy_alice": ("author", ()),
    "oy_bob": ("approver", ("news",)),
    "oy_carol": ("approver", ("tips",)),
    "oy_dave": ("approver", ()),
    "oy_erin": ("approver", ("news", "tips")),
    "oy_svc": ("service", ()),
}
#: A login the DBA created but no admin added.
STRANGER = "oy_mallory"


def password(login: str) -> str:
    return f"pw-{login}"


@pytest.fixture(scope="session")
def logins(pg_server: PostgresServer) -> PostgresServer:
    """The PostgreSQL login roles (the DBA's CREATE ROLE … LOGIN), made once per server."""
    with psycopg.connect(pg_server.url().replace("+psycopg", ""), autocommit=True) as conn:
        for login in [*PEOPLE, STRANGER]:
            found = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (login,)).fetchone()
            if not found:
                conn.execute(f"CREATE ROLE {login} LOGIN PASSWORD '{password(login)}'")
    return pg_server


@pytest.fixture
def team_db(logins: PostgresServer, tmp_path: Path) -> Iterator[str]:
    """A migrated database (postgres ran the migration: the first admin) with two channels
    and every person of :data:`PEOPLE` added by that admin."""
    url = new_pg_database(logins)
    admin = open_context(url, settings=Settings(database_url=url))
    try:
        channels.add_channel(admin, "news", "outbox", {"path": str(tmp_path / "news")})
        channels.add_channel(admin, "tips", "outbox", {"path": str(tmp_path / "tips")})
        for login, (role, chans) in PEOPLE.items():
            users.add_user(admin, login, role, chans)
    finally:
        admin.close()
    yield url
    drop_pg_database(logins, url)


def url_of(db_url: str, login: str) -> str:
    """The database URL as ``login`` connects: its own user and password."""
    return db_url.replace("postgres@", f"{login}:{password(login)}@", 1)


@pytest.fixture
def connect(team_db: str) -> Iterator[Callable[..., Context]]:
    """``connect("oy_bob")``: a Context connected as that login (``actor``/``user`` as --as/OYEZ_USER)."""
    opened: list[Context] = []

    def open_as(login: str, actor: str | None = None, user: str | None = None) -> Context:
        url = url_of(team_db, login) if login != "postgres" else team_db
        ctx = open_context(url, actor, settings=Settings(database_url=url, user=user or ""))
        opened.append(ctx)
        return ctx

    yield open_as
    for ctx in opened:
        ctx.close()
