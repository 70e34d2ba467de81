"""The read side of the Graph API double: a Page's posts, comments, figures and debug_token.

They page and filter as the Graph API documents it:

* ``/{page}/published_posts`` and ``/{page}/feed``: newest first, ``limit`` (at
  most 100, default 25), ``since`` / ``until`` (Unix seconds or ISO 8601,
  both inclusive), and time-based paging: ``paging.next`` carries ``until``
  and an opaque ``__paging_token`` while more remain. Each post has
  ``updated_time``, moved on by every comment it receives.
* ``/{object}/comments``: ``order`` (``chronological`` by default, or
  ``reverse_chronological``), ``filter`` (``toplevel`` by default, or
  ``stream``: replies to comments too, with their ``parent``), cursor paging
  (``after``) in ``paging.cursors`` and ``paging.next``.
* ``/{id}`` and ``/?ids=a,b`` (at most 50) with ``fields=`` such as
  ``reactions.summary(total_count).limit(0)``; ``shares`` is left out while a
  post has none, as Graph does; an unknown id fails the whole batch (#803).
* ``/debug_token?input_token=``: the token's expiry, data-access expiry and scopes.
"""

from __future__ import annotations

import base64
import re
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from tests.fakes.server import Post, Reply, Request

MAX_LIMIT = 100
MAX_IDS = 50
#: Scopes the fake Page token was granted.
PAGE_SCOPES = ("pages_manage_posts", "pages_read_engagement", "pages_show_list")


def graph_error(code: int, message: str, status: int = 400, **more: Any) -> Reply:
    error = {"message": message, "type": "OAuthException", "code": code, **more}
    return Reply(status, {"error": {**error, "fbtrace_id": "AbCdEf"}})


