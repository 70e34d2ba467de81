"""A double of the Graph API for one Page: feed posts, photos, comments, delete, and the
reads of :mod:`tests.fakes.facebook_reads` (paged posts and comments, figures, debug_token).

Errors come as Graph sends them: HTTP 400 with ``{"error": {"code": ...}}``;
rate limits carry an ``x-business-use-case-usage`` header and one of Graph's
rate-limit codes (``rate_limit_code``: 4, 17, 32 or 613).

Posts by other tools and comments by people go straight in::

    double.post_as_page("Posted from Meta Business Suite")
    comment = double.comment_as("Alice Example", "When?", on=receipt.remote_id)
    double.set_figures(receipt.remote_id, reactions=12, shares=3)
"""

from __future__ import annotations

import itertools
import json
import re
from typing import Any, ClassVar

from tests.fakes.facebook_reads import FacebookReads
from tests.fakes.facebook_reads import graph_error as _error
from tests.fakes.server import FakeAPI, Post, Reply, Request

_PATH = re.compile(r"^/(v\d+\.\d+)/([^/]*)(?:/([a-z_]+))?$")
_RATE_MESSAGES = {
    4: "Application request limit reached",
    17: "User request limit reached",
    32: "Page request limit reached",
    613: "Calls to this api have exceeded the rate limit.",
}


class FacebookDouble(FacebookReads, FakeAPI):
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
        self.figures: dict[str, dict[str, int]] = {}
        self.omitted: set[str] = set()
        #: The Graph code a "429" fault carries (4, 17, 32 or 613).
        self.rate_limit_code = 32
        self._people = itertools.count(1)

    def credentials(self) -> dict[str, str]:
        return {"PAGE_ID": self.page_id, "PAGE_TOKEN": self.token}

    def echo_reply(self, echo: str) -> Reply:
        return _error(100, echo)

    def fault_reply(self, kind: str, request: Request) -> Reply:
        if kind in ("429", "429_daily"):
            usage = {self.page_id: [{"type": "pages", "estimated_time_to_regain_access": 5}]}
            code = self.rate_limit_code
            reply = _error(code, _RATE_MESSAGES.get(code, "Rate limited"), status=400)
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
        if method == "GET" and node == "" and edge is None:
            return self.many_objects(request)
        if method == "GET" and node == "debug_token":
            return self.debug_token(request, lambda: [self.token])
        if method == "GET" and node in ("me", self.page_id) and edge is None:
            return Reply(200, {"id": self.page_id, "name": self.page_name})
        if method == "GET" and edge is None:
            return self.one_object(request, node)
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
        if method == "GET" and edge in ("published_posts", "feed"):
            return self.page_posts(request, version, node, edge)
        if method == "GET" and edge == "comments":
            return self.comments(request, version, node)
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

    # -- the mixin's view of the double ---------------------------------------

    def live_posts(self) -> list[Post]:
        return self.posts

    def find_post(self, post_id: str) -> Post | None:
        return self.find(post_id)

    def base_url(self) -> str:
        return self.url

    # -- what others do on the Page -------------------------------------------

    def post_as_page(self, message: str, *, created_at: float | None = None) -> Post:
        """A post on the Page made by another tool (not through the channel)."""
        post = Post(id=f"{self.page_id}_{self.next_id()}", text=message)
        if created_at is not None:
            post.created_at = created_at
        return self.record(post)

    def comment_as(
        self, name: str, message: str, *, on: str, created_at: float | None = None
    ) -> Post:
        """A comment by a person (``name``) on a post, or a reply to a comment."""
        comment = Post(
            id=f"{on.split('_')[-1]}_{self.next_id()}",
            text=message,
            reply_to=on,
            extra={"from_id": str(6_000_000_000 + next(self._people)), "from_name": name},
        )
        if created_at is not None:
            comment.created_at = created_at
        return self.record(comment)

    def set_figures(self, post_id: str, **figures: int) -> None:
        """``reactions``, ``comments`` and ``shares`` as Graph will count them."""
        self.figures.setdefault(post_id, {}).update(figures)
