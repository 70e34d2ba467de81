"""A double of the Mastodon REST API: statuses (with Idempotency-Key), media, instance.

Like Mastodon, it renders status text as HTML and answers a repeated
Idempotency-Key with the status it already made.
"""

from __future__ import annotations

import html
import re
import time
from datetime import UTC, datetime
from typing import Any, ClassVar

from tests.fakes.server import FakeAPI, Post, Reply, Request

_STATUS = re.compile(r"^/api/v1/statuses/(\d+)$")
_ACCOUNT_STATUSES = re.compile(r"^/api/v1/accounts/(\d+)/statuses$")


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat().replace("+00:00", "Z")


def _as_html(text: str) -> str:
    paragraphs = [p for p in text.split("\n\n") if p]
    return "".join(
        "<p>" + html.escape(p, quote=False).replace("\n", "<br />") + "</p>" for p in paragraphs
    )


class MastodonDouble(FakeAPI):
    kind: ClassVar[str] = "mastodon"
    post_path: ClassVar[str] = "/api/v1/statuses"
    default_prefix: ClassVar[str] = "OYEZ_TEST_MASTODON"

    account_id = "109000000000000001"
    username = "oyez"

    def __init__(self, *, max_characters: int = 500, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        #: What the instance announces in /api/v2/instance.
        self.max_characters = max_characters
        self.token = "mastodon-fake-access-token"
        self.media: dict[str, dict[str, Any]] = {}
        self._by_key: dict[str, str] = {}

    def credentials(self) -> dict[str, str]:
        return {"ACCESS_TOKEN": self.token}

    def _limits(self, remaining: int = 299) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": "300",
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": _iso(self.reset_epoch()),
        }

    def fault_reply(self, kind: str, request: Request) -> Reply:
        if kind in ("429", "429_daily"):
            return Reply(429, {"error": "Too many requests"}, headers=self._limits(remaining=0))
        if kind == "401":
            return Reply(401, {"error": "The access token is invalid"})
        if kind == "duplicate":
            return Reply(422, {"error": "Validation failed: Duplicate status"})
        return super().fault_reply(kind, request)

    def handle(self, request: Request) -> Reply:
        path = request.path.rstrip("/")
        if path == "/api/v1/instance":
            return Reply(200, self._instance_v1())
        if path == "/api/v2/instance":
            return Reply(200, self._instance_v2())
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return Reply(401, {"error": "The access token is invalid"})
        reply = self._route(request, path)
        reply.headers = {**self._limits(), **reply.headers}
        return reply

    def _route(self, request: Request, path: str) -> Reply:
        method = request.method
        if method == "GET" and path == "/api/v1/accounts/verify_credentials":
            return Reply(200, self._account())
        if method == "POST" and path == "/api/v1/statuses":
            return self._create(request)
        if (match := _STATUS.match(path)) is not None:
            post = self.find(match.group(1))
            if post is None:
                return Reply(404, {"error": "Record not found"})
            if method == "DELETE":
                post.deleted = True
                return Reply(200, {**self._status(post), "text": post.text})
            return Reply(200, self._status(post))
        if method == "GET" and (match := _ACCOUNT_STATUSES.match(path)) is not None:
            mine = match.group(1) == self.account_id
            limit = int(request.arg("limit") or 20)
            newest = list(reversed(self.posts))[:limit] if mine else []
            return Reply(200, [self._status(p) for p in newest])
        if method == "POST" and path in ("/api/v2/media", "/api/v1/media"):
            return self._upload(request)
        return Reply(404, {"error": "Record not found"})

    def _instance_v1(self) -> dict[str, Any]:
        return {
            "uri": "fake.example",
            "title": "Fake Mastodon",
            "version": "4.3.0",
            "urls": {},
            "stats": {},
            "configuration": {"statuses": {"max_characters": self.max_characters}},
        }

    def _instance_v2(self) -> dict[str, Any]:
        return {
            "domain": "fake.example",
            "title": "Fake Mastodon",
            "version": "4.3.0",
            "api_versions": {"mastodon": 2},
            "configuration": {
                "urls": {},
                "statuses": {
                    "max_characters": self.max_characters,
                    "max_media_attachments": 4,
                    "characters_reserved_per_url": 23,
                },
                "media_attachments": {"supported_mime_types": ["image/png", "image/jpeg"]},
            },
        }

    def _account(self) -> dict[str, Any]:
        return {
            "id": self.account_id,
            "username": self.username,
            "acct": self.username,
            "display_name": "Oyez",
            "url": f"{self.url}/@{self.username}",
            "created_at": "2024-01-01T00:00:00.000Z",
            "note": "",
            "locked": False,
            "bot": True,
            "followers_count": 0,
            "following_count": 0,
            "statuses_count": len(self.posts),
        }

    def _status(self, post: Post) -> dict[str, Any]:
        return {
            "id": post.id,
            "uri": f"{self.url}/users/{self.username}/statuses/{post.id}",
            "url": f"{self.url}/@{self.username}/{post.id}",
            "created_at": _iso(post.created_at),
            "account": self._account(),
            "content": _as_html(post.text),
            "visibility": post.extra.get("visibility", "public"),
            "sensitive": False,
            "spoiler_text": "",
            "in_reply_to_id": post.reply_to,
            "media_attachments": post.extra.get("media", []),
            "mentions": [],
            "tags": [],
            "emojis": [],
            "reblog": None,
        }

    def _create(self, request: Request) -> Reply:
        fields = request.json() if "json" in request.headers.get("Content-Type", "") else None
        form = request.form()

        def value(name: str) -> str | None:
            if isinstance(fields, dict):
                return fields.get(name)
            return (form.get(name) or [None])[0]

        key = request.headers.get("Idempotency-Key")
        with self.lock:
            if key and key in self._by_key:
                existing = self.find(self._by_key[key])
                if existing is not None:
                    return Reply(200, self._status(existing))
            text = value("status") or ""
            if len(text) > self.max_characters:
                limit = self.max_characters
                return Reply(422, {"error": f"Validation failed: Text character limit of {limit}"})
            media_ids = form.get("media_ids[]") or (fields or {}).get("media_ids") or []
            post = self.record(
                Post(
                    id=str(110_000_000_000_000_000 + self.next_id()),
                    text=text,
                    reply_to=value("in_reply_to_id"),
                    extra={
                        "visibility": value("visibility") or "public",
                        "media": [self.media[m] for m in media_ids if m in self.media],
                        "idempotency_key": key,
                    },
                )
            )
            if key:
                self._by_key[key] = post.id
        return Reply(200, self._status(post))

    def _upload(self, request: Request) -> Reply:
        files = request.files()
        if "file" not in files:
            return Reply(422, {"error": "Validation failed: File can't be blank"})
        name, ctype, content = files["file"]
        media_id = str(111_000_000_000_000_000 + self.next_id())
        self.media[media_id] = {
            "id": media_id,
            "type": "image",
            "url": f"{self.url}/media/{media_id}/{name}",
            "preview_url": f"{self.url}/media/{media_id}/small",
            "description": request.field("description"),
            "meta": {"size": len(content), "mime": ctype, "at": time.time()},
        }
        return Reply(200, self.media[media_id])
