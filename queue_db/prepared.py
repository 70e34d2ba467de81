"""Hot statements, compiled once per database and run straight on the driver's cursor.

The delivery engine runs one statement per post before each request (the
attempt start) and a few per group of posts. SQLAlchemy Core spends most of
such a short transaction preparing each execution: the cache lookup, building
the parameters, setting up the result (about 140 µs of a 220 µs statement on
the 2-core benchmark machine, where the driver's own call took 80 µs).

A :class:`Prepared` statement is still a Core statement, so its SQL is written
once for SQLite and PostgreSQL alike. It is compiled the first time it runs on
a dialect; each execution then applies the same bind processors Core would
(aware times to UTC, JSON to text) and hands the SQL to the cursor of the
transaction's own connection, inside the same transaction. Driver errors come
out as SQLAlchemy's, so the Store maps them as it maps any other.

Only for statements whose results need no conversion (integer or text
columns) and that have no expanding ``IN`` parameters; both are checked when
the statement is compiled, so a change that breaks the rule fails at once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

from queue_db.store import Tx

Processor = Callable[[Any], Any]


@dataclass(frozen=True)
class _Compiled:
    sql: str
    #: The values in the order the driver takes them (positional styles), else None.
    pick: Callable[[Mapping[str, Any]], tuple[Any, ...]] | None
    #: Literal values written into the statement (``attempts + 1``, a state).
    fixed: Mapping[str, Any]
    #: Each bind name that Core converts, with its converter.
    processors: tuple[tuple[str, Processor], ...]
    returns_rows: bool


class Prepared:
    """A Core statement run on the driver's cursor; see the module's notes."""

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self._compiled: dict[tuple[str, str, bool], _Compiled] = {}

    def _for(self, dialect: Dialect, *, many: bool = False) -> _Compiled:
        key = (dialect.name, dialect.driver, many)
        found = self._compiled.get(key)
        if found is None:
            found = self._compiled[key] = _compile(self.statement, dialect, many=many)
        return found

    def _parameters(self, compiled: _Compiled, given: Mapping[str, Any]) -> Any:
        values = {**compiled.fixed, **given}
        for name, process in compiled.processors:
            values[name] = process(values[name])
        return values if compiled.pick is None else compiled.pick(values)

    def rows(self, tx: Tx, parameters: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Run it once; the rows it returns (RETURNING or SELECT), as plain tuples."""
        dialect = tx.connection.dialect
        compiled = self._for(dialect)
        values = self._parameters(compiled, parameters)
        cursor = tx.connection.connection.cursor()
        try:
            cursor.execute(compiled.sql, values)
            return list(cursor.fetchall()) if cursor.description else []
        except dialect.loaded_dbapi.Error as exc:
            raise _wrapped(compiled.sql, exc, dialect) from exc
        finally:
            cursor.close()

    def many(self, tx: Tx, parameters: Sequence[Mapping[str, Any]]) -> int:
        """Run it once per parameter set (one ``executemany``); the rows it changed in all.

        Not for a statement that returns rows: drivers count those differently
        (SQLite's says 0).
        """
        dialect = tx.connection.dialect
        compiled = self._for(dialect, many=True)
        if compiled.returns_rows:
            raise TypeError("Prepared.many takes a statement that returns no rows")
        values = [self._parameters(compiled, p) for p in parameters]
        cursor = tx.connection.connection.cursor()
        try:
            cursor.executemany(compiled.sql, values)
            return int(cursor.rowcount)
        except dialect.loaded_dbapi.Error as exc:
            raise _wrapped(compiled.sql, exc, dialect) from exc
        finally:
            cursor.close()


def _compile(statement: ClauseElement, dialect: Dialect, *, many: bool) -> _Compiled:
    # For executemany, as Core compiles it: PostgreSQL's single-row INSERT
    # otherwise gains an implicit RETURNING of the new id.
    compiled = statement.compile(dialect=dialect, for_executemany=many)
    assert isinstance(compiled, SQLCompiler)
    if compiled.literal_execute_params or compiled.post_compile_params:
        raise TypeError("a Prepared statement cannot expand IN lists or literal parameters")
    for column in compiled._result_columns:
        if column.type.dialect_impl(dialect).result_processor(dialect, None) is not None:
            raise TypeError(
                f"a Prepared statement returns only unconverted columns, not {column.keyname}"
            )
    fixed: dict[str, Any] = {}
    processors: dict[str, Processor] = {}
    for bind, name in compiled.bind_names.items():
        if not bind.required:
            fixed[name] = bind.effective_value
        process = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            processors[name] = process
    pick = None
    if dialect.positional:
        order = list(compiled.positiontup or ())
        pick = _picker(order)
    return _Compiled(
        sql=compiled.string,
        pick=pick,
        fixed=fixed,
        processors=tuple(processors.items()),
        returns_rows=bool(compiled._result_columns),
    )


def _picker(order: list[str]) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
    """The values of ``order``'s names, as a tuple (``itemgetter`` of one name gives no tuple)."""
    if not order:
        return lambda _values: ()
    get = itemgetter(*order)
    if len(order) == 1:
        return lambda values: (get(values),)
    return get


def _wrapped(sql: str, exc: Exception, dialect: Dialect) -> StatementError:
    """The driver's error as SQLAlchemy raises it (OperationalError, IntegrityError…)."""
    return DBAPIError.instance(
        sql, None, exc, dialect.loaded_dbapi.Error, hide_parameters=True, dialect=dialect
    )