def graph_time(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S+0000", time.gmtime(epoch))


class _Refused(Exception):
    def __init__(self, reply: Reply) -> None:
        self.reply = reply


def _when(request: Request, name: str) -> float | None:
    value = request.arg(name)
    if value is None or value == "":
        return None
    if value.isdigit():
        return float(value)
    try:
        return datetime.fromisoformat(value.replace("+0000", "+00:00")).timestamp()
    except ValueError:
        raise _Refused(graph_error(100, f"Invalid '{name}' parameter: {value}")) from None


def _limit(request: Request, default: int = 25) -> int:
    value = request.arg("limit") or str(default)
    if not value.isdigit() or int(value) < 1:
        raise _Refused(graph_error(100, f"(#100) Invalid limit: {value}"))
    return min(int(value), MAX_LIMIT)


def _token(post_id: str) -> str:
    return base64.urlsafe_b64encode(post_id.encode()).decode().rstrip("=")


def _untoken(token: str) -> str:
    try:
        return base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    except ValueError:
        raise _Refused(graph_error(100, "Invalid paging token")) from None


def top_fields(spec: str) -> dict[str, str]:
    """``fields=`` split at its top-level commas: ``{name: the whole spec of that field}``."""
    found: dict[str, str] = {}
    depth, start = 0, 0
    for index, char in enumerate(spec + ","):
        if char in "({":
            depth += 1
        elif char in ")}":
            depth -= 1
        elif char == "," and depth == 0:
            part = spec[start:index].strip()
            if part:
                found[re.split(r"[.{(]", part, maxsplit=1)[0]] = part
            start = index + 1
    return found


class FacebookReads:
    """The read endpoints, mixed into :class:`tests.fakes.facebook.FacebookDouble`."""

    page_id: str
    page_name: str
    #: Per post id: figures set by a test (``reactions``, ``comments``, ``shares``).
    figures: dict[str, dict[str, int]]
    #: Fields the double leaves out of every object (a missing field, as Graph may).
    omitted: set[str]
    #: What ``debug_token`` says of the Page token.
    token_expires_at: int = 0
    data_access_expires_at: int = 0
    #: What ``debug_token`` says: valid, and with which scopes.
    token_is_valid: bool = True
    scopes: tuple[str, ...] = PAGE_SCOPES
    #: Whether the #803 error of an ``ids=`` call names the unknown ids.
    names_missing_ids: bool = True

    def live_posts(self) -> list[Post]:
        raise NotImplementedError

    def find_post(self, post_id: str) -> Post | None:
        raise NotImplementedError

    def base_url(self) -> str:
        raise NotImplementedError

    # -- what a post or comment looks like ---------------------------------

    def author(self, post: Post) -> dict[str, str]:
        return {
            "id": str(post.extra.get("from_id") or self.page_id),
            "name": str(post.extra.get("from_name") or self.page_name),
        }

    def children(self, object_id: str) -> list[Post]:
        return [p for p in self.live_posts() if p.reply_to == object_id]

    def descendants(self, object_id: str) -> list[Post]:
        found: list[Post] = []
        for child in self.children(object_id):
            found += [child, *self.descendants(child.id)]
        return found

    def updated(self, post: Post) -> float:
        return max([post.created_at, *(c.created_at for c in self.descendants(post.id))])

    def object_json(self, post: Post, fields: dict[str, str]) -> dict[str, Any]:
        data: dict[str, Any] = {"id": post.id}
        figures = self.figures.get(post.id, {})
        for name, spec in fields.items():
            if name in self.omitted:
                continue
            if name == "message":
                data["message"] = post.text
            elif name == "created_time":
                data["created_time"] = graph_time(post.created_at)
            elif name == "updated_time":
                data["updated_time"] = graph_time(self.updated(post))
            elif name == "from":
                data["from"] = self.author(post)
            elif name == "parent" and post.reply_to:
                parent = self.find_post(post.reply_to)
                # Only a reply to a comment has a parent; a comment on a post has none.
                if parent is not None and parent.reply_to is not None:
                    data["parent"] = {"id": parent.id}
            elif name == "permalink_url":
                data["permalink_url"] = f"https://www.facebook.com/{post.id}"
            elif name in ("reactions", "comments"):
                count = figures.get(
                    name, len(self.descendants(post.id)) if name == "comments" else 0
                )
                edge: dict[str, Any] = {"data": []}
                if "summary(" in spec:
                    edge["summary"] = {"total_count": count}
                data[name] = edge
            elif name == "shares" and figures.get("shares"):
                data["shares"] = {"count": figures["shares"]}
        return data

    # -- endpoints -----------------------------------------------------------

    def page_posts(self, request: Request, version: str, node: str, edge: str) -> Reply:
        """``/{page}/published_posts`` (or ``/feed``), newest first, paged by time."""
        try:
            limit = _limit(request)
            since, until = _when(request, "since"), _when(request, "until")
            token = request.arg("__paging_token")
            below = _untoken(token) if token else None
        except _Refused as refused:
            return refused.reply
        own = [p for p in self.live_posts() if p.reply_to is None] if node == self.page_id else []
        newest = sorted(own, key=lambda p: (p.created_at, p.id), reverse=True)
        if below is not None:
            ids = [p.id for p in newest]
            newest = newest[ids.index(below) + 1 :] if below in ids else []
        kept = [
            p
            for p in newest
            if (since is None or p.created_at >= since)
            and (until is None or int(p.created_at) <= until)
        ]
        shown, rest = kept[:limit], kept[limit:]
        fields = top_fields(request.arg("fields") or "id,message,created_time")
        paging: dict[str, Any] = {}
        if rest:
            query = {k: v[0] for k, v in request.query.items()}
            query |= {
                "until": str(int(shown[-1].created_at)),
                "__paging_token": _token(shown[-1].id),
            }
            paging["next"] = f"{self.base_url()}/{version}/{node}/{edge}?{urlencode(query)}"
        return Reply(200, {"data": [self.object_json(p, fields) for p in shown], "paging": paging})

    def comments(self, request: Request, version: str, node: str) -> Reply:
        """``/{object}/comments`` with ``order``, ``filter`` and cursor paging."""
        try:
            limit = _limit(request)
            after = request.arg("after")
            last = _untoken(after) if after else None
        except _Refused as refused:
            return refused.reply
        stream = request.arg("filter") == "stream"
        found = self.descendants(node) if stream else self.children(node)
        newest_first = request.arg("order") == "reverse_chronological"
        found.sort(key=lambda p: (p.created_at, p.id), reverse=newest_first)
        if last is not None:
            ids = [p.id for p in found]
            found = found[ids.index(last) + 1 :] if last in ids else []
        shown, rest = found[:limit], found[limit:]
        fields = top_fields(request.arg("fields") or "id,message,created_time,from")
        paging: dict[str, Any] = {}
        if shown:
            paging["cursors"] = {"before": _token(shown[0].id), "after": _token(shown[-1].id)}
        if rest:
            query = {k: v[0] for k, v in request.query.items()} | {"after": _token(shown[-1].id)}
            paging["next"] = f"{self.base_url()}/{version}/{node}/comments?{urlencode(query)}"
        return Reply(200, {"data": [self.object_json(p, fields) for p in shown], "paging": paging})

    def one_object(self, request: Request, node: str) -> Reply:
        post = self.find_post(node)
        if post is None:
            return graph_error(100, f"Object with ID '{node}' does not exist", error_subcode=33)
        return Reply(200, self.object_json(post, top_fields(request.arg("fields") or "id")))

    def many_objects(self, request: Request) -> Reply:
        """``/?ids=a,b,c``: one answer keyed by id; any unknown id fails them all."""
        ids = [i for i in (request.arg("ids") or "").split(",") if i]
        if not 1 <= len(ids) <= MAX_IDS:
            return graph_error(100, f"(#100) Too many IDs. Maximum: {MAX_IDS}. Got: {len(ids)}.")
        missing = [i for i in ids if self.find_post(i) is None]
        if missing:
            named = ",".join(missing) if self.names_missing_ids else "(some)"
            message = f"(#803) Some of the aliases you requested do not exist: {named}"
            return graph_error(803, message)
        fields = top_fields(request.arg("fields") or "id")
        return Reply(200, {i: self.object_json(p, fields) for i, p in self._found(ids)})

    def _found(self, ids: Iterable[str]) -> Iterable[tuple[str, Post]]:
        for object_id in dict.fromkeys(ids):
            post = self.find_post(object_id)
            if post is not None:
                yield object_id, post

    def debug_token(self, request: Request, tokens: Callable[[], Sequence[str]]) -> Reply:
        given = request.arg("input_token") or ""
        if given not in tokens() or not self.token_is_valid:
            error = {
                "code": 190,
                "message": "Invalid OAuth access token - Cannot parse access token",
            }
            return Reply(200, {"data": {"error": error, "is_valid": False, "scopes": []}})
        data = {
            "app_id": "1234567890",
            "type": "PAGE",
            "application": "oyez test app",
            "data_access_expires_at": self.data_access_expires_at,
            "expires_at": self.token_expires_at,
            "is_valid": True,
            "issued_at": int(time.time()) - 86400,
            "profile_id": self.page_id,
            "scopes": list(self.scopes),
            "user_id": "7000000001",
        }
        return Reply(200, {"data": data})


def epoch_days(days: float) -> int:
    """Unix seconds ``days`` from now (for ``token_expires_at`` and friends)."""
    return int(datetime.now(UTC).timestamp() + days * 86400)
