"""A double of a Bluesky PDS over XRPC: sessions, records, blobs; the reads
(notifications, search, author feed, posts, listRecords) are in
:mod:`tests.fakes.bluesky_reads`.

Records keep everything the client sent (facets, reply refs, embeds), so tests
can check byte offsets and threading exactly as a real PDS would store them.

It answers as the reference stack (tests/real_bluesky) does: a bad or expired
token is HTTP 400 ``InvalidToken``/``ExpiredToken``; a post's text is refused
past 3,000 UTF-8 bytes or 300 graphemes; uploaded images get the type their
bytes show; images past 2,000,000 bytes or of a non-image type are refused in
the record; another repo's records answer 401; and the AppView views
(``getPosts``, ``getAuthorFeed``, ``getProfile``) lag the PDS: they only see
what :meth:`BlueskyDouble.catch_up` has indexed (``appview_lag=False`` to
index at once).
"""

from __future__ import annotations

import base64
import json
import time
import unicodedata
from typing import Any, ClassVar

import regex

from tests.fakes.bluesky_reads import BlueskyReads, cid_for, error, tid_for
from tests.fakes.server import FakeAPI, Post, Reply, Request

__all__ = ["BlueskyDouble", "cid_for", "sniffed_type"]


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


_error = error


_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF8", "image/gif"),
)


def sniffed_type(content: bytes, declared: str) -> str:
    """The type the PDS stores: what an image's bytes show, else what was declared."""
    if not declared.startswith("image/"):
        return declared
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    return next((mime for magic, mime in _MAGIC if content.startswith(magic)), declared)


def _invalid_post(record: dict[str, Any]) -> str | None:
    """Why the PDS's lexicon check refuses this post record, or None."""
    text = str(record.get("text", ""))
    size = len(text.encode("utf-8"))
    if size > 3000:
        return f"string too big (maximum 3000, got {size}) at $.record.text"
    graphemes = len(regex.findall(r"\X", unicodedata.normalize("NFC", text)))
    if graphemes > 300:
        return f"grapheme too big (maximum 300, got {graphemes}) at $.record.text"
    embed = record.get("embed") or {}
    for n, image in enumerate(embed.get("images") or embed.get("media", {}).get("images") or []):
        blob = image.get("image") or {}
        where = f"$.record.embed.images[{n}].image"
        if not str(blob.get("mimeType", "")).startswith("image/"):
            return f'Expected "image/*" (got "{blob.get("mimeType")}") at {where}.mimeType'
        if int(blob.get("size", 0)) > 2_000_000:
            return f"blob too big (maximum 2000000, got {blob['size']}) at {where}"
    return None


