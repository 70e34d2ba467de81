"""What others post to or about a Mastodon account: mention notifications, hashtag
timelines and v2 search, read newest first in bounded pages.

A round reads back from the newest item to the cursor (or, on the first
round, to ``since``). When its page budget runs out first, it says so
(``complete=False``) and its cursor remembers the gap still to read,
``NEWEST:FLOOR:BELOW``: the next round reads from ``BELOW`` down to
``FLOOR`` before anything newer, so a busy stream loses nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from channels.base import Inbound, InboundPage
from channels.gap_cursor import GapCursor
from channels.matching import html_to_text

#: The most items Mastodon gives in one page of statuses.
PAGE_SIZE = 40

#: ``fetch(floor, below)``: one page newest first, ids above ``floor`` and below ``below``.
Fetch = Callable[[int | None, int | None], Sequence[Mapping[str, Any]]]


def utc(when: datetime) -> datetime:
    """``when`` in UTC; a naive time is taken to be UTC already."""
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def read_stream(
    fetch: Fetch,
    budget: int,
    *,
    cursor: str | None,
    since: datetime,
    status_of: Callable[[Mapping[str, Any]], Mapping[str, Any] | None],
    to_item: Callable[[Mapping[str, Any]], Inbound | None],
) -> InboundPage:
    """Up to ``budget`` pages of a stream as items.

    ``status_of`` picks the status out of an entry (a notification holds one);
    ``to_item`` turns it into an item, or ``None`` to leave it out (the
    account's own statuses). Without a floor id, items made before ``since``
    end the round.
    """
    start = GapCursor.parse(cursor)
    floor, below, newest = start.floor, start.below, start.newest
    time_floor = utc(since) if floor is None else None
    items: dict[str, Inbound] = {}
    for page in _pages(fetch, budget, floor, below):
        for entry in page.entries:
            newest = max(newest, int(str(entry["id"])))
            status = status_of(entry)
            item = to_item(status) if status is not None else None
            if item is None or (time_floor is not None and item.created_at < time_floor):
                continue
            items[item.remote_id] = item
        if page.last or (time_floor is not None and page.older_than(time_floor)):
            moved = newest and str(newest) != (cursor or "")
            return InboundPage(tuple(items.values()), cursor=str(newest) if moved else None)
        below = page.oldest
    left = GapCursor(newest, floor, below)
    return InboundPage(tuple(items.values()), cursor=str(left), complete=False)


@dataclass(frozen=True)
class _Page:
    entries: Sequence[Mapping[str, Any]]
    last: bool

    @property
    def oldest(self) -> int:
        return min(int(str(e["id"])) for e in self.entries)

    def older_than(self, when: datetime) -> bool:
        times = [created_of(e) for e in self.entries]
        return any(t is not None and t < when for t in times)


def _pages(fetch: Fetch, budget: int, floor: int | None, below: int | None) -> Iterator[_Page]:
    for _ in range(budget):
        entries = list(fetch(floor, below))
        page = _Page(entries, last=len(entries) < PAGE_SIZE)
        if not entries:
            yield _Page(entries, last=True)
            return
        yield page
        below = page.oldest


def created_of(entry: Mapping[str, Any]) -> datetime | None:
    value = entry.get("created_at")
    if isinstance(value, datetime):
        return utc(value)
    try:
        return utc(datetime.fromisoformat(str(value)))
    except ValueError:
        return None


def inbound(status: Mapping[str, Any], *, me: str, kind: str) -> Inbound | None:
    """One status as an inbox item; ``None`` for the account's own.

    In the mentions stream, ``kind`` becomes ``reply`` when the status answers
    one of the account's. A content warning comes first, as Mastodon shows it.
    """
    account = status.get("account") or {}
    if str(account.get("id")) == me:
        return None
    if kind == "mention" and str(status.get("in_reply_to_account_id")) == me:
        kind = "reply"
    text = html_to_text(str(status.get("content") or ""))
    if spoiler := str(status.get("spoiler_text") or ""):
        text = f"{spoiler}\n\n{text}"
    acct = str(account.get("acct") or account.get("username") or "")
    parent = status.get("in_reply_to_id")
    return Inbound(
        remote_id=str(status["id"]),
        kind=kind,
        author_handle=f"@{acct}" if acct else "",
        author_name=str(account.get("display_name") or ""),
        text=text,
        created_at=created_of(status) or datetime.now(UTC),
        url=status.get("url") or status.get("uri"),
        in_reply_to=str(parent) if parent is not None else None,
    )
