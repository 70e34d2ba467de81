"""A double of X API v2: users/me, tweets (create, delete, lookup), the user timeline,
mentions, recent search (:mod:`tests.fakes.x_reads`) and media upload.

It checks the OAuth 1.0a signature against the URL it was really sent to, so a
client that signs one host and calls another fails here as it would at X.
Like X, it hands text back with ``&`` escaped and links wrapped in t.co, and
makes tweet ids that sort by time (snowflakes).

Other people's tweets, and the account's own from other tools, go straight in::

    double.post_as_account("Posted from the web")            # on the account's timeline
    item = double.tweet_as("alice", "@oyez_test hello")     # a mention
    double.tweet_as("bob", "Thanks!", reply_to=receipt.remote_id)
    double.set_metrics(item.id, like_count=3)
"""

from __future__ import annotations

import re
import time
from types import SimpleNamespace
from typing import Any, ClassVar
from urllib.parse import unquote, urlencode

from oauthlib.oauth1.rfc5849 import signature

from tests.fakes.server import FakeAPI, Post, Reply, Request
from tests.fakes.x_reads import XReads, shown, snowflake
from tests.fakes.x_reads import problem as _problem

DUPLICATE_DETAIL = "You are not allowed to create a Tweet with duplicate content."
_TWEETS = re.compile(r"^/2/tweets/(\d+)$")
_TIMELINE = re.compile(r"^/2/users/(\w+)/tweets$")
_MENTIONS = re.compile(r"^/2/users/(\w+)/mentions$")


