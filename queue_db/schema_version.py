"""Is the database's schema the one this oyez expects? Answered without importing Alembic.

Every process checks this when it opens the database, and Alembic (with Mako
and Pygments behind it) costs about 10 MiB and a noticeable start-up delay;
only ``oyez init``/``db upgrade`` need Alembic itself (:mod:`queue_db.migrate`).
The migration scripts are read as Python syntax, never executed, for their
``revision`` and ``down_revision``; the database's ``alembic_version`` table
says where it stands. A test keeps this in step with Alembic's own answer.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

from sqlalchemy import Engine, inspect, text

VERSIONS = Path(__file__).parent / "migrations" / "versions"


def _declared(path: Path) -> tuple[str | None, set[str]]:
    revision: str | None = None
    parents: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            name, value = node.target.id, node.value
        elif isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            name, value = node.targets[0].id, node.value
        else:
            continue
        if value is None or name not in ("revision", "down_revision"):
            continue
        literal = ast.literal_eval(value)
        if name == "revision":
            revision = str(literal)
        elif isinstance(literal, str):
            parents.add(literal)
        elif isinstance(literal, (tuple, list)):
            parents.update(str(p) for p in literal)
    return revision, parents


@cache
def script_heads() -> frozenset[str]:
    """The head revisions of the migration scripts shipped with this oyez."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in VERSIONS.glob("*.py"):
        revision, down = _declared(path)
        if revision:
            revisions.add(revision)
            parents |= down
    return frozenset(revisions - parents)


def database_heads(engine: Engine) -> set[str]:
    """The revisions the database says it is at (empty if never migrated)."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return set()
        rows = connection.execute(text("SELECT version_num FROM alembic_version"))
        return {str(row[0]) for row in rows}


def is_current(engine: Engine) -> bool:
    return database_heads(engine) == set(script_heads())
