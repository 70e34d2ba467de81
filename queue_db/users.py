"""The people oyez knows, by database login, and their roles. The only writer of ``oyez_user``.

On PostgreSQL a person is their login (``session_user``); :func:`grant` and
:func:`revoke` give a login what its role needs in the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, text
from sqlmodel import col

from queue_db.records import record_of
from queue_db.store import Tx
from queue_db.tables import OyezUser

#: The roles, least to most: ``service`` is the login the daemon connects as.
ROLES = ("author", "approver", "admin", "service")
#: Tables nobody but an admin writes.
ADMIN_TABLES = ("oyez_user", "alembic_version")


@dataclass(frozen=True)
class UserRecord:
    login: str
    role: str
    #: Channel names an approver signs off for; empty means every channel.
    channels: list[str]
    added_by: str
    added_at: datetime

    def approves(self, channel_names: Sequence[str]) -> bool:
        """May this user sign off a post for all of ``channel_names``?"""
        if self.role == "admin":
            return True
        if self.role != "approver":
            return False
        return not self.channels or all(name in self.channels for name in channel_names)


def connected_login(tx: Tx) -> str:
    """The PostgreSQL login this connection authenticated as (never changed by SET ROLE)."""
    return str(tx.session.execute(text("SELECT session_user")).scalar_one())


def get(tx: Tx, login: str) -> UserRecord | None:
    row = tx.session.get(OyezUser, login)
    return record_of(UserRecord, row) if row is not None else None


def all_users(tx: Tx) -> list[UserRecord]:
    rows = tx.session.execute(select(OyezUser).order_by(col(OyezUser.login))).scalars()
    return [record_of(UserRecord, r) for r in rows]


def put(tx: Tx, login: str, role: str, channels: Sequence[str], added_by: str) -> UserRecord:
    """Add the user, or change their role and channels."""
    row = tx.session.get(OyezUser, login)
    if row is None:
        row = OyezUser(login=login, role=role, channels=list(channels), added_by=added_by)
    else:
        row.role, row.channels, row.added_by = role, list(channels), added_by
    tx.session.add(row)
    tx.session.flush()
    return record_of(UserRecord, row)


def remove(tx: Tx, login: str) -> bool:
    result = tx.session.execute(delete(OyezUser).where(col(OyezUser.login) == login))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def login_exists(tx: Tx, login: str) -> bool:
    """Is there a PostgreSQL role of that name that may log in?"""
    found = tx.session.execute(
        text("SELECT 1 FROM pg_roles WHERE rolname = :login AND rolcanlogin"), {"login": login}
    ).first()
    return found is not None


def _quoted(tx: Tx, login: str) -> str:
    return tx.session.get_bind().dialect.identifier_preparer.quote_identifier(login)


def grant(tx: Tx, login: str, role: str) -> None:
    """Give ``login`` what ``role`` needs on every oyez table (PostgreSQL only)."""
    who = _quoted(tx, login)
    revoke(tx, login)
    option = " WITH GRANT OPTION" if role == "admin" else ""
    for statement in (
        f"GRANT USAGE ON SCHEMA public TO {who}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {who}{option}",
        f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {who}{option}",
    ):
        tx.session.execute(text(statement))
    if role != "admin":
        tables = ", ".join(ADMIN_TABLES)
        tx.session.execute(text(f"REVOKE INSERT, UPDATE, DELETE ON {tables} FROM {who}"))


def revoke(tx: Tx, login: str) -> None:
    """Take back every privilege on oyez's tables from ``login`` (PostgreSQL only)."""
    who = _quoted(tx, login)
    tx.session.execute(text(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {who}"))
    tx.session.execute(text(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {who}"))