class XDouble(XReads, FakeAPI):
    kind: ClassVar[str] = "x"
    post_path: ClassVar[str] = "/2/tweets"
    default_prefix: ClassVar[str] = "OYEZ_TEST_X"

    user_id = "1001"
    username = "oyez_test"

    def __init__(self, *, refuse_duplicates: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        #: Refuse a tweet whose text equals a live one, as X does. Off by default so
        #: reliability tests can count the duplicates a client would have made.
        self.refuse_duplicates = refuse_duplicates
        self.media: dict[str, dict[str, Any]] = {}
        #: Tweets by other people (mentions, replies, search results).
        self._others: list[Post] = []
        self.users: dict[str, dict[str, str]] = {self.user_id: self._user()}
        self.keys = {
            "CONSUMER_KEY": "ck-fake-consumer-key",
            "CONSUMER_SECRET": "cs-fake-consumer-secret",
            "ACCESS_TOKEN": "at-fake-access-token",
            "ACCESS_TOKEN_SECRET": "as-fake-access-secret",
        }

    def credentials(self) -> dict[str, str]:
        return dict(self.keys)

    # -- auth ----------------------------------------------------------------

    def _signed(self, request: Request) -> bool:
        header = request.headers.get("Authorization", "")
        if not header.startswith("OAuth "):
            return False
        params = dict(
            (k, unquote(v.strip('"')))
            for k, _, v in (p.strip().partition("=") for p in header[6:].split(","))
        )
        if params.get("oauth_consumer_key") != self.keys["CONSUMER_KEY"]:
            return False
        if params.get("oauth_token") != self.keys["ACCESS_TOKEN"]:
            return False
        ctype = request.headers.get("Content-Type", "")
        body = request.body.decode() if "urlencoded" in ctype else None
        query = urlencode([(k, v) for k, vs in request.query.items() for v in vs])
        collected = signature.collect_parameters(
            uri_query=query, body=body, headers={"Authorization": header}
        )
        uri = f"http://{request.headers.get('Host')}{request.path}"
        base = signature.signature_base_string(
            request.method,
            signature.base_string_uri(uri),
            signature.normalize_parameters(collected),
        )
        secrets = SimpleNamespace(
            client_secret=self.keys["CONSUMER_SECRET"],
            resource_owner_secret=self.keys["ACCESS_TOKEN_SECRET"],
        )
        expected = signature.sign_hmac_sha1_with_client(base, secrets)
        return expected == params.get("oauth_signature")

    def _limits(self, remaining: int = 99) -> dict[str, str]:
        return {
            "x-rate-limit-limit": "100",
            "x-rate-limit-remaining": str(remaining),
            "x-rate-limit-reset": str(self.reset_epoch()),
        }

    def fault_reply(self, kind: str, request: Request) -> Reply:
        if kind == "429":
            reply = _problem(429, "Too Many Requests", "Too Many Requests")
            reply.headers = self._limits(remaining=0)
            return reply
        if kind == "429_daily":
            reply = _problem(429, "Too Many Requests", "Too Many Requests")
            reply.headers = {
                **self._limits(remaining=5),
                "x-user-limit-24hour-limit": "17",
                "x-user-limit-24hour-remaining": "0",
                "x-user-limit-24hour-reset": str(int(time.time()) + 86400),
            }
            return reply
        if kind == "401":
            return _problem(401, "Unauthorized", "Unauthorized")
        if kind == "duplicate":
            return _problem(403, "Forbidden", DUPLICATE_DETAIL)
        return super().fault_reply(kind, request)

    # -- routes ----------------------------------------------------------------

    def handle(self, request: Request) -> Reply:
        if not self._signed(request):
            return _problem(401, "Unauthorized", "Unauthorized")
        reply = self._route(request)
        reply.headers = {**self._limits(), **reply.headers}
        return reply

    def _route(self, request: Request) -> Reply:
        method, path = request.method, request.path
        if method == "GET" and path == "/2/users/me":
            return Reply(200, {"data": self._user()})
        if method == "POST" and path == "/2/tweets":
            return self._create(request.json() or {})
        if (match := _TWEETS.match(path)) and method == "DELETE":
            post = self.find(match.group(1))
            if post is None:
                return _problem(404, "Not Found Error", "Could not find tweet")
            post.deleted = True
            return Reply(200, {"data": {"deleted": True}})
        if (match := _TIMELINE.match(path)) and method == "GET":
            return self.timeline(request, match.group(1))
        if (match := _MENTIONS.match(path)) and method == "GET":
            return self.mentions(request, match.group(1))
        if method == "GET" and path == "/2/tweets/search/recent":
            return self.search(request)
        if method == "GET" and path == "/2/tweets":
            return self.lookup(request)
        if method == "POST" and path == "/2/media/upload":
            return self._upload(request)
        if method == "POST" and path == "/2/media/metadata":
            body = request.json() or {}
            item = self.media.get(str(body.get("id")))
            if item is None:
                return _problem(400, "Invalid Request", "unknown media id")
            item["alt"] = body["metadata"]["alt_text"]["text"]
            return Reply(200, {"data": {"id": body["id"], "associated_metadata": body["metadata"]}})
        return _problem(404, "Not Found", f"no route {method} {path}")

    def _user(self) -> dict[str, str]:
        return {"id": self.user_id, "name": "Oyez Test", "username": self.username}

    def user(self, user_id: str) -> dict[str, str]:
        return self.users.get(user_id, {"id": user_id, "name": "", "username": ""})

    def all_tweets(self) -> list[Post]:
        """Every live tweet: the account's and other people's."""
        with self.lock:
            return [p for p in [*self._posts, *self._others] if not p.deleted]

    # -- tweets that arrive other than through the API ---------------------

    def _make_tweet(
        self,
        author_id: str,
        text: str,
        *,
        reply_to: str | None = None,
        quote_of: str | None = None,
        created_at: float | None = None,
        **extra: Any,
    ) -> Post:
        when = time.time() if created_at is None else created_at
        tweet_id = snowflake(when, self.next_id())
        parent = self.find_tweet(reply_to) if reply_to else None
        conversation = str(parent.extra.get("conversation_id") or parent.id) if parent else tweet_id
        return Post(
            id=tweet_id,
            text=text,
            reply_to=reply_to,
            created_at=when,
            extra={
                "author_id": author_id,
                "quote_tweet_id": quote_of,
                "conversation_id": conversation,
                **extra,
            },
        )

    def find_tweet(self, tweet_id: str) -> Post | None:
        """A live tweet by anyone."""
        return next((p for p in self.all_tweets() if p.id == tweet_id), None)

    def post_as_account(self, text: str, *, created_at: float | None = None) -> Post:
        """A tweet on the account made by another tool (the web, a phone)."""
        return self.record(self._make_tweet(self.user_id, text, created_at=created_at, media=[]))

    def tweet_as(
        self,
        username: str,
        text: str,
        *,
        reply_to: str | None = None,
        quote_of: str | None = None,
        created_at: float | None = None,
    ) -> Post:
        """A tweet by someone else; ``@oyez_test`` in it (or replying to or quoting one
        of the account's tweets) puts it in the account's mentions."""
        with self.lock:
            known = next((u for u in self.users.values() if u["username"] == username), None)
            if known is None:
                known = {
                    "id": str(2000 + len(self.users)),
                    "name": username.title(),
                    "username": username,
                }
                self.users[known["id"]] = known
            tweet = self._make_tweet(
                known["id"], text, reply_to=reply_to, quote_of=quote_of, created_at=created_at
            )
            self._others.append(tweet)
        return tweet

    def set_metrics(self, tweet_id: str, **counts: int) -> None:
        """Set public_metrics (``like_count=3, impression_count=40``) of a tweet."""
        tweet = self.find_tweet(tweet_id)
        if tweet is None:
            raise KeyError(tweet_id)
        tweet.extra["metrics"] = {**(tweet.extra.get("metrics") or {}), **counts}

    # -- create ------------------------------------------------------------

    def _create(self, body: dict[str, Any]) -> Reply:
        text = str(body.get("text", ""))
        if self.refuse_duplicates and text in self.texts():
            return _problem(403, "Forbidden", DUPLICATE_DETAIL)
        media_ids = (body.get("media") or {}).get("media_ids") or []
        if any(m not in self.media for m in media_ids):
            return _problem(400, "Invalid Request", "unknown media id")
        reply_to = (body.get("reply") or {}).get("in_reply_to_tweet_id")
        if reply_to is not None and self.find_tweet(str(reply_to)) is None:
            detail = "You attempted to reply to a Tweet that is deleted or not visible to you."
            return _problem(403, "Forbidden", detail)
        post = self.record(
            self._make_tweet(
                self.user_id,
                text,
                reply_to=reply_to,
                quote_of=body.get("quote_tweet_id"),
                media=[self.media[m] for m in media_ids],
            )
        )
        return Reply(201, {"data": {"id": post.id, "text": shown(post.text)}})

    def _upload(self, request: Request) -> Reply:
        files = request.files()
        if "media" not in files:
            return _problem(400, "Invalid Request", "media is required")
        name, ctype, content = files["media"]
        media_id = str(1_900_000_000_000_000_000 + self.next_id())
        self.media[media_id] = {
            "id": media_id,
            "name": name,
            "type": request.field("media_type") or ctype,
            "category": request.field("media_category"),
            "size": len(content),
            "alt": None,
        }
        data = {"id": media_id, "media_key": f"3_{media_id}", "size": len(content)}
        return Reply(200, {"data": {**data, "expires_after_secs": 86400}})
