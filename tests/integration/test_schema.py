from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel

import queue_db.tables  # noqa: F401
from queue_db.database import make_engine
from queue_db.errors import SchemaOutOfDate
from queue_db.migrate import heads, is_current
from queue_db.store import Store


def test_migrated_schema_equals_the_models(db_url: str) -> None:
    engine = make_engine(db_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, SQLModel.metadata)
    engine.dispose()
    assert diff == []


def test_migrations_reach_every_head(db_url: str) -> None:
    engine = make_engine(db_url)
    assert heads()
    assert is_current(engine)
    engine.dispose()


def test_unmigrated_database_is_refused_with_a_hint(tmp_path: Path) -> None:
    with pytest.raises(SchemaOutOfDate, match="oyez init"):
        Store.open(f"sqlite:///{tmp_path / 'empty.db'}")


def test_schema_check_without_alembic_agrees_with_alembic(db_url: str, tmp_path: Path) -> None:
    from queue_db import schema_version

    assert set(schema_version.script_heads()) == heads()
    engine = make_engine(db_url)
    assert schema_version.is_current(engine)
    engine.dispose()
    empty = make_engine(f"sqlite:///{tmp_path / 'never.db'}")
    assert schema_version.database_heads(empty) == set()
    assert not schema_version.is_current(empty)
    empty.dispose()
