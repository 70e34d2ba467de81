"""A double of LinkedIn's REST API for Organization Pages: posts, images, comments,
social action counts, organizations, and the OAuth token introspection and refresh.

It is strict where LinkedIn is: every ``/rest`` call must carry the bearer token,
an active ``LinkedIn-Version`` (else 426 ``NONEXISTENT_VERSION``) and
``X-Restli-Protocol-Version: 2.0.0``; URNs in paths must be encoded; a post
must name the organization as author, say ``PUBLIC``, ``MAIN_FEED`` and
``PUBLISHED``, and its commentary must be "little text" with reserved
characters escaped. What it records as a post's text is the commentary
unescaped, so tests compare plain text.
"""

from __future__ import annotations

import re
import time
from typing import Any, ClassVar
from urllib.parse import unquote

from channels.linkedin_api import unescape_little_text
from tests.fakes.server import FakeAPI, Post, Reply, Request

ORG_ID = "5515715"
ORG = f"urn:li:organization:{ORG_ID}"
_UNESCAPED = re.compile(r"(?<!\\)[|{}@\[\]()<>#*_~]")
_TEMPLATE = re.compile(r"\{hashtag\|\\#\|[^{}|]*\}")
_POST = re.compile(r"^/rest/posts/([^/]+)$")
_COMMENTS = re.compile(r"^/rest/socialActions/([^/]+)/comments$")
_COMMENT = re.compile(r"^/rest/socialActions/([^/]+)/comments/(\d+)$")
_ACTIONS = re.compile(r"^/rest/socialActions/([^/]+)$")
_UPLOAD = re.compile(r"^/upload/(\d+)$")


def _problem(status: int, message: str, code: str = "") -> Reply:
    return Reply(status, {"status": status, "code": code, "message": message})


