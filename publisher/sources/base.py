"""The steps every source shares when it creates posts by itself.

A source module implements the engine's producer contract
(:mod:`publisher.engine.producers`). Firing must be idempotent by a unique
source key derived from (producer id, fire time), so several workers firing
the same producer create one post: :func:`create_once` and
:func:`submit_draft` are those steps.
"""

from __future__ import annotations

from collections.abc import Callable

from publisher.context import Context
from publisher.errors import IllegalTransition, OyezError
from publisher.service import posts
from publisher.service.views import PostView
from queue_db import posts as post_db

#: Who the audit log names for what the sources do by themselves.
BOT = "oyez"


def existing_post_id(ctx: Context, source_key: str) -> int | None:
    """The id of the post already made for ``source_key``, if any (a key makes one post)."""
    with ctx.tx() as tx:
        post = post_db.by_source_key(tx, source_key)
        return post.id if post else None


def create_once(ctx: Context, source_key: str, make: Callable[[], int]) -> tuple[int, bool]:
    """The post for ``source_key``: (its id, whether ``make()`` made it in this call).

    ``make`` creates the post with that key. A worker that loses the race to
    another (the key is unique) gets the winner's post, not an error.
    """
    post_id = existing_post_id(ctx, source_key)
    if post_id is not None:
        return post_id, False
    try:
        return make(), True
    except OyezError:
        post_id = existing_post_id(ctx, source_key)
        if post_id is None:
            raise
        return post_id, False  # another worker made it first


def submit_draft(bot: Context, post_id: int, in_review: Callable[[PostView], None]) -> None:
    """Submit the post if it is still a draft, then hand it to ``in_review`` if it waits there.

    A post left a draft by a worker that died is taken on from where it stopped;
    another worker moving the same post along at the same moment is not an error.
    """
    try:
        if posts.get_post(bot, post_id).state != "draft":
            return
        view = posts.submit_post(bot, post_id)
        if view.state == "in_review":
            in_review(view)
    except IllegalTransition:
        pass  # another worker is taking the same post through its lifecycle


def hold_or_drop(bot: Context, post_id: int, what: str) -> str:
    """A post of ``what`` (``tip``, ``ticket_post``) has error findings: cancel
    it if ``guidelines.automated_errors`` says drop, else leave it in review for
    a person. Returns the action for the audit log, e.g. ``tip_held``."""
    if bot.settings.guidelines.automated_errors == "drop":
        posts.cancel_post(bot, post_id)
        return f"{what}_dropped"
    return f"{what}_held"
