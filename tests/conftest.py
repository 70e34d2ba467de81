"""Shared fixtures: real SQLite files and a real PostgreSQL started from local binaries."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from queue_db.database import make_engine
from queue_db.migrate import upgrade
from queue_db.store import Store
from tests.pg import PostgresServer, find_bindir, start_server

_counter = itertools.count()
TEMPLATE = "oyez_template"


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    if find_bindir() is None:
        if os.environ.get("OYEZ_REQUIRE_POSTGRES"):
            pytest.fail("OYEZ_REQUIRE_POSTGRES is set but no PostgreSQL binaries are installed")
        pytest.skip("no PostgreSQL server binaries installed (apt-get install postgresql)")
    server = start_server()
    try:
        with psycopg.connect(server.url().replace("+psycopg", ""), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {TEMPLATE}")
        engine = make_engine(server.url(TEMPLATE))
        upgrade(engine)
        engine.dispose()
        yield server
    finally:
        server.stop()


def new_pg_database(server: PostgresServer) -> str:
    """A fresh, migrated database (a copy of the migrated template)."""
    name = f"oyez_test_{os.getpid()}_{next(_counter)}"
    with psycopg.connect(server.url().replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
    return server.url(name)


def drop_pg_database(server: PostgresServer, url: str) -> None:
    """Drop a test database (even with connections left open), so the server stays small."""
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(server.url().replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated database URL: a SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'oyez.db'}"
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url
        return
    server: PostgresServer = request.getfixturevalue("pg_server")
    url = new_pg_database(server)
    yield url
    drop_pg_database(server, url)


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    s = Store.open(db_url)
    yield s
    s.close()
