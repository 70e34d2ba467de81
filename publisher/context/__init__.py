"""The context every service function receives: the Store, settings, who is acting."""

from __future__ import annotations

import getpass
import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from publisher.context.settings import Settings, load_settings
from publisher.errors import NotFoundError, OyezError, PermissionDenied, StorageProblem
from queue_db.database import default_url
from queue_db.errors import Conflict, NotFound, Refused, StoreError
from queue_db.store import Store, Tx
from queue_db.types import utcnow


@dataclass
class Context:
    store: Store
    settings: Settings
    actor: str
    environ: Mapping[str, str] = field(default_factory=lambda: os.environ)
    clock: Callable[[], datetime] = utcnow
    #: Who is really acting: the PostgreSQL login (``session_user``), else the OS login.
    login: str = ""
    #: The login's oyez role on PostgreSQL (``author``, ``approver``…), None if it has none.
    role: str | None = None
    #: The login the audit log records beside ``actor``: an admin acting ``--as``
    #: someone, or the service login. None when the actor is simply the login.
    audit_login: str | None = None

    def __post_init__(self) -> None:
        # A Context made in code (tests, the TUI's engine) learns its login here.
        if self.login:
            return
        if not self.enforced:
            self.login = os_login()
            return
        from queue_db import users  # deferred: its table classes cost ~90 ms at start-up

        with self.store.begin() as tx:
            self.login = users.connected_login(tx)
            user = users.get(tx, self.login)
        self.role = user.role if user else None

    @property
    def enforced(self) -> bool:
        """Is sign-off enforced by the database (PostgreSQL), not just by oyez (SQLite)?"""
        return self.store.dialect == "postgresql"

    @contextmanager
    def tx(self) -> Iterator[Tx]:
        """A Store transaction whose persistence errors become service errors."""
        try:
            with self.store.begin() as tx:
                tx.login = self.audit_login
                yield tx
        except Refused as exc:
            raise PermissionDenied(str(exc)) from None
        except NotFound as exc:
            raise NotFoundError(str(exc)) from None
        except Conflict as exc:
            raise OyezError(str(exc)) from None
        except StoreError as exc:
            raise StorageProblem(str(exc)) from None

    def close(self) -> None:
        self.store.close()


def resolve_actor(explicit: str | None, settings: Settings) -> str:
    """``--as USER``, else ``OYEZ_USER``, else the OS user."""
    if explicit:
        return explicit
    if settings.user:
        return settings.user
    return os_login()


def os_login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _as_refused(how: str, given: str, login: str) -> PermissionDenied:
    return PermissionDenied(
        f"{how} {given!r} refused: on PostgreSQL you act as your database login "
        f"{login!r} (only an oyez admin may act for someone else)"
    )


def _database_identity(
    store: Store, explicit: str | None, settings: Settings
) -> tuple[str, str | None, str, str | None]:
    """(login, role, actor, audit login) on PostgreSQL, where the login is who acts.

    ``--as``/``OYEZ_USER`` naming someone else is refused unless the login is an admin.
    """
    from queue_db import users  # deferred: its table classes cost ~90 ms at start-up

    with store.begin() as tx:
        login = users.connected_login(tx)
        user = users.get(tx, login)
    role = user.role if user else None
    given = explicit or settings.user
    if given and given != login:
        if role != "admin":
            raise _as_refused("--as" if explicit else "OYEZ_USER", given, login)
        return login, role, given, login
    return login, role, login, login if role == "service" else None


def act_as(ctx: Context, name: str) -> None:
    """Make ``name`` the actor (``--as`` on one command): on PostgreSQL only an admin may."""
    if name == ctx.actor:
        return
    if ctx.enforced:
        if name != ctx.login and ctx.role != "admin":
            raise _as_refused("--as", name, ctx.login)
        ctx.audit_login = ctx.login if name != ctx.login else None
    ctx.actor = name


def open_context(
    db_url: str | None = None,
    actor: str | None = None,
    *,
    migrate: bool = False,
    settings: Settings | None = None,
) -> Context:
    """Open the database named by ``db_url``, ``OYEZ_DATABASE_URL`` or the default file."""
    settings = settings or load_settings()
    url = db_url or settings.database_url or default_url()
    try:
        store = Store.open(url, migrate_schema=migrate)
    except StoreError as exc:
        raise StorageProblem(str(exc)) from None
    if store.dialect != "postgresql":
        return Context(
            store=store, settings=settings, actor=resolve_actor(actor, settings), login=os_login()
        )
    try:
        login, role, acting, audit_login = _database_identity(store, actor, settings)
    except OyezError:
        store.close()
        raise
    except StoreError as exc:
        store.close()
        raise StorageProblem(str(exc)) from None
    return Context(
        store=store,
        settings=settings,
        actor=acting,
        login=login,
        role=role,
        audit_login=audit_login,
    )
