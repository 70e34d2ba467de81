"""What others post to or about an X account, read from mentions and recent search.

X hands tweets back newest first with their authors and the tweets they
reference under ``includes``; this module turns such pages into
:class:`~channels.base.Inbound` items and picks the window to ask for.

A round reads back from the newest tweet to the cursor (or, on the first
round, to ``since``). When its page budget runs out first, it says so
(``complete=False``) and its cursor remembers the gap still to read
(:class:`~channels.gap_cursor.GapCursor`, asked for with ``since_id`` and
``until_id``), so a busy stream loses nothing.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from channels.base import Inbound, InboundPage
from channels.gap_cursor import GapCursor
from channels.x_api import Body, Pages, tweets_of

#: What every listening call asks for: authors and the tweets answered or quoted.
LISTEN_FIELDS: dict[str, list[str]] = {
    "expansions": ["author_id", "referenced_tweets.id"],
    "tweet_fields": [
        "created_at",
        "conversation_id",
        "referenced_tweets",
        "author_id",
        "in_reply_to_user_id",
    ],
    "user_fields": ["username", "name"],
}
#: X's snowflake epoch (2010-11-04T01:42:54.657Z), in milliseconds.
TWITTER_EPOCH_MS = 1288834974657
#: Recent search reaches back this far; an older start or since_id is a 400.
SEARCH_REACH = timedelta(days=7)
#: Kept clear of the edge of the search window: X measures it when the call arrives.
_EDGE = timedelta(minutes=2)


def snowflake_time(tweet_id: str) -> datetime | None:
    """When X made a tweet id (its top bits are milliseconds since X's epoch)."""
    try:
        millis = (int(tweet_id) >> 22) + TWITTER_EPOCH_MS
    except ValueError:
        return None
    return datetime.fromtimestamp(millis / 1000, tz=UTC)


def window(
    cursor: str | None, since: datetime, *, reach: timedelta | None = None
) -> dict[str, Any]:
    """The parameters that ask for items newer than ``cursor``, or else from ``since``.

    A cursor with a gap also bounds the call above (``until_id``). With a
    ``reach`` (recent search), nothing may lie beyond it: a cursor older than
    that gives way to the oldest time X still searches, and a gap wholly
    beyond it is given up.
    """
    start = GapCursor.parse(cursor)
    oldest = datetime.now(UTC) - reach + _EDGE if reach is not None else None
    params: dict[str, Any] = {}
    if start.floor is not None:
        made = snowflake_time(str(start.floor))
        if oldest is None or (made is not None and made > oldest):
            params["since_id"] = str(start.floor)
        else:
            params["start_time"] = oldest
    else:
        begin = utc(since)
        params["start_time"] = begin if oldest is None or begin > oldest else oldest
    if start.below is not None:
        top = snowflake_time(str(start.below))
        if oldest is None or (top is not None and top > oldest):
            params["until_id"] = str(start.below)
    return params


def read_stream(
    fetch: Callable[[str | None], Body],
    budget: int,
    *,
    me: str,
    kind: str,
    cursor: str | None,
    since: datetime,
    web_url: str,
) -> InboundPage:
    """Up to ``budget`` pages of a stream as items; the cursor is the newest id seen.

    The account's own tweets are left out (they move the cursor all the same).
    Without a cursor, only items made at or after ``since`` are kept: X's
    ``start_time`` has whole seconds.
    """
    start = GapCursor.parse(cursor)
    floor = utc(since)
    floor = floor.replace(microsecond=floor.microsecond // 1000 * 1000)
    by_time = start.floor is None
    items: list[Inbound] = []
    newest, reached = start.newest, None
    pages = Pages(fetch, budget)
    for body in pages:
        includes = body.get("includes") or {}
        users = {str(u.get("id")): u for u in includes.get("users") or []}
        referenced = {str(t.get("id")): t for t in includes.get("tweets") or []}
        for tweet in tweets_of(body):
            tweet_id = int(str(tweet["id"]))
            newest = max(newest, tweet_id)
            reached = tweet_id if reached is None else min(reached, tweet_id)
            if str(tweet.get("author_id")) == me:
                continue
            item = inbound(tweet, users, referenced, me=me, kind=kind, web_url=web_url)
            if by_time and item.created_at < floor:
                continue
            items.append(item)
    if pages.more and reached is not None:
        # The budget ran out with older tweets left: read that gap first next round.
        left = GapCursor(newest, start.floor, reached)
        return InboundPage(tuple(items), cursor=str(left), complete=False)
    moved = newest and (cursor is None or str(newest) != cursor)
    return InboundPage(tuple(items), cursor=str(newest) if moved else None)


def inbound(
    tweet: Mapping[str, Any],
    users: Mapping[str, Mapping[str, Any]],
    referenced: Mapping[str, Mapping[str, Any]],
    *,
    me: str,
    kind: str,
    web_url: str,
) -> Inbound:
    """One tweet as an inbox item.

    In the mentions stream, ``kind`` becomes ``reply`` when the tweet answers
    one of the account's tweets and ``quote`` when it quotes one.
    """
    tweet_id = str(tweet["id"])
    refs = {str(r.get("type")): str(r.get("id")) for r in tweet.get("referenced_tweets") or []}
    parent, quoted = refs.get("replied_to"), refs.get("quoted")

    def ours(ref: str | None) -> bool:
        return ref is not None and str((referenced.get(ref) or {}).get("author_id")) == me

    if kind == "mention":
        if parent is not None and (str(tweet.get("in_reply_to_user_id")) == me or ours(parent)):
            kind = "reply"
        elif ours(quoted):
            kind = "quote"
    author = users.get(str(tweet.get("author_id"))) or {}
    username = str(author.get("username") or "")
    base = web_url.rstrip("/")
    return Inbound(
        remote_id=tweet_id,
        kind=kind,
        author_handle=f"@{username}" if username else "",
        author_name=str(author.get("name") or ""),
        # X escapes &, < and > in text; nothing else is markup.
        text=html.unescape(str(tweet.get("text") or "")),
        created_at=_created(tweet),
        url=f"{base}/{username}/status/{tweet_id}"
        if username
        else f"{base}/i/web/status/{tweet_id}",
        in_reply_to=parent,
    )


def _created(tweet: Mapping[str, Any]) -> datetime:
    try:
        return utc(datetime.fromisoformat(str(tweet["created_at"])))
    except (KeyError, ValueError):
        return snowflake_time(str(tweet["id"])) or datetime.now(UTC)


def utc(when: datetime) -> datetime:
    """``when`` in UTC; a naive time is taken to be UTC already."""
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
