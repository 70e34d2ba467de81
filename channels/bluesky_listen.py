"""What others post to or about a Bluesky account: its notifications (mentions,
replies, quotes) and post search, read newest first in bounded pages.

Both endpoints page one way only, from the newest item down, with an opaque
API cursor. A round reads down to the newest item the previous round saw (or,
on the first round, to ``since``). The cursor oyez keeps is ours, a small JSON
object: the newest item's time and the uris at exactly that time (so a tie is
neither lost nor read twice). When the page budget runs out first, the round
says so (``complete=False``) and the cursor also holds the gap still to read
(the old floor and the API cursor where the round stopped): the next round
reads that gap before anything newer, so a busy stream loses nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from channels.base import Inbound, InboundPage

#: The most items listNotifications and searchPosts give in one page.
PAGE_SIZE = 100
#: The notification reasons that are posts to answer.
REASONS = ("mention", "reply", "quote")

#: ``fetch(api_cursor)``: one page newest first (entries and the next API cursor).
Fetch = Callable[[str | None], tuple[Sequence[Any], str | None]]


def utc(when: datetime) -> datetime:
    """``when`` in UTC; a naive time is taken to be UTC already."""
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def parse_time(value: object) -> datetime | None:
    """An atproto datetime string (``...Z`` or an offset) in UTC, or None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return utc(datetime.fromisoformat(value.replace("Z", "+00:00")))
    except ValueError:
        return None


@dataclass(frozen=True)
class _Mark:
    """A position in a stream: a time and the uris seen at exactly that time."""

    at: datetime | None = None
    uris: frozenset[str] = frozenset()

    def covers(self, when: datetime, uri: str) -> bool:
        """Whether the item (``when``, ``uri``) is at or below this mark (seen already)."""
        return self.at is not None and (when < self.at or (when == self.at and uri in self.uris))

    def add(self, when: datetime, uri: str) -> _Mark:
        if self.at is None or when > self.at:
            return _Mark(when, frozenset({uri}))
        if when == self.at:
            return _Mark(when, self.uris | {uri})
        return self

    def dump(self) -> dict[str, Any]:
        return {"at": self.at.isoformat() if self.at else None, "uris": sorted(self.uris)}

    @classmethod
    def load(cls, data: object) -> _Mark:
        if not isinstance(data, dict):
            return cls()
        uris = data.get("uris")
        return cls(
            parse_time(data.get("at")),
            frozenset(str(u) for u in uris) if isinstance(uris, list) else frozenset(),
        )


@dataclass(frozen=True)
class _Cursor:
    newest: _Mark = _Mark()
    #: While a gap is still to read: its floor and the API cursor to go on from.
    floor: _Mark | None = None
    resume: str | None = None

    @classmethod
    def parse(cls, cursor: str | None) -> _Cursor:
        try:
            data = json.loads(cursor or "null")
        except ValueError:
            return cls()
        if not isinstance(data, dict):
            return cls()
        resume = data.get("resume")
        floor = _Mark.load(data.get("floor")) if isinstance(resume, str) else None
        return cls(_Mark.load(data.get("newest")), floor, resume if floor else None)

    def __str__(self) -> str:
        data: dict[str, Any] = {"newest": self.newest.dump()}
        if self.resume is not None and self.floor is not None:
            data |= {"floor": self.floor.dump(), "resume": self.resume}
        return json.dumps(data, separators=(",", ":"))


def read_stream(
    fetch: Fetch,
    budget: int,
    *,
    cursor: str | None,
    since: datetime,
    to_item: Callable[[Any], Inbound | None],
) -> InboundPage:
    """Up to ``budget`` pages of a stream as items.

    ``to_item`` turns an entry into an item, or ``None`` to leave it out (the
    account's own posts, other notification reasons); every entry counts for
    the cursor. Without a floor, items made before ``since`` end the round.
    """
    start = _Cursor.parse(cursor)
    newest = start.newest
    floor = start.floor if start.resume is not None else start.newest
    if floor is not None and floor.at is None:
        floor = None
    time_floor = utc(since) if floor is None else None
    api = start.resume
    items: dict[str, Inbound] = {}
    for _ in range(budget):
        entries, next_api = fetch(api)
        reached = False
        for entry in entries:
            uri = str(entry.uri)
            when = parse_time(getattr(entry, "indexed_at", None))
            if when is None:
                continue
            if (floor is not None and floor.covers(when, uri)) or (
                time_floor is not None and when < time_floor
            ):
                reached = True
                continue
            newest = newest.add(when, uri)
            if (item := to_item(entry)) is not None:
                items[item.remote_id] = item
        if reached or not next_api or next_api == api:
            moved = newest != start.newest or start.resume is not None
            done = _Cursor(newest)
            return InboundPage(tuple(items.values()), cursor=str(done) if moved else None)
        api = next_api
    left = _Cursor(newest, floor or _Mark(time_floor), api)
    return InboundPage(tuple(items.values()), cursor=str(left), complete=False)


def field_of(value: Any, name: str) -> Any:
    """A field of an atproto model or of the plain dict it may come as."""
    if isinstance(value, dict):
        return value.get(name)
    return getattr(value, name, None)


def parent_of(record: Any) -> str | None:
    """The uri of the post a post record answers, if it answers one."""
    reply = field_of(record, "reply")
    parent = field_of(reply, "parent") if reply is not None else None
    uri = field_of(parent, "uri") if parent is not None else None
    return str(uri) if uri else None


def post_url(web_url: str, handle: str, uri: str) -> str:
    rkey = uri.rsplit("/", 1)[-1]
    return f"{web_url.rstrip('/')}/profile/{handle}/post/{rkey}"


def inbound(entry: Any, *, me: str, kind: str, web_url: str) -> Inbound | None:
    """A notification or a post view as an inbox item; ``None`` for the account's own.

    ``kind`` is the notification's reason (``mention``, ``reply``, ``quote``) or
    ``search``. The time is the AppView's ``indexedAt``: it orders the stream.
    """
    author = entry.author
    if str(author.did) == me:
        return None
    record = entry.record
    handle = str(author.handle or "")
    parent = parent_of(record)
    return Inbound(
        remote_id=str(entry.uri),
        kind=kind,
        author_handle=f"@{handle}" if handle else "",
        author_name=str(getattr(author, "display_name", None) or ""),
        text=str(field_of(record, "text") or ""),
        created_at=parse_time(entry.indexed_at) or datetime.now(UTC),
        url=post_url(web_url, handle or str(author.did), str(entry.uri)),
        in_reply_to=parent,
    )
