"""Who may sign off: the logins oyez knows, their roles, and the channels approvers cover.

Roles matter on PostgreSQL, where a person is their database login and a
trigger enforces sign-off. SQLite is the single-operator sandbox: there is
nothing to enforce there, so these commands say so and change nothing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from publisher.context import Context
from publisher.errors import InvalidInput, NotFoundError, PermissionDenied
from queue_db import channels as channel_db
from queue_db import users as user_db

ROLES = ("author", "approver", "admin", "service")
#: A login name as oyez accepts it: a plain PostgreSQL identifier.
LOGIN = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
NOT_ENFORCED = "sign-off is not enforced on SQLite (the single-operator sandbox): use PostgreSQL"


@dataclass(frozen=True)
class UserView:
    login: str
    role: str
    channels: list[str]
    added_by: str
    added_at: str

    @classmethod
    def of(cls, user: user_db.UserRecord) -> UserView:
        return cls(
            user.login, user.role, list(user.channels), user.added_by, user.added_at.isoformat()
        )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _admin_only(ctx: Context, what: str) -> None:
    if not ctx.enforced:
        raise InvalidInput(f"cannot {what}: {NOT_ENFORCED}")
    if ctx.role != "admin":
        raise PermissionDenied(
            f"cannot {what}: {ctx.login} is {ctx.role or 'not an oyez user'}, not an admin"
        )


def add_user(ctx: Context, login: str, role: str, channels: Sequence[str] = ()) -> UserView:
    """Give ``login`` a role (and for an approver, channels) and the grants it needs."""
    login = login.strip()
    if not LOGIN.match(login):
        raise InvalidInput(
            f"login {login!r} must be a plain PostgreSQL name: lower-case letters, digits, '_'"
        )
    if role not in ROLES:
        raise InvalidInput(f"--role must be one of {', '.join(ROLES)}, not {role!r}")
    names = [c.strip() for c in channels if c.strip()]
    if names and role != "approver":
        raise InvalidInput("--channels is for approvers: authors, admins and the service have none")
    _admin_only(ctx, "add users")
    if login == ctx.login and role != "admin":
        raise InvalidInput(f"{login} is you: an admin cannot take their own admin role away")
    with ctx.tx() as tx:
        for name in names:
            channel_db.by_name(tx, name)
        if not user_db.login_exists(tx, login):
            raise NotFoundError(
                f"there is no PostgreSQL login {login!r}: ask the DBA to run "
                f"CREATE ROLE {login} LOGIN PASSWORD '…' first"
            )
        user = user_db.put(tx, login, role, names, ctx.login)
        user_db.grant(tx, login, role)
        tx.log(ctx.actor, "user_added", login=login, role=role, channels=names)
        return UserView.of(user)


def list_users(ctx: Context) -> list[UserView]:
    with ctx.tx() as tx:
        return [UserView.of(u) for u in user_db.all_users(tx)]


def remove_user(ctx: Context, login: str) -> None:
    """Take the login's role and its grants away (the PostgreSQL role stays, for the DBA)."""
    _admin_only(ctx, "remove users")
    if login == ctx.login:
        raise InvalidInput(f"{login} is you: another admin must remove you")
    with ctx.tx() as tx:
        if not user_db.remove(tx, login):
            raise NotFoundError(f"no oyez user named {login!r}")
        user_db.revoke(tx, login)
        tx.log(ctx.actor, "user_removed", login=login)
