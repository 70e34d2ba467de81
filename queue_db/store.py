"""The Store: every query oyez makes against the queue lives here or in :mod:`queue_db.claims`.

Callers open a transaction with :meth:`Store.begin` and call the query methods
of the :class:`Tx` it yields; everything in one ``with`` block commits together
or not at all. Rows come back as detached model objects with aware UTC times.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Engine, bindparam, func, or_, update
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlmodel import Session, SQLModel, col, select

from queue_db import schema_version
from queue_db.database import describe, make_engine
from queue_db.errors import (
    Conflict,
    DatabaseUnavailable,
    NotFound,
    SchemaOutOfDate,
    first_line,
)
from queue_db.models import Channel, Delivery, Event, Post, Setting, Worker
from queue_db.types import utcnow

M = TypeVar("M", bound=SQLModel)


class Tx:
    """One open transaction. Not thread-safe; never keep it beyond its ``with`` block."""

    def __init__(self, session: Session) -> None:
        self.session = session

    # -- generic -----------------------------------------------------------------------

    def add(self, row: M) -> M:
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

    def log(
        self,
        actor: str,
        action: str,
        *,
        post_id: int | None = None,
        channel_id: int | None = None,
        **detail: Any,
    ) -> Event:
        """Append to the audit log, in this transaction."""
        return self.add(
            Event(actor=actor, action=action, post_id=post_id, channel_id=channel_id, detail=detail)
        )

    # -- channels ----------------------------------------------------------------------

    def channel(self, name: str) -> Channel:
        row = self.session.exec(select(Channel).where(Channel.name == name)).first()
        if row is None:
            raise NotFound(f"no channel named {name!r}")
        return row

    def update_channel(self, channel_id: int | None, **values: Any) -> None:
        self.session.execute(update(Channel).where(col(Channel.id) == channel_id).values(**values))

    def channels(self) -> list[Channel]:
        return list(self.session.exec(select(Channel).order_by(col(Channel.name))))

    def delete_channel(self, channel: Channel) -> None:
        in_use = self.session.exec(
            select(func.count())
            .select_from(Delivery)
            .where(Delivery.channel_id == channel.id)
            .where(col(Delivery.state).in_(("pending", "held", "sending", "needs_attention")))
        ).one()
        archived = self.session.exec(
            select(func.count()).select_from(Delivery).where(Delivery.channel_id == channel.id)
        ).one()
        if in_use:
            raise Conflict(
                f"channel {channel.name!r} is still a target of {in_use} post(s) that have not "
                "gone out (drafts, in review or scheduled): cancel them or remove the channel "
                "from them first"
            )
        if archived:
            raise Conflict(
                f"channel {channel.name!r} has {archived} deliveries in the archive and cannot be "
                f"removed; pause it instead (oyez pause {channel.name})"
            )
        self.session.delete(channel)
        self.session.flush()

    # -- posts -------------------------------------------------------------------------

    def post(self, post_id: int) -> Post:
        row = self.session.get(Post, post_id)
        if row is None:
            raise NotFound(f"no post with id {post_id}")
        return row

    def post_by_source_key(self, source_key: str) -> Post | None:
        return self.session.exec(select(Post).where(Post.source_key == source_key)).first()

    def posts(
        self,
        *,
        states: Sequence[str] = (),
        source: str | None = None,
        channel_id: int | None = None,
        search: str | None = None,
        limit: int | None = None,
        offset: int = 0,
        newest_first: bool = False,
    ) -> list[Post]:
        query = select(Post)
        if states:
            query = query.where(col(Post.state).in_(states))
        if source:
            query = query.where(Post.source == source)
        if channel_id is not None:
            query = query.where(
                col(Post.id).in_(select(Delivery.post_id).where(Delivery.channel_id == channel_id))
            )
        if search:
            query = query.where(col(Post.text).ilike(f"%{search}%"))
        order = col(Post.scheduled_at)
        if newest_first:
            query = query.order_by(order.desc(), col(Post.id).desc())
        else:
            query = query.order_by(order.asc().nulls_last(), col(Post.id))
        if offset:
            query = query.offset(offset)
        if limit is not None:
            query = query.limit(limit)
        return list(self.session.exec(query))

    def count_posts_by_state(self) -> dict[str, int]:
        rows = self.session.exec(select(Post.state, func.count()).group_by(Post.state)).all()
        return {state: count for state, count in rows}

    def transition_post(
        self, post: Post, from_states: Sequence[str], to_state: str, **changes: Any
    ) -> bool:
        """Move ``post`` to ``to_state`` only if it is still in one of ``from_states``.

        One conditional UPDATE, so two people acting at once cannot both win.
        Returns False (and changes nothing) if someone else moved it first.
        """
        values = {"state": to_state, "updated_at": utcnow(), **changes}
        result = self.session.execute(
            update(Post)
            .where(col(Post.id) == post.id)
            .where(col(Post.state).in_(from_states))
            .values(**values)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return False
        for key, value in values.items():
            setattr(post, key, value)
        return True

    # -- deliveries --------------------------------------------------------------------

    def deliveries(self, post_id: int) -> list[tuple[Delivery, Channel]]:
        rows = self.session.exec(
            select(Delivery, Channel)
            .join(Channel, col(Channel.id) == Delivery.channel_id)
            .where(Delivery.post_id == post_id)
            .order_by(col(Channel.name))
        ).all()
        return [(d, c) for d, c in rows]

    def deliveries_for_posts(
        self, post_ids: Sequence[int]
    ) -> dict[int, list[tuple[Delivery, Channel]]]:
        out: dict[int, list[tuple[Delivery, Channel]]] = {pid: [] for pid in post_ids}
        if not post_ids:
            return out
        rows = self.session.exec(
            select(Delivery, Channel)
            .join(Channel, col(Channel.id) == Delivery.channel_id)
            .where(col(Delivery.post_id).in_(post_ids))
            .order_by(col(Channel.name))
        ).all()
        for d, c in rows:
            out[d.post_id].append((d, c))
        return out

    def set_post_channels(self, post: Post, channels: Sequence[Channel]) -> None:
        """Make the post's deliveries match ``channels`` (only before anything was sent)."""
        assert post.id is not None
        existing = {d.channel_id: d for d, _ in self.deliveries(post.id)}
        wanted = {c.id for c in channels}
        for channel_id, delivery in existing.items():
            if channel_id not in wanted:
                self.session.delete(delivery)
        for channel in channels:
            if channel.id not in existing:
                assert channel.id is not None
                self.session.add(Delivery(post_id=post.id, channel_id=channel.id))
        self.session.flush()

    def schedule_deliveries(self, post_id: int, due_at: datetime) -> int:
        """Make every waiting delivery of a post due at ``due_at``."""
        result = self.session.execute(
            update(Delivery)
            .where(col(Delivery.post_id) == post_id)
            .where(or_(col(Delivery.state) == "pending", col(Delivery.state) == "held"))
            .values(state="pending", due_at=due_at, next_attempt_at=due_at, updated_at=utcnow())
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    def hold_deliveries(self, post_id: int, state: str = "held") -> int:
        """Take a post's unsent deliveries off the schedule (``held``) or end them."""
        result = self.session.execute(
            update(Delivery)
            .where(col(Delivery.post_id) == post_id)
            .where(col(Delivery.state).in_(("pending", "held")))
            .values(state=state, next_attempt_at=None, updated_at=utcnow())
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    def recent_sent_texts(self, since: datetime, limit: int = 5000) -> list[str]:
        """Texts published since ``since``, newest first (for near-duplicate checks)."""
        rows = self.session.exec(
            select(Delivery.final_text)
            .where(col(Delivery.state) == "sent", col(Delivery.sent_at) >= since)
            .order_by(col(Delivery.sent_at).desc())
            .limit(limit)
        ).all()
        return list(dict.fromkeys(t for t in rows if t))

    # -- events, workers, settings ---------------------------------------------------

    def events(self, post_id: int | None = None, limit: int = 100) -> list[Event]:
        query = select(Event)
        if post_id is not None:
            query = query.where(Event.post_id == post_id)
        return list(self.session.exec(query.order_by(col(Event.id).desc()).limit(limit)))

    def setting(self, key: str) -> dict[str, Any]:
        # A column read, not an ORM load: the dispatcher reads the crisis pause every batch.
        value = self.session.execute(_SETTING_VALUE, {"key": key}).scalar()
        return dict(value) if value else {}

    def put_setting(self, key: str, value: dict[str, Any]) -> None:
        row = self.session.get(Setting, key)
        if row is None:
            self.session.add(Setting(key=key, value=value))
        else:
            row.value = value
            row.updated_at = utcnow()
            self.session.add(row)
        self.session.flush()

    def workers(self) -> list[Worker]:
        return list(self.session.exec(select(Worker).order_by(col(Worker.name))))


class Store:
    """The database behind oyez. Cheap to keep for the life of a process."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def open(cls, url: str, *, migrate_schema: bool = False) -> Store:
        """Open ``url``; check (or apply, with ``migrate_schema``) the schema version."""
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
    def begin(self) -> Iterator[Tx]:
        """A transaction: commits when the block ends, rolls back if it raises."""
        try:
            with Session(self.engine, expire_on_commit=False) as session, session.begin():
                yield Tx(session)
        except IntegrityError as exc:
            raise Conflict(_integrity_message(exc)) from None
        except OperationalError as exc:
            raise DatabaseUnavailable(f"database error: {first_line(exc.orig)}") from None

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        self.engine.dispose()


_SETTING_VALUE = sa_select(col(Setting.value)).where(col(Setting.key) == bindparam("key"))

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
