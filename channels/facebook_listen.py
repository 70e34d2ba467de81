"""Listening on a Facebook Page: comments (and replies to comments) on its recent posts.

Graph has no feed of a Page's comments and no public post search. A round
reads the Page's newest posts (``listen_posts`` of them) with their
``updated_time``, which Graph moves on with every comment, and reads the
comments of only those touched since the cursor, newest first, until it
reaches the cursor. Comments on older posts are not seen.

The cursor is the newest ``created_time`` seen (whole seconds, as Graph
gives them) and the ids of the comments made in that second, so the next
round starts at that second without handing the same comments back.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from channels.base import Inbound, InboundPage
from channels.facebook_graph import GraphPages, graph_time

_POST_FIELDS = "id,created_time,updated_time"
_COMMENT_FIELDS = "id,message,created_time,from{id,name},parent{id},permalink_url"


def parse_cursor(cursor: str | None, since: datetime) -> tuple[datetime, frozenset[str]]:
    """The time to read from and the ids already handed out at that second."""
    if cursor:
        seconds, _, ids = cursor.partition(" ")
        if seconds.isdigit():
            return datetime.fromtimestamp(int(seconds), UTC), frozenset(
                i for i in ids.split(",") if i
            )
    floor = since.replace(tzinfo=UTC) if since.tzinfo is None else since.astimezone(UTC)
    # Graph's times have whole seconds: a comment in since's own second is in.
    return floor.replace(microsecond=0), frozenset()


def make_cursor(newest: datetime, ids: set[str]) -> str:
    return f"{int(newest.timestamp())} {','.join(sorted(ids))}"


class CommentReader:
    """One listening round over the Page's recent posts, within ``budget`` calls."""

    def __init__(self, graph: Any, page_id: str, *, posts: int, budget: int, web_url: str) -> None:
        self._graph = graph
        self._page_id = page_id
        self._posts = posts
        self._budget = budget
        self._web = web_url.rstrip("/")
        self.calls = 0

    def _fetch(self, node: str, edge: str) -> Any:
        def fetch(args: Mapping[str, str]) -> Mapping[str, Any]:
            self.calls += 1
            body: Mapping[str, Any] = self._graph.get_connections(node, edge, **args)
            return body

        return fetch

    def read(self, cursor: str | None, since: datetime) -> InboundPage:
        floor, seen = parse_cursor(cursor, since)
        posts_args = {"fields": _POST_FIELDS, "limit": str(min(self._posts, 100))}
        recent = self._fetch(self._page_id, "published_posts")(posts_args).get("data") or []
        touched = [
            str(p["id"])
            for p in recent
            if isinstance(p, Mapping)
            and "id" in p
            and (graph_time(p.get("updated_time")) or floor) >= floor
        ]
        items: list[Inbound] = []
        newest, newest_ids = floor, set(seen)
        complete = True
        for post_id in touched:
            left = self._budget - self.calls
            if left <= 0:
                complete = False
                break
            pages = GraphPages(self._fetch(post_id, "comments"), self._comment_args(), left)
            for page in pages:
                reached = False
                for comment in page:
                    made = graph_time(comment.get("created_time"))
                    if made is None or made < floor:
                        reached = True
                        continue
                    comment_id = str(comment.get("id") or "")
                    if not comment_id or (made == floor and comment_id in seen):
                        continue
                    if made > newest:
                        newest, newest_ids = made, set()
                    if made == newest:
                        newest_ids.add(comment_id)
                    if str((comment.get("from") or {}).get("id")) != self._page_id:
                        items.append(self._inbound(comment, post_id, made))
                if reached:
                    break
            complete = complete and not pages.more
        moved = newest > floor or newest_ids != set(seen)
        if not complete or not moved:
            # Cut short, comments older than the newest seen may still be unread.
            return InboundPage(tuple(items), cursor=None, complete=complete)
        return InboundPage(tuple(items), cursor=make_cursor(newest, newest_ids))

    @staticmethod
    def _comment_args() -> dict[str, str]:
        return {
            "fields": _COMMENT_FIELDS,
            "filter": "stream",
            "order": "reverse_chronological",
            "limit": "100",
        }

    def _inbound(self, comment: Mapping[str, Any], post_id: str, made: datetime) -> Inbound:
        author = comment.get("from") or {}
        comment_id = str(comment["id"])
        return Inbound(
            remote_id=comment_id,
            kind="comment",
            # Facebook has no handles: the Page-scoped id is the stable name of a person.
            author_handle=str(author.get("id") or ""),
            author_name=str(author.get("name") or ""),
            text=str(comment.get("message") or ""),
            created_at=made,
            url=str(comment.get("permalink_url") or f"{self._web}/{comment_id}"),
            in_reply_to=post_id,
        )
