"""A double of the Mastodon REST API: statuses (with Idempotency-Key), media, instance,
and the reads of :mod:`tests.fakes.mastodon_reads` (account statuses, notifications,
tag timelines, v2 search, the multi-status lookup).

Like Mastodon, it renders status text as HTML, makes ids that sort by time and
answers a repeated Idempotency-Key with the status it already made.

Other people's statuses, and the account's own from other tools, go straight in::

    double.post_as_account("Posted from the web")             # on the account's timeline
    item = double.status_as("alice", "@oyez hello")           # a mention (and a notification)
    double.status_as("bob", "Thanks!", reply_to=receipt.remote_id)
    double.notify("favourite", "carol", status_id=receipt.remote_id)
    double.set_counts(item.id, favourites_count=3)
"""

from __future__ import annotations

import re
import time
from typing import Any, ClassVar

from tests.fakes.mastodon_reads import MastodonReads, Notice, as_html, iso, mastodon_id
from tests.fakes.server import FakeAPI, Post, Reply, Request

_STATUS = re.compile(r"^/api/v1/statuses/(\d+)$")
_ACCOUNT_STATUSES = re.compile(r"^/api/v1/accounts/(\d+)/statuses$")
_TAG = re.compile(r"^/api/v1/timelines/tag/([^/]+)$")
_COUNTS = ("favourites_count", "reblogs_count", "replies_count")


