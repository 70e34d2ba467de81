"""The context every service function receives: the Store, settings, who is acting."""

from __future__ import annotations

import getpass
import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from publisher.context.settings import Settings, load_settings
from publisher.errors import NotFoundError, OyezError, StorageProblem
from queue_db.database import default_url
from queue_db.errors import Conflict, NotFound, StoreError
from queue_db.store import Store, Tx
from queue_db.types import utcnow


@dataclass
class Context:
    store: Store
    settings: Settings
    actor: str
    environ: Mapping[str, str] = field(default_factory=lambda: os.environ)
    clock: Callable[[], datetime] = utcnow

    @contextmanager
    def tx(self) -> Iterator[Tx]:
        """A Store transaction whose persistence errors become service errors."""
        try:
            with self.store.begin() as tx:
                yield tx
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
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


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
    return Context(store=store, settings=settings, actor=resolve_actor(actor, settings))