class BlueskyDouble(BlueskyReads, FakeAPI):
    kind: ClassVar[str] = "bluesky"
    post_path: ClassVar[str] = "com.atproto.repo.createRecord"
    default_prefix: ClassVar[str] = "OYEZ_TEST_BLUESKY"

    did = "did:plc:oyeztestaccount0000000"
    account_handle = "oyez.test"

    def __init__(self, *, appview_lag: bool = True, **kwargs: Any) -> None:
        FakeAPI.__init__(self, **kwargs)
        BlueskyReads.__init__(self)
        self.appview_lag = appview_lag
        #: The AppView has seen the account (its profile resolves).
        self.profile_indexed = True
        #: Sessions are made as with the account's main password (not an app password).
        self.main_password = False
        self.app_password = "abcd-efgh-ijkl-mnop"
        self.blobs: dict[str, dict[str, Any]] = {}
        self.sessions = 0
        self._tokens: set[str] = set()
        self._last_tid = 0

    def record_post(self, post: Post) -> Post:
        """Keep ``post`` in the repo, in rkey order as the PDS lists it."""
        self.record(post)
        with self.lock:
            self._posts.sort(key=lambda p: str(p.extra["rkey"]))
        return post

    def credentials(self) -> dict[str, str]:
        return {"HANDLE": self.account_handle, "APP_PASSWORD": self.app_password}

    def _jwt(self, scope: str, lifetime: int) -> str:
        now = int(time.time())
        payload = {"scope": scope, "sub": self.did, "iat": now, "exp": now + lifetime}
        payload["jti"] = f"session-{len(self._tokens)}"
        token = f"{_b64({'typ': 'at+jwt', 'alg': 'ES256K'})}.{_b64(payload)}.c2lnbmF0dXJl"
        self._tokens.add(token)
        return token

    def _tid(self) -> str:
        with self.lock:
            value = max(int(time.time() * 1_000_000), self._last_tid + 1)
            self._last_tid = value
        return tid_for(value)

    def _limits(self, remaining: int = 2999) -> dict[str, str]:
        return {
            "ratelimit-limit": "3000",
            "ratelimit-remaining": str(remaining),
            "ratelimit-reset": str(self.reset_epoch()),
            "ratelimit-policy": "3000;w=300",
        }

    def echo_reply(self, echo: str) -> Reply:
        return _error(400, "InvalidRequest", echo)

    def fault_reply(self, kind: str, request: Request) -> Reply:
        if kind in ("429", "429_daily"):
            reply = _error(429, "RateLimitExceeded", "Rate Limit Exceeded")
            reply.headers = self._limits(remaining=0)
            return reply
        if kind == "401":
            return _error(401, "AuthenticationRequired", "Authentication Required")
        if kind == "duplicate":
            return _error(400, "InvalidRequest", "Record already exists")
        return super().fault_reply(kind, request)

    # -- routes ---------------------------------------------------------------

    def handle(self, request: Request) -> Reply:
        nsid = request.path.removeprefix("/xrpc/")
        if nsid == "com.atproto.server.createSession":
            body = request.json() or {}
            if body.get("identifier") not in (self.account_handle, self.did) or (
                body.get("password") != self.app_password
            ):
                return _error(401, "AuthenticationRequired", "Invalid identifier or password")
            self.sessions += 1
            return Reply(200, self._session())
        auth = request.headers.get("Authorization", "")
        if not auth:
            return _error(401, "AuthenticationRequired", "Authentication Required")
        if auth.removeprefix("Bearer ") not in self._tokens:
            return _error(400, "InvalidToken", "Token could not be verified")
        route = getattr(self, "_" + nsid.replace(".", "_"), None)
        if route is None:
            return _error(501, "MethodNotImplemented", f"Method Not Implemented: {nsid}")
        reply: Reply = route(request)
        reply.headers = {**self._limits(), **reply.headers}
        return reply

    def _session(self) -> dict[str, Any]:
        return {
            "did": self.did,
            "handle": self.account_handle,
            "accessJwt": self._jwt(
                "com.atproto.access" if self.main_password else "com.atproto.appPass", 7200
            ),
            "refreshJwt": self._jwt("com.atproto.refresh", 86400),
            "active": True,
        }

    def _com_atproto_server_refreshSession(self, request: Request) -> Reply:
        return Reply(200, self._session())

    def _com_atproto_server_getSession(self, request: Request) -> Reply:
        return Reply(200, {"did": self.did, "handle": self.account_handle, "active": True})

    def profile(self) -> dict[str, Any]:
        return {"did": self.did, "handle": self.account_handle, "displayName": "Oyez Test"}

    def catch_up(self) -> None:
        """The AppView indexes everything the PDS holds so far."""
        with self.lock:
            for post in self._posts:
                post.extra["indexed"] = True
        self.profile_indexed = True

    def indexed(self) -> list[Post]:
        return [p for p in self.posts if p.extra.get("indexed") or not self.appview_lag]

    def _app_bsky_actor_getProfile(self, request: Request) -> Reply:
        if not self.profile_indexed or request.arg("actor") not in (self.account_handle, self.did):
            return _error(400, "InvalidRequest", "Profile not found")
        return Reply(200, {**self.profile(), "postsCount": len(self.posts)})

    def _com_atproto_repo_createRecord(self, request: Request) -> Reply:
        body = request.json() or {}
        if body.get("repo") not in (self.did, self.account_handle):
            return _error(401, "AuthenticationRequired", "Authentication Required")
        record = body.get("record") or {}
        if (invalid := _invalid_post(record)) is not None:
            return _error(400, "InvalidRequest", f"Invalid app.bsky.feed.post record: {invalid}")
        rkey = self._tid()
        uri = f"at://{self.did}/{body.get('collection')}/{rkey}"
        cid = cid_for(json.dumps(record, sort_keys=True).encode() + rkey.encode())
        parent = ((record.get("reply") or {}).get("parent") or {}).get("uri")
        self.record(
            Post(
                id=uri,
                text=str(record.get("text", "")),
                reply_to=parent,
                extra={"cid": cid, "record": record, "rkey": rkey},
            )
        )
        return Reply(200, {"uri": uri, "cid": cid, "validationStatus": "valid"})

    def _com_atproto_repo_deleteRecord(self, request: Request) -> Reply:
        body = request.json() or {}
        if body.get("repo") not in (self.did, self.account_handle):
            return _error(401, "AuthenticationRequired", "Authentication Required")
        uri = f"at://{self.did}/{body.get('collection')}/{body.get('rkey')}"
        post = self.find(uri)
        if post is not None:
            post.deleted = True
        return Reply(200, {})

    def _com_atproto_repo_uploadBlob(self, request: Request) -> Reply:
        declared = request.headers.get("Content-Type", "application/octet-stream")
        mime = sniffed_type(request.body, declared)
        cid = cid_for(request.body, codec=0x55)
        blob = {"$type": "blob", "ref": {"$link": cid}, "mimeType": mime, "size": len(request.body)}
        self.blobs[cid] = blob
        return Reply(200, {"blob": blob})

    # -- the PDS's own view of the repo: no lag -----------------------------------

    def _com_atproto_repo_getRecord(self, request: Request) -> Reply:
        uri = f"at://{request.arg('repo')}/{request.arg('collection')}/{request.arg('rkey')}"
        post = self.any_post(uri)  # another PDS's record: the PDS asks the AppView
        if post is None:
            return _error(400, "RecordNotFound", f"Could not locate record: {uri}")
        return Reply(200, self.record_view(post))