class MastodonDouble(MastodonReads, FakeAPI):
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
        #: Statuses by other people (mentions, replies, hashtags, search hits).
        self._others: list[Post] = []
        self._notices: list[Notice] = []
        self.accounts: dict[str, dict[str, str]] = {
            self.account_id: {"username": self.username, "display_name": "Oyez"}
        }

    def credentials(self) -> dict[str, str]:
        return {"ACCESS_TOKEN": self.token}

    def _limits(self, remaining: int = 299) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": "300",
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": iso(self.reset_epoch()),
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
            return Reply(200, self.account_json(self.account_id))
        if method == "GET" and path == "/api/v1/statuses":
            return self.lookup(request)
        if method == "GET" and path == "/api/v1/notifications":
            return self.notifications(request)
        if method == "GET" and path == "/api/v2/search":
            return self.search(request)
        if method == "GET" and (match := _TAG.match(path)) is not None:
            return self.tag_timeline(request, match.group(1))
        if method == "POST" and path == "/api/v1/statuses":
            return self._create(request)
        if (match := _STATUS.match(path)) is not None:
            post = self.find_status(match.group(1))
            if post is None or (method == "DELETE" and post not in self.posts):
                return Reply(404, {"error": "Record not found"})
            if method == "DELETE":
                post.deleted = True
                return Reply(200, {**self.status_json(post), "text": post.text})
            return Reply(200, self.status_json(post))
        if method == "GET" and (match := _ACCOUNT_STATUSES.match(path)) is not None:
            return self.account_statuses(request, match.group(1))
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

    def account_json(self, account_id: str) -> dict[str, Any]:
        known = self.accounts.get(account_id) or {"username": "", "display_name": ""}
        username = known["username"]
        own = account_id == self.account_id
        return {
            "id": account_id,
            "username": username,
            # Another instance's account carries its domain, as Mastodon shows it.
            "acct": username if own or known.get("local") else f"{username}@elsewhere.example",
            "display_name": known["display_name"],
            "url": f"{self.url}/@{username}",
            "created_at": "2024-01-01T00:00:00.000Z",
            "note": "",
            "locked": False,
            "bot": own,
            "followers_count": 0,
            "following_count": 0,
            "statuses_count": len(self.posts) if own else 0,
        }

    def status_json(self, post: Post) -> dict[str, Any]:
        author = str(post.extra.get("account_id") or self.account_id)
        username = self.accounts.get(author, {}).get("username", "")
        parent = self.find_status(post.reply_to) if post.reply_to else None
        counts = post.extra.get("counts") or {}
        return {
            "id": post.id,
            "uri": f"{self.url}/users/{username}/statuses/{post.id}",
            "url": f"{self.url}/@{username}/{post.id}",
            "created_at": iso(post.created_at),
            "account": self.account_json(author),
            "content": as_html(post.text, self.url),
            "visibility": post.extra.get("visibility", "public"),
            "sensitive": bool(post.extra.get("spoiler_text")),
            "spoiler_text": post.extra.get("spoiler_text", ""),
            "in_reply_to_id": post.reply_to,
            "in_reply_to_account_id": (
                str(parent.extra.get("account_id") or self.account_id) if parent else None
            ),
            "media_attachments": post.extra.get("media", []),
            "mentions": [],
            "tags": [],
            "emojis": [],
            "reblog": None,
            **{name: int(counts.get(name, 0)) for name in _COUNTS},
        }

    # -- statuses that arrive other than through the API -------------------

    def all_statuses(self) -> list[Post]:
        """Every live status: the account's and other people's."""
        with self.lock:
            return [p for p in [*self._posts, *self._others] if not p.deleted]

    def find_status(self, status_id: str) -> Post | None:
        return next((p for p in self.all_statuses() if p.id == status_id), None)

    def notices(self) -> list[Notice]:
        with self.lock:
            return list(self._notices)

    def _new_status(
        self, account_id: str, text: str, created_at: float | None, **extra: Any
    ) -> Post:
        when = time.time() if created_at is None else created_at
        return Post(
            id=mastodon_id(when, self.next_id()),
            text=text,
            reply_to=extra.pop("reply_to", None),
            created_at=when,
            extra={"account_id": account_id, **extra},
        )

    def post_as_account(self, text: str, *, created_at: float | None = None) -> Post:
        """A status on the account made by another tool (the web, a phone)."""
        return self.record(self._new_status(self.account_id, text, created_at, media=[]))

    def _account_of(self, username: str) -> str:
        with self.lock:
            for account_id, known in self.accounts.items():
                if known["username"] == username:
                    return account_id
            account_id = str(109_000_000_000_000_100 + len(self.accounts))
            self.accounts[account_id] = {"username": username, "display_name": username.title()}
            return account_id

    def status_as(
        self,
        username: str,
        text: str,
        *,
        reply_to: str | None = None,
        created_at: float | None = None,
        visibility: str = "public",
        spoiler_text: str = "",
    ) -> Post:
        """A status by someone else. ``@oyez`` in it, or a reply to one of the
        account's statuses, also makes a ``mention`` notification."""
        author = self._account_of(username)
        status = self._new_status(
            author,
            text,
            created_at,
            reply_to=reply_to,
            visibility=visibility,
            spoiler_text=spoiler_text,
        )
        parent = self.find_status(reply_to) if reply_to else None
        with self.lock:
            self._others.append(status)
        mine = parent is not None and parent.extra.get("account_id") == self.account_id
        if mine or re.search(rf"@{self.username}\b", text):
            self.notify("mention", username, status_id=status.id, created_at=status.created_at)
        return status

    def notify(
        self,
        kind: str,
        username: str,
        *,
        status_id: str | None = None,
        created_at: float | None = None,
    ) -> Notice:
        """A notification of ``kind`` (``mention``, ``favourite``, ``follow``...) from ``username``."""
        with self.lock:
            notice = Notice(
                id=str(len(self._notices) + 1),
                type=kind,
                account_id=self._account_of(username),
                created_at=time.time() if created_at is None else created_at,
                status=self.find_status(status_id) if status_id else None,
            )
            self._notices.append(notice)
        return notice

    def set_counts(self, status_id: str, **counts: int) -> None:
        """Set ``favourites_count``, ``reblogs_count`` or ``replies_count`` of a status."""
        status = self.find_status(status_id)
        if status is None:
            raise KeyError(status_id)
        status.extra["counts"] = {**(status.extra.get("counts") or {}), **counts}

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
                    return Reply(200, self.status_json(existing))
            text = value("status") or ""
            if len(text) > self.max_characters:
                limit = self.max_characters
                return Reply(422, {"error": f"Validation failed: Text character limit of {limit}"})
            media_ids = form.get("media_ids[]") or (fields or {}).get("media_ids") or []
            post = self.record(
                self._new_status(
                    self.account_id,
                    text,
                    None,
                    reply_to=value("in_reply_to_id"),
                    visibility=value("visibility") or "public",
                    media=[self.media[m] for m in media_ids if m in self.media],
                    idempotency_key=key,
                )
            )
            if key:
                self._by_key[key] = post.id
        return Reply(200, self.status_json(post))

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
