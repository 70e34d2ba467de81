"""The inbox: items the streams collected, and what people do with them.

An item is answered through the same path as any post: ``reply`` creates a
post on the item's channel, submits it to the guideline checks and sign-off,
and the engine threads it under the item (``Rendered.reply_to`` is the item's
remote id) and delivers it exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from publisher.context import Context
from publisher.context.serialise import JSONView
from publisher.errors import IllegalTransition, InvalidInput
from publisher.service import posts
from publisher.service.streams import stream_id
from publisher.service.views import PostView
from queue_db import channels as channel_db
from queue_db import inbox as inbox_db
from queue_db import streams as stream_db
from queue_db.inbox import ItemFilter, ItemRecord
from queue_db.states import INBOX_OPEN, InboxState
from queue_db.store import Tx

STATES = tuple(InboxState)
MAX_USER = 128


@dataclass(frozen=True)
class ItemView(JSONView):
    id: int
    channel: str
    streams: list[str]
    remote_id: str
    kind: str
    author_handle: str
    author_name: str
    text: str
    url: str | None
    created_at: datetime
    collected_at: datetime
    #: The remote id of the post it answers, and that post's id in oyez if it is ours.
    in_reply_to: str | None
    answers_post_id: int | None
    state: InboxState
    assignee: str | None
    tags: list[str]
    urgent: bool
    reply_post_id: int | None


@dataclass(frozen=True)
class Reply(JSONView):
    item: ItemView
    post: PostView


def _views(tx: Tx, rows: list[ItemRecord]) -> list[ItemView]:
    channels = {c.id: c.name for c in channel_db.every(tx)}
    links = inbox_db.streams_of(tx, [r.id for r in rows])
    names = stream_db.names_of(tx, sorted({s for ids in links.values() for s in ids}))
    return [
        ItemView(
            id=r.id,
            channel=channels.get(r.channel_id, "?"),
            streams=sorted(names[s] for s in links.get(r.id, []) if s in names),
            remote_id=r.remote_id,
            kind=r.kind,
            author_handle=r.author_handle,
            author_name=r.author_name,
            text=r.text,
            url=r.url,
            created_at=r.created_at,
            collected_at=r.collected_at,
            in_reply_to=r.in_reply_to,
            answers_post_id=r.answers_post_id,
            state=r.state,
            assignee=r.assignee,
            tags=list(r.tags),
            urgent=r.urgent,
            reply_post_id=r.reply_post_id,
        )
        for r in rows
    ]


def item_filter(
    tx: Tx,
    *,
    state: str | None = None,
    stream: str | None = None,
    channel: str | None = None,
    tag: str | None = None,
) -> ItemFilter:
    if state is not None and state not in STATES:
        raise InvalidInput(f"unknown state {state!r} (one of {', '.join(STATES)})")
    return ItemFilter(
        states=(state,) if state else (),
        stream_id=stream_id(tx, stream),
        channel_id=channel_db.by_name(tx, channel).id if channel else None,
        tag=tag,
    )


def list_items(
    ctx: Context,
    *,
    state: str | None = None,
    stream: str | None = None,
    channel: str | None = None,
    tag: str | None = None,
    offset: int = 0,
    limit: int = 100,
) -> list[ItemView]:
    """Items newest first, filtered by state, stream, channel or tag."""
    with ctx.tx() as tx:
        flt = item_filter(tx, state=state, stream=stream, channel=channel, tag=tag)
        return _views(tx, inbox_db.page(tx, flt, offset=offset, limit=limit))


def count_items(ctx: Context, *, state: str | None = None, stream: str | None = None) -> int:
    with ctx.tx() as tx:
        return inbox_db.count(tx, item_filter(tx, state=state, stream=stream))


def get_item(ctx: Context, item_id: int) -> ItemView:
    with ctx.tx() as tx:
        return _views(tx, [inbox_db.get(tx, item_id)])[0]


def _move(
    ctx: Context, item_id: int, to: InboxState, action: str, **changes: str | None
) -> ItemView:
    with ctx.tx() as tx:
        moved = inbox_db.move(tx, item_id, INBOX_OPEN, to, **changes)
        if moved is None:
            now = inbox_db.get(tx, item_id).state
            raise IllegalTransition(
                f"cannot {action} inbox item {item_id}: it is {now} (only new or assigned items)"
            )
        tx.log(
            ctx.actor, f"inbox_{action}", channel_id=moved.channel_id, item=item_id, detail=changes
        )
        return _views(tx, [moved])[0]


def assign_item(ctx: Context, item_id: int, user: str) -> ItemView:
    user = user.strip()
    if not user or len(user) > MAX_USER or any(c.isspace() or not c.isprintable() for c in user):
        raise InvalidInput("the user to assign to must be one word (at most 128 characters)")
    return _move(ctx, item_id, InboxState.ASSIGNED, "assign", assignee=user)


def done_item(ctx: Context, item_id: int) -> ItemView:
    return _move(ctx, item_id, InboxState.DONE, "done")


def ignore_item(ctx: Context, item_id: int) -> ItemView:
    return _move(ctx, item_id, InboxState.IGNORED, "ignore")


def reply_to_item(ctx: Context, item_id: int, text: str, *, at: datetime | None = None) -> Reply:
    """Answer an item: a post on its channel, checked and sent to sign-off like any post.

    Due as soon as it is approved, unless ``at`` is given.
    """
    with ctx.tx() as tx:
        item = inbox_db.get(tx, item_id)
        if item.state not in INBOX_OPEN:
            raise IllegalTransition(
                f"cannot reply to inbox item {item_id}: it is {item.state}"
                + (f" (post {item.reply_post_id})" if item.reply_post_id else "")
            )
        channel = channel_db.by_id(tx, item.channel_id).name
    draft = posts.create_post(ctx, text, [channel], at=at or ctx.clock())
    with ctx.tx() as tx:
        moved = inbox_db.move(tx, item_id, INBOX_OPEN, InboxState.REPLIED, reply_post_id=draft.id)
        if moved is not None:
            tx.log(
                ctx.actor,
                "inbox_replied",
                post_id=draft.id,
                channel_id=item.channel_id,
                item=item_id,
            )
    if moved is None:  # another person answered it in the meantime
        posts.cancel_post(ctx, draft.id)
        raise IllegalTransition(f"inbox item {item_id} was answered or closed meanwhile")
    post = posts.submit_post(ctx, draft.id)
    return Reply(get_item(ctx, item_id), post)


def change_marker(ctx: Context) -> tuple[int, int]:
    """Differs when items arrive or are purged (screens poll it to show new items live)."""
    with ctx.tx() as tx:
        return inbox_db.marker(tx)


def filter_choices(ctx: Context) -> tuple[list[str], list[str]]:
    """The stream names and channel names an inbox can be filtered by."""
    with ctx.tx() as tx:
        names = [s.name for s in stream_db.every(tx)]
        channels = sorted({c.name for c in channel_db.every(tx)})
    return names, channels


def all_items(ctx: Context) -> list[ItemView]:
    """Every item, oldest first (for ``oyez export --include-inbox``)."""
    with ctx.tx() as tx:
        return _views(tx, list(inbox_db.every(tx)))
