"""A double of the Graph API for one Page: feed posts, photos, comments, delete, reads.

Errors come as Graph sends them: HTTP 400 with ``{"error": {"code": ...}}``;
rate limits carry an ``x-business-use-case-usage`` header.
"""

from __future__ import annotations

import json
import re
import time
from typing import Any, ClassVar

from tests.fakes.server import FakeAPI, Post, Reply, Request

_PATH = re.compile(r"^/(v\d+\.\d+)/([^/]+)(?:/([a-z_]+))?$")


def _error(code: int, message: str, status: int = 400, **more: Any) -> Reply:
    body = {"error": {"message": message, "type": "OAuthException", "code": code, **more}}
    return Reply(status, {"error": {**body["error"], "fbtrace_id": "AbCdEf"}})


class FacebookDouble(FakeAPI):
    kind: ClassVar[str] = "facebook"
    post_path: ClassVar[str] = "/feed"
    default_prefix: ClassVar[str] = "OYEZ_TEST_FACEBOOK"

    page_id = "4200000001"
    page_name = "Oyez Test Page"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.token = "EAAB-fake-page-token"
        self.photos: dict[str, dict[str, Any]] = {}
        #: The Graph version of every call received (e.g. "v23.0").
        self.versions: list[str] = []

    def credentials(self) -> dict[str, str]:
        return {"PAGE_ID": self.page_id, "PAGE_TOKEN": self.token}

    def echo_reply(self, echo: str) -> Reply:
        return _error(100, echo)

    def fault_reply(self, kind: str, request: Request) -> Reply:
        if kind in ("429", "429_daily"):
            usage = {self.page_id: [{"type": "pages", "estimated_time_to_regain_access": 5}]}
            reply = _error(32, "Page request limit reached", status=400)
            reply.headers = {"x-business-use-case-usage": json.dumps(usage)}
            return reply
        if kind == "401":
            return _error(190, "Error validating access token: Session has expired")
        if kind == "duplicate":
            return _error(506, "Duplicate status message")
        if kind in ("500", "503"):
            return _error(2, "Service temporarily unavailable", status=int(kind), is_transient=True)
        return super().fault_reply(kind, request)

    def _token(self, request: Request) -> str | None:
        header = request.headers.get("Authorization", "")
        if header.startswith(("Bearer ", "OAuth ")):
            return header.split(" ", 1)[1]
        return request.field("access_token")

    def handle(self, request: Request) -> Reply:
        match = _PATH.match(request.path)
        if match is None:
            return _error(2500, "Unknown path components")
        version, node, edge = match.groups()
        self.versions.append(version)
        if self._token(request) != self.token:
            return _error(190, "Invalid OAuth access token - Cannot parse access token")
        method = request.method
        if method == "GET" and node in ("me", self.page_id) and edge is None:
            return Reply(200, {"id": self.page_id, "name": self.page_name})
        if method == "POST" and node == self.page_id and edge == "feed":
            return self._post(request.field("message") or "", request)
        if method == "POST" and node == self.page_id and edge == "photos":
            return self._photo(request)
        if method == "POST" and edge == "comments":
            if self.find(node) is None:
                return _error(100, "Object does not exist", error_subcode=33)
            return self._post(request.field("message") or "", request, parent=node)
        if method == "DELETE" and edge is None:
            post = self.find(node)
            if post is None:
                return _error(100, "Object with ID does not exist", error_subcode=33)
            post.deleted = True
            return Reply(200, {"success": True})
        if method == "GET" and edge in ("published_posts", "feed", "comments"):
            return self._read(node, edge, int(request.arg("limit") or 25))
        return _error(100, f"Unsupported {method} request")

    def _post(
        self, message: str, request: Request, parent: str | None = None, **extra: Any
    ) -> Reply:
        n = self.next_id()
        post_id = f"{parent}_{n}" if parent else f"{self.page_id}_{n}"
        attached = [
            json.loads(v[0])["media_fbid"]
            for k, v in sorted(request.form().items())
            if k.startswith("attached_media[")
        ]
        self.record(
            Post(
                id=post_id,
                text=message,
                reply_to=parent,
                extra={
                    "link": request.field("link"),
                    "photos": [self.photos[a] for a in attached if a in self.photos],
                    **extra,
                },
            )
        )
        return Reply(200, {"id": post_id})

    def _photo(self, request: Request) -> Reply:
        files = request.files()
        if "source" not in files:
            return _error(324, "Requires upload file")
        name, _ctype, content = files["source"]
        photo_id = str(5_000_000_000 + self.next_id())
        self.photos[photo_id] = {
            "id": photo_id,
            "name": name,
            "size": len(content),
            "alt": request.field("alt_text_custom"),
        }
        if request.field("published") == "false":
            return Reply(200, {"id": photo_id})
        reply = self._post(request.field("message") or "", request, photos=[self.photos[photo_id]])
        post_id = json.loads(json.dumps(reply.body))["id"]
        return Reply(200, {"id": photo_id, "post_id": post_id})

    def _read(self, node: str, edge: str, limit: int) -> Reply:
        if edge == "comments":
            items = [p for p in self.posts if p.reply_to == node]
        else:
            items = [p for p in self.posts if p.reply_to is None] if node == self.page_id else []
        newest = list(reversed(items))[:limit]
        data = [
            {
                "id": p.id,
                "message": p.text,
                "created_time": time.strftime("%Y-%m-%dT%H:%M:%S+0000", time.gmtime(p.created_at)),
            }
            for p in newest
        ]
        return Reply(200, {"data": data, "paging": {}})
