"""Schema migrations through Alembic, configured in code (no alembic.ini needed).

Each feature area owns a branch of migrations; ``upgrade`` applies every head.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import OperationalError

from queue_db.errors import DatabaseUnavailable

MIGRATIONS = Path(__file__).parent / "migrations"


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(engine: Engine, revision: str = "heads") -> None:
    """Bring the database schema up to ``revision`` (default: every head)."""
    config = _config()
    try:
        with engine.connect() as connection:
            sqlite = connection.dialect.name == "sqlite"
            if sqlite:
                # SQLite rebuilds a table to alter it (drop, then rename a copy), and
                # dropping a table others refer to fails with foreign keys on. So,
                # as SQLite's documentation says: off outside the transaction,
                # checked before the commit, and on again afterwards.
                connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
                connection.commit()
            try:
                with connection.begin():
                    config.attributes["connection"] = connection
                    command.upgrade(config, revision)
                    if sqlite:
                        _check_foreign_keys(connection)
            finally:
                if sqlite:
                    connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                    connection.commit()
    except OperationalError as exc:
        raise DatabaseUnavailable(f"cannot migrate the database: {exc.orig}") from None


def _check_foreign_keys(connection: Connection) -> None:
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise DatabaseUnavailable(f"migrating broke {len(broken)} foreign keys, e.g. {broken[0]}")


def heads() -> set[str]:
    return set(ScriptDirectory.from_config(_config()).get_heads())


def current(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads())


def is_current(engine: Engine) -> bool:
    return current(engine) == heads()
