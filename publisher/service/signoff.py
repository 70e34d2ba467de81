"""Who may sign a post off, and how many sign-offs it needs.

On PostgreSQL the acting login must be an approver of every channel of the
post (or an admin) and not its author, or the service login for a post a
source made; the database's trigger (migration r001) holds the same rule,
these checks only say it first, in words. A channel set to ``approvals=2``
needs two different approvers; ``approved_by`` lists them in order.
"""

from __future__ import annotations

from publisher.context import Context
from queue_db import users as user_db
from queue_db.deliveries import read
from queue_db.posts import PostRecord
from queue_db.states import Source
from queue_db.store import Tx

#: Sign-offs a channel needs unless its ``approvals`` setting says otherwise.
DEFAULT_APPROVALS = 1


def signers(approved_by: str | None) -> list[str]:
    """The names in ``approved_by``, in the order they signed off."""
    return [n for n in (approved_by or "").split(",") if n]


def approvals_needed(tx: Tx, post_id: int) -> int:
    """The most sign-offs any channel of the post asks for."""
    channels = [c for _, c in read.of_post(tx, post_id)]
    return max(
        (int(c.settings.get("approvals", DEFAULT_APPROVALS)) for c in channels),
        default=DEFAULT_APPROVALS,
    )


def may_auto_approve(ctx: Context, tx: Tx, post: PostRecord) -> bool:
    """May oyez sign off a post that needs no sign-off, in this login's session?

    On PostgreSQL only the service login (for what sources make) and an admin
    may write a sign-off in oyez's name; anyone else's post waits for an approver.
    """
    if not ctx.enforced:
        return True
    return ctx.role in ("service", "admin") and signoff_refused(ctx, tx, post) is None


def signoff_refused(ctx: Context, tx: Tx, post: PostRecord) -> str | None:
    """Why the acting login may not sign ``post`` off, or None. Always None on SQLite."""
    if not ctx.enforced:
        return None
    user = user_db.get(tx, ctx.login)
    if user is None:
        return f"{ctx.login} is not an oyez user (an admin adds them with `oyez users add`)"
    if user.role == "service":
        if post.source == Source.MANUAL:
            return f"the service login {ctx.login} may not approve post {post.id}, which a person wrote"
        return None
    if ctx.login == post.author:
        return f"{ctx.login} wrote post {post.id} and may not approve it"
    channels = [c.name for _, c in read.of_post(tx, post.id)]
    if user.approves(channels):
        return None
    if user.role != "approver":
        return f"{ctx.login} is an {user.role} and may not approve posts"
    missing = ", ".join(c for c in channels if c not in user.channels)
    return f"{ctx.login} is not an approver of {missing} and may not approve post {post.id}"
