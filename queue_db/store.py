"""The Store: the database handle, and the transaction every query runs in.

Callers open a transaction with :meth:`Store.begin` and hand the :class:`Tx`
it yields to the noun modules of :mod:`queue_db` (``posts``, ``deliveries``,
``channels``…); everything in one ``with`` block commits together or not at
all. Those modules return frozen records with aware UTC times, never rows.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlmodel import Session, SQLModel, select

from queue_db import schema_version
from queue_db.database import describe, make_engine, sqlite_file
from queue_db.errors import (
    Conflict,
    DatabaseUnavailable,
    NotFound,
    Refused,
    SchemaOutOfDate,
    first_line,
)

M = TypeVar("M", bound=SQLModel)
#: The SQLSTATE of a refused grant, and of the sign-off trigger's refusals.
INSUFFICIENT_PRIVILEGE = "42501"


class Tx:
    """One open transaction. Not thread-safe; never keep it beyond its ``with`` block.

    The noun modules (:mod:`queue_db.posts`, :mod:`queue_db.deliveries`…) take
    a ``Tx`` and are the only code that touches its session. Core statements
    go straight to :attr:`connection`; the ORM session is made on first use
    (about half the cost of a short transaction), in the same transaction.
    """

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._session: Session | None = None
        #: The database login behind the audit log's actor, recorded with each event
        #: when it differs (an admin acting for someone, the service login).
        self.login: str | None = None

    @property
    def session(self) -> Session:
        """The ORM session of this transaction (its rows are flushed before it commits)."""
        if self._session is None:
            # The session joins the connection's transaction; the Store commits that.
            self._session = Session(
                bind=self.connection,
                expire_on_commit=False,
                join_transaction_mode="rollback_only",
            )
        return self._session

    def flush(self) -> None:
        """Write what the session holds so far (Core statements after it may name those rows)."""
        if self._session is not None:
            self._session.flush()

    def _close(self) -> None:
        if self._session is not None:
            self._session.close()

    @property
    def dialect(self) -> str:
        return self.connection.dialect.name

    def add(self, row: M) -> M:
        """Insert ``row`` now (its id is set); a taken unique key is a :class:`Conflict`."""
        self.session.add(row)
        try:
            self.session.flush()
        except IntegrityError as exc:
            raise Conflict(_integrity_message(exc)) from None
        return row

    def by_id(self, model: type[M], row_id: int, what: str) -> M:
        """The ``model`` row with this primary key; :class:`NotFound` ("no WHAT with id N") if none."""
        row = self.session.get(model, row_id)
        if row is None:
            raise NotFound(f"no {what} with id {row_id}")
        return row

    def by_name(self, model: type[M], name: str, what: str, column: str = "name") -> M:
        """The ``model`` row whose ``column`` is ``name``; :class:`NotFound` ("no WHAT named 'x'")."""
        row = self.session.exec(select(model).where(getattr(model, column) == name)).first()
        if row is None:
            raise NotFound(f"no {what} named {name!r}")
        return row

    def log(
        self,
        actor: str,
        action: str,
        *,
        post_id: int | None = None,
        channel_id: int | None = None,
        **detail: Any,
    ) -> int:
        """Append to the audit log, in this transaction; returns the event's id."""
        from queue_db import events  # the writer of the audit log

        if self.login and self.login != actor and "login" not in detail:
            detail["login"] = self.login
        return events.append(
            self, actor, action, post_id=post_id, channel_id=channel_id, detail=detail
        )


class Store:
    """The database behind oyez. Cheap to keep for the life of a process."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        #: Each thread's pinned connection (see :meth:`pinned`).
        self._pin = threading.local()

    @classmethod
    def open(cls, url: str, *, migrate_schema: bool = False) -> Store:
        """Open ``url``; check (or apply, with ``migrate_schema``) the schema version.

        Without ``migrate_schema`` a SQLite file that does not exist is refused
        before anything is created on disk.
        """
        missing = sqlite_file(url)
        if not migrate_schema and missing is not None and not missing.exists():
            raise SchemaOutOfDate(
                f"there is no database at {describe(url)}: run `oyez init` to create it"
            )
        store = cls(make_engine(url))
        try:
            if migrate_schema:
                from queue_db import migrate  # deferred: Alembic is only needed to migrate

                migrate.upgrade(store.engine)
            elif not schema_version.is_current(store.engine):
                raise SchemaOutOfDate(
                    f"the database at {describe(url)} is not initialised or out of date: "
                    "run `oyez init` (or `oyez db upgrade`)"
                )
        except (OperationalError, ProgrammingError) as exc:
            store.engine.dispose()
            raise DatabaseUnavailable(
                f"cannot open the database at {describe(url)}: {first_line(exc.orig)}"
            ) from None
        except Exception:
            store.engine.dispose()
            raise
        return store

    @contextmanager
    def pinned(self) -> Iterator[None]:
        """Run this thread's transactions on one connection until the block ends.

        For a run of short transactions, such as the engine's one per post:
        taking a connection from the pool and giving it back cost about a third
        of each (35 of 100 µs on the 2-core benchmark machine). A transaction
        begun inside another, or after the connection broke, takes its own.
        """
        if getattr(self._pin, "connection", None) is not None:
            yield
            return
        self._pin.connection = self.engine.connect()
        try:
            yield
        finally:
            connection, self._pin.connection = self._pin.connection, None
            connection.close()

    def _pinned(self) -> Connection | None:
        """This thread's pinned connection, if it is free for a transaction."""
        connection: Connection | None = getattr(self._pin, "connection", None)
        if connection is None or connection.in_transaction():
            return None
        if connection.invalidated or connection.closed:
            connection.close()
            connection = self._pin.connection = self.engine.connect()
        return connection

    @contextmanager
    def begin(self) -> Iterator[Tx]:
        """A transaction: commits when the block ends, rolls back if it raises."""
        try:
            pinned = self._pinned()
            if pinned is not None:
                with pinned.begin():
                    yield from self._run(pinned)
            else:
                with self.engine.connect() as connection, connection.begin():
                    yield from self._run(connection)
        except IntegrityError as exc:
            raise Conflict(_integrity_message(exc)) from None
        except OperationalError as exc:
            raise DatabaseUnavailable(f"database error: {first_line(exc.orig)}") from None
        except ProgrammingError as exc:
            if getattr(exc.orig, "sqlstate", None) == INSUFFICIENT_PRIVILEGE:
                raise Refused(first_line(exc.orig).removeprefix("oyez: ")) from None
            raise

    @staticmethod
    def _run(connection: Connection) -> Iterator[Tx]:
        tx = Tx(connection)
        try:
            yield tx
            tx.flush()  # what the session holds, before the commit
        finally:
            tx._close()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        self.engine.dispose()


_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (\w+)\.(\w+)")
_PG_UNIQUE = re.compile(r"Key \((\w+)\)=\((.*?)\) already exists")
_PG_TABLE = re.compile(r'unique constraint "(?:uq|ix)_([a-z]+?)_')


def _integrity_message(exc: IntegrityError) -> str:
    """Say which name is taken, in words, without the database's internals."""
    text = str(exc.orig)
    sqlite = _SQLITE_UNIQUE.search(text)
    if sqlite:
        return f"a {sqlite.group(1)} with that {sqlite.group(2).replace('_', ' ')} already exists"
    pg = _PG_UNIQUE.search(text)
    if pg:
        table = _PG_TABLE.search(text)
        what = table.group(1) if table else "row"
        return f"a {what} with {pg.group(1).replace('_', ' ')} {pg.group(2)!r} already exists"
    return f"conflicts with an existing row: {first_line(exc.orig)}"
