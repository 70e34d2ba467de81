"""The read side of the Bluesky double: other accounts' posts, notifications,
post search, the author feed, posts with their counts and the repo's records.

They page as the reference stack does (tests/real_bluesky): newest first; an
opaque ``cursor`` in the answer when more items follow (the PDS's
``listRecords`` gives one whenever the page has items); ``limit`` at most 100 (``getPosts``: 25
uris), past it a 400. Notifications are made as the AppView makes them: one
per account and post, the first of mention (a mention facet), quote, reply;
``reasons`` filters them. Search is a case-insensitive substring of the text
(the dev-env AppView's is case-sensitive; bsky.social's is not), ``sort``
latest. Other accounts' posts are indexed at once; the account's own lag
until :meth:`catch_up` (see :mod:`tests.fakes.bluesky`).
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from tests.fakes.server import Post, Reply, Request

_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
_T = TypeVar("_T")
_COUNTS = ("likeCount", "repostCount", "replyCount", "quoteCount")


def cid_for(content: bytes, codec: int = 0x71) -> str:
    """A well-formed CIDv1 (sha-256) for ``content``: dag-cbor by default, 0x55 for raw."""
    digest = bytes([0x01, codec, 0x12, 0x20]) + hashlib.sha256(content).digest()
    return "b" + base64.b32encode(digest).decode().lower().rstrip("=")


def tid_for(micros: int) -> str:
    """A record key (TID) for a time in microseconds since 1970."""
    number = (micros << 10) | 7
    chars = []
    for _ in range(13):
        chars.append(_TID_ALPHABET[number & 31])
        number >>= 5
    return "".join(reversed(chars))


def iso(epoch: float) -> str:
    return (
        time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch)) + f".{int(epoch * 1000) % 1000:03d}Z"
    )


def error(status: int, name: str, message: str) -> Reply:
    return Reply(status, {"error": name, "message": message})


def page_of(
    request: Request,
    items: Sequence[_T],
    key: Callable[[_T], str],
    *,
    default: int,
    cap: int = 100,
    pds: bool = False,
) -> tuple[list[_T], str | None] | Reply:
    """Items newest first after the request's cursor (``key`` sorts them), and the next cursor:
    the AppView gives one only when more items follow, the PDS (``pds``) whenever the
    page has items."""
    raw = request.arg("limit")
    limit = int(raw) if raw and raw.isdigit() else default
    if not 1 <= limit <= cap:
        return error(400, "InvalidRequest", f"limit must be between 1 and {cap}")
    after = request.arg("cursor")
    ordered = sorted(items, key=key, reverse=True)
    kept = [i for i in ordered if after is None or key(i) < after]
    shown = kept[:limit]
    more = len(kept) > limit or (pds and bool(shown))
    return shown, key(shown[-1]) if more else None


class BlueskyReads:
    """The read endpoints, mixed into :class:`tests.fakes.bluesky.BlueskyDouble`."""

    did: str
    account_handle: str
    lock: Any

    def __init__(self) -> None:
        #: Posts by other accounts, oldest first.
        self.others: list[Post] = []
        #: Notifications of the account: dicts with a reason and the post.
        self.notices: list[dict[str, Any]] = []
        self._sequence = 0

    if TYPE_CHECKING:  # what the double (and its base) provide
        posts: list[Post]

        def find(self, post_id: str) -> Post | None: ...

        def profile(self) -> dict[str, Any]: ...

        def indexed(self) -> list[Post]: ...

        def record_post(self, post: Post) -> Post: ...

    # -- making content -------------------------------------------------------

    def _next_micros(self, created_at: float | None) -> int:
        with self.lock:
            self._sequence += 1
            return int((created_at or time.time()) * 1_000_000) + self._sequence

    def any_post(self, uri: str) -> Post | None:
        return self.find(uri) or next((p for p in self.others if p.id == uri), None)

    def post_as(
        self,
        handle: str,
        text: str,
        *,
        reply_to: str | None = None,
        quote_of: str | None = None,
        created_at: float | None = None,
        name: str | None = None,
    ) -> Post:
        """A post by another account (``handle``), with the notification it makes.

        ``@oyez.test`` in the text becomes a mention facet of the account."""
        micros = self._next_micros(created_at)
        did = "did:plc:" + hashlib.sha1(handle.encode()).hexdigest()[:24]
        record: dict[str, Any] = {
            "$type": "app.bsky.feed.post",
            "text": text,
            "createdAt": iso(micros / 1_000_000),
        }
        tag = f"@{self.account_handle}".encode()
        at = text.encode().find(tag)
        mention = at >= 0
        if mention:
            feature = {"$type": "app.bsky.richtext.facet#mention", "did": self.did}
            index = {"byteStart": at, "byteEnd": at + len(tag)}
            record["facets"] = [{"index": index, "features": [feature]}]
        parent = self.any_post(reply_to) if reply_to else None
        if parent is not None:
            ref = {"uri": parent.id, "cid": parent.extra["cid"]}
            root = (parent.extra["record"].get("reply") or {}).get("root") or ref
            record["reply"] = {"root": root, "parent": ref}
        quoted = self.any_post(quote_of) if quote_of else None
        if quoted is not None:
            ref = {"uri": quoted.id, "cid": quoted.extra["cid"]}
            record["embed"] = {"$type": "app.bsky.embed.record", "record": ref}
        rkey = tid_for(micros)
        uri = f"at://{did}/app.bsky.feed.post/{rkey}"
        author = {"did": did, "handle": handle, "displayName": name or handle.split(".")[0].title()}
        post = Post(
            id=uri,
            text=text,
            reply_to=parent.id if parent else None,
            created_at=micros / 1_000_000,
            extra={
                "cid": cid_for(json.dumps(record).encode()),
                "record": record,
                "rkey": rkey,
                "author": author,
                "indexed": True,
            },
        )
        with self.lock:
            self.others.append(post)
        ours = {p.id for p in self.posts}
        reason = (
            "mention"
            if mention
            else "quote"
            if quoted is not None and quoted.id in ours
            else "reply"
            if parent is not None and (parent.id in ours or root_uri(record) in ours)
            else None
        )
        if reason is not None:
            self.notify(reason, post)
        return post

    def own_post(self, text: str, *, created_at: float | None = None) -> Post:
        """A post of the account made outside oyez (another app), indexed at once."""
        micros = self._next_micros(created_at)
        record = {"$type": "app.bsky.feed.post", "text": text, "createdAt": iso(micros / 1e6)}
        rkey = tid_for(micros)
        post = Post(
            id=f"at://{self.did}/app.bsky.feed.post/{rkey}",
            text=text,
            created_at=micros / 1_000_000,
            extra={"cid": cid_for(json.dumps(record).encode()), "record": record, "rkey": rkey},
        )
        post.extra["indexed"] = True
        return self.record_post(post)

    def notify(self, reason: str, post: Post) -> None:
        """A notification of ``reason`` (mention, reply, quote, like, follow...) about ``post``."""
        with self.lock:
            self.notices.append({"reason": reason, "post": post})

    def set_counts(self, uri: str, **counts: int) -> None:
        """The AppView's counts of one of the account's posts (likeCount=3, ...)."""
        post = self.find(uri)
        assert post is not None, uri
        post.extra["counts"] = counts

    # -- views ------------------------------------------------------------------

    def view(self, post: Post) -> dict[str, Any]:
        counts = post.extra.get("counts") or {}
        return {
            "uri": post.id,
            "cid": post.extra["cid"],
            "author": post.extra.get("author") or self.profile(),
            "record": post.extra["record"],
            "indexedAt": iso(post.created_at),
            **{name: int(counts.get(name, 0)) for name in _COUNTS},
        }

    @staticmethod
    def sort_key(post: Post) -> str:
        return f"{post.created_at:020.6f}::{post.extra['cid']}"

    def _app_bsky_notification_listNotifications(self, request: Request) -> Reply:
        reasons = request.query.get("reasons") or []
        with self.lock:
            notices = [n for n in self.notices if not n["post"].deleted]
        kept = [n for n in notices if not reasons or n["reason"] in reasons]
        paged = page_of(request, kept, lambda n: self.sort_key(n["post"]), default=50)
        if isinstance(paged, Reply):
            return paged
        shown, cursor = paged
        body: dict[str, Any] = {
            "notifications": [
                {
                    **self.view(n["post"]),
                    "reason": n["reason"],
                    "isRead": False,
                }
                for n in shown
            ]
        }
        return Reply(200, body | ({"cursor": cursor} if cursor else {}))

    def _app_bsky_feed_searchPosts(self, request: Request) -> Reply:
        query = (request.arg("q") or "").strip().lower()
        if not query:
            return error(400, "InvalidRequest", 'Error: Params must have the property "q"')
        candidates = [p for p in self.others if not p.deleted] + self.indexed()
        found = [p for p in candidates if query in p.text.lower()]
        paged = page_of(request, found, self.sort_key, default=25)
        if isinstance(paged, Reply):
            return paged
        shown, cursor = paged
        body: dict[str, Any] = {"posts": [self.view(p) for p in shown]}
        return Reply(200, body | ({"cursor": cursor} if cursor else {}))

    def _app_bsky_feed_getAuthorFeed(self, request: Request) -> Reply:
        if request.arg("actor") not in (self.account_handle, self.did):
            return Reply(200, {"feed": []})
        paged = page_of(request, self.indexed(), self.sort_key, default=50)
        if isinstance(paged, Reply):
            return paged
        shown, cursor = paged
        body: dict[str, Any] = {"feed": [{"post": self.view(p)} for p in shown]}
        return Reply(200, body | ({"cursor": cursor} if cursor else {}))

    def _app_bsky_feed_getPosts(self, request: Request) -> Reply:
        uris = request.query.get("uris", [])
        if len(uris) > 25:
            return error(400, "InvalidRequest", "Error: uris must not have more than 25 elements")
        indexed = {p.id for p in self.indexed()} | {p.id for p in self.others if not p.deleted}
        found = [self.any_post(uri) for uri in uris if uri in indexed]
        return Reply(200, {"posts": [self.view(p) for p in found if p is not None]})

    # -- the PDS's own view of the repo: no lag -----------------------------------

    def record_view(self, post: Post) -> dict[str, Any]:
        return {"uri": post.id, "cid": post.extra["cid"], "value": post.extra["record"]}

    def _com_atproto_repo_listRecords(self, request: Request) -> Reply:
        if request.arg("repo") not in (self.account_handle, self.did):
            return error(400, "InvalidRequest", f"Could not find repo: {request.arg('repo')}")
        paged = page_of(request, self.posts, lambda p: str(p.extra["rkey"]), default=50, pds=True)
        if isinstance(paged, Reply):
            return paged
        shown, cursor = paged
        body: dict[str, Any] = {"records": [self.record_view(p) for p in shown]}
        return Reply(200, body | ({"cursor": cursor} if cursor else {}))


def root_uri(record: dict[str, Any]) -> str | None:
    return ((record.get("reply") or {}).get("root") or {}).get("uri")