class LinkedInDouble(FakeAPI):
    kind: ClassVar[str] = "linkedin"
    post_path: ClassVar[str] = "/rest/posts"
    default_prefix: ClassVar[str] = "OYEZ_TEST_LINKEDIN"

    name = "Oyez Test Council"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.token = "li-fake-access-token"
        self.client_id = "li-fake-client-id"
        self.client_secret = "li-fake-client-secret"
        self.refresh_token = "li-fake-refresh-token"
        #: When the access token stops working (epoch seconds); 60 days by default.
        self.token_expires_at = int(time.time()) + 60 * 86400
        #: The oldest LinkedIn-Version still served.
        self.oldest_version = "202512"
        self.images: dict[str, bytes] = {}
        self.comments: list[Post] = []
        self.likes: dict[str, int] = {}

    def credentials(self) -> dict[str, str]:
        """The credentials the channel needs."""
        return {"ACCESS_TOKEN": self.token, "ORGANIZATION": ORG_ID}

    def oauth_credentials(self) -> dict[str, str]:
        """The optional ones, for the token's expiry and its renewal."""
        return {
            "CLIENT_ID": self.client_id,
            "CLIENT_SECRET": self.client_secret,
            "REFRESH_TOKEN": self.refresh_token,
        }

    def channel_settings(
        self, *, prefix: str | None = None, timeout: float = 10.0
    ) -> dict[str, Any]:
        """The API and the OAuth host are both this double (LinkedIn's are two hosts)."""
        return {
            **super().channel_settings(prefix=prefix, timeout=timeout),
            "oauth_base_url": self.url,
        }

    def environ(self, prefix: str | None = None) -> dict[str, str]:
        """All of them, the optional ones included."""
        prefix = prefix or self.default_prefix
        extra = {f"{prefix}_{k}": v for k, v in self.oauth_credentials().items()}
        return {**super().environ(prefix), **extra}

    def comment_texts(self) -> list[str]:
        with self.lock:
            return [c.text for c in self.comments if not c.deleted]

    def fault_reply(self, kind: str, request: Request) -> Reply:
        if kind == "429":
            reply = _problem(429, "Resource level throttle limit exceeded", "TOO_MANY_REQUESTS")
            reply.headers["Retry-After"] = str(self.rate_limit_seconds)
            return reply
        if kind == "429_daily":
            return _problem(429, "Application daily limit reached", "TOO_MANY_REQUESTS")
        if kind == "401":
            return _problem(401, "Invalid access token", "INVALID_ACCESS_TOKEN")
        if kind == "426":
            version = request.headers.get("LinkedIn-Version", "")
            return _problem(
                426, f"Requested version {version} is not active", "NONEXISTENT_VERSION"
            )
        if kind == "duplicate":
            return _problem(422, "Content is a duplicate of urn:li:share:1", "DUPLICATE_POST")
        return super().fault_reply(kind, request)

    # -- routing -------------------------------------------------------------

    def handle(self, request: Request) -> Reply:
        path = request.path
        if path.startswith("/oauth/v2/"):
            return self._oauth(request, path)
        if (match := _UPLOAD.match(path)) is not None and request.method == "PUT":
            return self._put_image(request, match.group(1))
        refused = self._refuse_headers(request)
        if refused is not None:
            return refused
        if request.method == "GET" and path == f"/rest/organizations/{ORG_ID}":
            return Reply(200, {"id": int(ORG_ID), "localizedName": self.name})
        if path == "/rest/posts":
            return self._create(request) if request.method == "POST" else self._list(request)
        if path == "/rest/images" and request.method == "POST":
            return self._initialize_upload(request)
        for pattern, route in (
            (_POST, self._post),
            (_COMMENTS, self._comments),
            (_COMMENT, self._comment),
            (_ACTIONS, self._actions),
        ):
            if (match := pattern.match(path)) is not None:
                if ":" in match.group(1):
                    return _problem(400, "URNs in paths must be URL-encoded", "ILLEGAL_ARGUMENT")
                return route(request, unquote(match.group(1)), *match.groups()[1:])
        return _problem(404, f"no route {request.method} {path}")

    def _refuse_headers(self, request: Request) -> Reply | None:
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return _problem(401, "Invalid access token", "INVALID_ACCESS_TOKEN")
        version = request.headers.get("LinkedIn-Version", "")
        if not re.fullmatch(r"\d{6}", version) or version < self.oldest_version:
            return _problem(
                426, f"Requested version {version} is not active", "NONEXISTENT_VERSION"
            )
        if request.headers.get("X-Restli-Protocol-Version") != "2.0.0":
            return _problem(400, "X-Restli-Protocol-Version 2.0.0 is required")
        return None

    # -- posts ---------------------------------------------------------------

    def _create(self, request: Request) -> Reply:
        body = request.json()
        problems = [
            name
            for name, ok in (
                ("author", body.get("author") == ORG),
                ("visibility", body.get("visibility") == "PUBLIC"),
                ("lifecycleState", body.get("lifecycleState") == "PUBLISHED"),
                (
                    "distribution.feedDistribution",
                    (body.get("distribution") or {}).get("feedDistribution") == "MAIN_FEED",
                ),
                ("commentary", isinstance(body.get("commentary"), str)),
            )
            if not ok
        ]
        if problems:
            return _problem(422, "invalid fields: " + ", ".join(problems), "UNPROCESSABLE_ENTITY")
        commentary = body["commentary"]
        if _UNESCAPED.search(_TEMPLATE.sub("", commentary)):
            return _problem(422, "commentary has unescaped reserved characters")
        content = body.get("content") or {}
        for image in self._images_of(content):
            if image.get("id") not in self.images:
                return _problem(422, f"unknown image {image.get('id')}")
        post_id = f"urn:li:share:{self.next_id()}"
        extra = {"commentary": commentary, "content": content, "body": body}
        self.record(Post(id=post_id, text=unescape_little_text(commentary), extra=extra))
        return Reply(201, None, headers={"x-restli-id": post_id}, content_type=None)

    @staticmethod
    def _images_of(content: dict[str, Any]) -> list[dict[str, Any]]:
        if "media" in content:
            return [content["media"]]
        return list((content.get("multiImage") or {}).get("images") or [])

    def _element(self, post: Post) -> dict[str, Any]:
        ms = int(post.created_at * 1000)
        return {
            "id": post.id,
            "author": ORG,
            "commentary": post.extra.get("commentary", post.text),
            "createdAt": ms,
            "publishedAt": ms,
            "lifecycleState": "PUBLISHED",
        }

    def _list(self, request: Request) -> Reply:
        if request.arg("q") != "author" or request.arg("author") != ORG:
            return _problem(400, "q=author&author=urn:li:organization:ID is required")
        start, count = int(request.arg("start") or 0), int(request.arg("count") or 10)
        if count > 100:
            return _problem(400, "count must be at most 100")
        newest = sorted(self.posts, key=lambda p: p.created_at, reverse=True)
        page = newest[start : start + count]
        paging = {"start": start, "count": count, "total": len(newest)}
        return Reply(200, {"elements": [self._element(p) for p in page], "paging": paging})

    def _post(self, request: Request, urn: str) -> Reply:
        post = self.find(urn)
        if post is None:
            return _problem(404, "Not found", "NOT_FOUND")
        if request.method == "DELETE":
            post.deleted = True
            return Reply(204, None, content_type=None)
        return Reply(200, self._element(post))

    # -- images --------------------------------------------------------------

    def _initialize_upload(self, request: Request) -> Reply:
        if request.arg("action") != "initializeUpload":
            return _problem(400, "action=initializeUpload is required")
        owner = (request.json().get("initializeUploadRequest") or {}).get("owner")
        if owner != ORG:
            return _problem(422, "the image owner must be the organization")
        number = str(self.next_id())
        value = {"uploadUrl": f"{self.url}/upload/{number}", "image": f"urn:li:image:{number}"}
        return Reply(200, {"value": value})

    def _put_image(self, request: Request, number: str) -> Reply:
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return _problem(401, "Invalid access token")
        self.images[f"urn:li:image:{number}"] = request.body
        return Reply(201, None, content_type=None)

    # -- comments and social actions -----------------------------------------

    def _comments(self, request: Request, urn: str) -> Reply:
        if self.find(urn) is None:
            return _problem(404, "Not found", "NOT_FOUND")
        if request.method == "GET":
            with self.lock:
                mine = [c for c in self.comments if c.reply_to == urn and not c.deleted]
            return Reply(200, {"elements": [self._comment_element(c) for c in mine]})
        body = request.json()
        text = (body.get("message") or {}).get("text")
        if body.get("actor") != ORG or body.get("object") != urn or not isinstance(text, str):
            return _problem(422, "a comment needs actor, object and message.text")
        number = str(self.next_id())
        comment = Post(id=number, text=text, reply_to=urn)
        with self.lock:
            self.comments.append(comment)
        return Reply(201, self._comment_element(comment), headers={"x-restli-id": number})

    def _comment_element(self, comment: Post) -> dict[str, Any]:
        return {
            "id": comment.id,
            "commentUrn": f"urn:li:comment:({comment.reply_to},{comment.id})",
            "actor": ORG,
            "object": comment.reply_to,
            "message": {"text": comment.text},
            "created": {"time": int(comment.created_at * 1000)},
        }

    def _comment(self, request: Request, urn: str, number: str) -> Reply:
        if request.method != "DELETE" or request.arg("actor") != ORG:
            return _problem(400, "DELETE with actor=urn:li:organization:ID")
        with self.lock:
            found = [c for c in self.comments if c.id == number and not c.deleted]
            for comment in found:
                comment.deleted = True
        return Reply(204 if found else 404, None, content_type=None)

    def _actions(self, request: Request, urn: str) -> Reply:
        if self.find(urn) is None:
            return _problem(404, "Not found", "NOT_FOUND")
        with self.lock:
            comments = sum(1 for c in self.comments if c.reply_to == urn and not c.deleted)
        return Reply(
            200,
            {
                "target": urn,
                "likesSummary": {"totalLikes": self.likes.get(urn, 0)},
                "commentsSummary": {"aggregatedTotalComments": comments},
            },
        )

    # -- OAuth -----------------------------------------------------------------

    def _oauth(self, request: Request, path: str) -> Reply:
        form = request.form()
        client = form.get("client_id") == [self.client_id] and form.get("client_secret") == [
            self.client_secret
        ]
        if not client:
            return Reply(401, {"error": "invalid_client", "error_description": "bad client"})
        if path == "/oauth/v2/introspectToken":
            active = form.get("token") == [self.token] and self.token_expires_at > time.time()
            if not active:
                return Reply(200, {"active": False, "status": "revoked"})
            return Reply(
                200, {"active": True, "status": "active", "expires_at": self.token_expires_at}
            )
        if path == "/oauth/v2/accessToken":
            if form.get("grant_type") != ["refresh_token"] or form.get("refresh_token") != [
                self.refresh_token
            ]:
                return Reply(400, {"error": "invalid_request", "error_description": "bad grant"})
            self.token = f"li-fake-access-token-{self.next_id()}"
            self.token_expires_at = int(time.time()) + 60 * 86400
            return Reply(200, {"access_token": self.token, "expires_in": 60 * 86400})
        return _problem(404, f"no route {path}")
