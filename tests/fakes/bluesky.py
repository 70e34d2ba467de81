"""A double of a Bluesky PDS over XRPC: sessions, records, blobs, author feed, posts.

Records keep everything the client sent (facets, reply refs, embeds), so tests
can check byte offsets and threading exactly as a real PDS would store them.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from typing import Any, ClassVar

from tests.fakes.server import FakeAPI, Post, Reply, Request

_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def cid_for(content: bytes, codec: int = 0x71) -> str:
    """A well-formed CIDv1 (sha-256) for ``content``: dag-cbor by default, 0x55 for raw."""
    digest = bytes([0x01, codec, 0x12, 0x20]) + hashlib.sha256(content).digest()
    return "b" + base64.b32encode(digest).decode().lower().rstrip("=")


def _error(status: int, error: str, message: str) -> Reply:
    return Reply(status, {"error": error, "message": message})


class BlueskyDouble(FakeAPI):
    kind: ClassVar[str] = "bluesky"
    post_path: ClassVar[str] = "com.atproto.repo.createRecord"
    default_prefix: ClassVar[str] = "OYEZ_TEST_BLUESKY"

    did = "did:plc:oyeztestaccount0000000"
    account_handle = "oyez.test"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.app_password = "abcd-efgh-ijkl-mnop"
        self.blobs: dict[str, dict[str, Any]] = {}
        self.sessions = 0
        self._tokens: set[str] = set()
        self._last_tid = 0

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
        number = (value << 10) | 7
        chars = []
        for _ in range(13):
            chars.append(_TID_ALPHABET[number & 31])
            number >>= 5
        return "".join(reversed(chars))

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
        if auth.removeprefix("Bearer ") not in self._tokens:
            return _error(401, "InvalidToken", "Bad token")
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
            "accessJwt": self._jwt("com.atproto.appPass", 7200),
            "refreshJwt": self._jwt("com.atproto.refresh", 86400),
            "active": True,
        }

    def _com_atproto_server_refreshSession(self, request: Request) -> Reply:
        return Reply(200, self._session())

    def _com_atproto_server_getSession(self, request: Request) -> Reply:
        return Reply(200, {"did": self.did, "handle": self.account_handle, "active": True})

    def _profile(self) -> dict[str, Any]:
        return {"did": self.did, "handle": self.account_handle, "displayName": "Oyez Test"}

    def _app_bsky_actor_getProfile(self, request: Request) -> Reply:
        if request.arg("actor") not in (self.account_handle, self.did):
            return _error(400, "InvalidRequest", "Profile not found")
        return Reply(200, {**self._profile(), "postsCount": len(self.posts)})

    def _com_atproto_repo_createRecord(self, request: Request) -> Reply:
        body = request.json() or {}
        if body.get("repo") not in (self.did, self.account_handle):
            return _error(400, "InvalidRequest", "Could not find repo")
        record = body.get("record") or {}
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
        uri = f"at://{self.did}/{body.get('collection')}/{body.get('rkey')}"
        post = self.find(uri)
        if post is not None:
            post.deleted = True
        return Reply(200, {})

    def _com_atproto_repo_uploadBlob(self, request: Request) -> Reply:
        mime = request.headers.get("Content-Type", "application/octet-stream")
        cid = cid_for(request.body, codec=0x55)
        blob = {"$type": "blob", "ref": {"$link": cid}, "mimeType": mime, "size": len(request.body)}
        self.blobs[cid] = blob
        return Reply(200, {"blob": blob})

    def _view(self, post: Post) -> dict[str, Any]:
        indexed = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(post.created_at))
        return {
            "uri": post.id,
            "cid": post.extra["cid"],
            "author": self._profile(),
            "record": post.extra["record"],
            "indexedAt": indexed,
            "replyCount": 0,
            "repostCount": 0,
            "likeCount": 0,
        }

    def _app_bsky_feed_getAuthorFeed(self, request: Request) -> Reply:
        if request.arg("actor") not in (self.account_handle, self.did):
            return Reply(200, {"feed": []})
        limit = int(request.arg("limit") or 50)
        newest = list(reversed(self.posts))[:limit]
        return Reply(200, {"feed": [{"post": self._view(p)} for p in newest]})

    def _app_bsky_feed_getPosts(self, request: Request) -> Reply:
        found = [self.find(uri) for uri in request.query.get("uris", [])]
        return Reply(200, {"posts": [self._view(p) for p in found if p is not None]})
