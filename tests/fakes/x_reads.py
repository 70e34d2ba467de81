"""The read side of the X double: user timeline, mentions, recent search and tweet lookup.

They page and filter as X API v2 documents it: newest first; ``max_results``
within each endpoint's bounds; ``start_time`` / ``end_time`` in whole seconds
(``YYYY-MM-DDTHH:mm:ssZ``, inclusive on timelines, ``end_time`` exclusive on
search); ``since_id`` / ``until_id`` exclusive (on search ``since_id`` wins over
``start_time``); an opaque ``next_token`` in ``meta`` while more remain, with
``result_count``, ``newest_id`` and ``oldest_id``; ``tweet.fields``,
``expansions`` (``author_id``, ``referenced_tweets.id``) and ``user.fields``.
A timeline shows only the account's newest 3,200 posts, mentions the newest
800, recent search the last seven days.
"""

from __future__ import annotations

import html
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tests.fakes.server import Post, Reply, Request

#: X's snowflake epoch (2010-11-04T01:42:54.657Z), in milliseconds.
TWITTER_EPOCH_MS = 1288834974657
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
TIMELINE_CAP = 3200
MENTIONS_CAP = 800
SEARCH_DAYS = 7
_SHOWN_URL = re.compile(r"https?://\S+")
_DEFAULT_METRICS = ("retweet_count", "reply_count", "like_count", "quote_count", "bookmark_count")


def snowflake(created_at: float, sequence: int) -> str:
    """A tweet id as X makes them: the creation time in its top bits, so ids sort by time."""
    return str(((int(created_at * 1000) - TWITTER_EPOCH_MS) << 22) | (sequence & 0x3FFFFF))


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + (
        f"{int(epoch * 1000) % 1000:03d}Z"
    )


def shown(text: str) -> str:
    """Text as X hands it back: ``&``, ``<`` and ``>`` escaped, links wrapped in t.co."""
    return _SHOWN_URL.sub("https://t.co/AbCdEf1234", html.escape(text, quote=False))


def problem(status: int, title: str, detail: str, **more: Any) -> Reply:
    body = {"title": title, "detail": detail, "type": "about:blank", "status": status, **more}
    return Reply(status, body, content_type="application/problem+json")


def invalid(parameter: str, value: str, message: str) -> Reply:
    """X's 400 for a bad query parameter."""
    return Reply(
        400,
        {
            "errors": [{"parameters": {parameter: [value]}, "message": message}],
            "title": "Invalid Request",
            "detail": "One or more parameters to your request was invalid.",
            "type": "https://api.twitter.com/2/problems/invalid-request",
        },
    )


class _Refused(Exception):
    def __init__(self, reply: Reply) -> None:
        self.reply = reply


def _time(request: Request, name: str) -> float | None:
    value = request.arg(name)
    if value is None:
        return None
    try:
        return datetime.strptime(value, TIME_FORMAT).replace(tzinfo=UTC).timestamp()
    except ValueError:
        message = f"Invalid '{name}':'{value}'. '{name}' must be YYYY-MM-DDTHH:mm:ssZ"
        raise _Refused(invalid(name, value, message)) from None


def _id(request: Request, name: str) -> int | None:
    value = request.arg(name)
    if value is None:
        return None
    if not value.isdigit():
        raise _Refused(
            invalid(name, value, f"The `{name}` query parameter value [{value}] is not valid")
        )
    return int(value)


def _size(request: Request, low: int, high: int) -> int:
    value = request.arg("max_results") or "10"
    if not value.isdigit() or not low <= int(value) <= high:
        message = (
            f"The `max_results` query parameter value [{value}] is not between {low} and {high}"
        )
        raise _Refused(invalid("max_results", value, message))
    return int(value)


def _fields(request: Request, name: str) -> set[str]:
    return {f for f in (request.arg(name) or "").split(",") if f}


@dataclass(frozen=True)
class Endpoint:
    """How one read endpoint pages and filters."""

    token_param: str
    sizes: tuple[int, int]
    end_inclusive: bool = True
    since_id_wins: bool = False


TIMELINE = Endpoint("pagination_token", (5, 100))
MENTIONS = Endpoint("pagination_token", (5, 100))
SEARCH = Endpoint("next_token", (10, 100), end_inclusive=False, since_id_wins=True)


class XReads:
    """The read endpoints, mixed into :class:`tests.fakes.x.XDouble`."""

    user_id: str
    #: Serve ``impression_count`` in ``public_metrics`` (off: a tier without it).
    impressions: bool = True

    def all_tweets(self) -> list[Post]:
        raise NotImplementedError

    def user(self, user_id: str) -> dict[str, str]:
        raise NotImplementedError

    def find_tweet(self, tweet_id: str) -> Post | None:
        raise NotImplementedError

    # -- what a tweet looks like ---------------------------------------------

    def tweet_json(self, post: Post, fields: set[str]) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": post.id,
            "text": shown(post.text),
            "edit_history_tweet_ids": [post.id],
        }
        author = str(post.extra.get("author_id") or self.user_id)
        refs = [{"type": "replied_to", "id": post.reply_to}] if post.reply_to else []
        if post.extra.get("quote_tweet_id"):
            refs.append({"type": "quoted", "id": str(post.extra["quote_tweet_id"])})
        if "created_at" in fields:
            data["created_at"] = iso(post.created_at)
        if "author_id" in fields:
            data["author_id"] = author
        if "conversation_id" in fields:
            data["conversation_id"] = str(post.extra.get("conversation_id") or post.id)
        if "referenced_tweets" in fields and refs:
            data["referenced_tweets"] = refs
        if "in_reply_to_user_id" in fields and post.reply_to:
            parent = self.find_tweet(post.reply_to)
            if parent is not None:
                data["in_reply_to_user_id"] = str(parent.extra.get("author_id") or self.user_id)
        if "public_metrics" in fields:
            metrics = {name: 0 for name in _DEFAULT_METRICS} | {"impression_count": 0}
            metrics |= post.extra.get("metrics") or {}
            if not self.impressions:
                metrics.pop("impression_count", None)
            data["public_metrics"] = metrics
        return data

    def _includes(self, request: Request, posts: Sequence[Post]) -> dict[str, Any]:
        expansions = _fields(request, "expansions")
        tweet_fields = _fields(request, "tweet.fields")
        includes: dict[str, Any] = {}
        authors: list[str] = []
        if "author_id" in expansions:
            authors = [str(p.extra.get("author_id") or self.user_id) for p in posts]
        if "referenced_tweets.id" in expansions:
            refs = [p.reply_to for p in posts] + [p.extra.get("quote_tweet_id") for p in posts]
            found = [t for t in (self.find_tweet(str(r)) for r in dict.fromkeys(refs) if r) if t]
            if found:
                includes["tweets"] = [self.tweet_json(t, tweet_fields) for t in found]
        if authors:
            user_fields = _fields(request, "user.fields")
            includes["users"] = [
                {
                    k: v
                    for k, v in self.user(a).items()
                    if k in {"id", "name", "username"} | user_fields
                }
                for a in dict.fromkeys(authors)
            ]
        return includes

    # -- paging ------------------------------------------------------------

    def paged(self, request: Request, endpoint: Endpoint, candidates: Iterable[Post]) -> Reply:
        """One page of ``candidates`` (any order) as the endpoint would serve it."""
        try:
            size = _size(request, *endpoint.sizes)
            since_id, until_id = _id(request, "since_id"), _id(request, "until_id")
            start, end = _time(request, "start_time"), _time(request, "end_time")
            token = request.arg(endpoint.token_param)
            below = _token_id(endpoint.token_param, token) if token is not None else None
        except _Refused as refused:
            return refused.reply
        if endpoint.since_id_wins and since_id is not None:
            start = None
        tweets = sorted(candidates, key=lambda p: int(p.id), reverse=True)
        kept = [
            p
            for p in tweets
            if (since_id is None or int(p.id) > since_id)
            and (until_id is None or int(p.id) < until_id)
            and (below is None or int(p.id) < below)
            and (start is None or p.created_at >= start)
            and (end is None or p.created_at < end + (1 if endpoint.end_inclusive else 0))
        ]
        shown_now, rest = kept[:size], kept[size:]
        if not shown_now:
            return Reply(200, {"meta": {"result_count": 0}})
        meta: dict[str, Any] = {
            "result_count": len(shown_now),
            "newest_id": shown_now[0].id,
            "oldest_id": shown_now[-1].id,
        }
        if rest:
            meta["next_token"] = _token(shown_now[-1].id)
        fields = _fields(request, "tweet.fields")
        body: dict[str, Any] = {"data": [self.tweet_json(p, fields) for p in shown_now]}
        if includes := self._includes(request, shown_now):
            body["includes"] = includes
        body["meta"] = meta
        return Reply(200, body)

    # -- endpoints -----------------------------------------------------------

    def timeline(self, request: Request, user_id: str) -> Reply:
        own = [p for p in self.all_tweets() if str(p.extra.get("author_id")) == user_id]
        newest = sorted(own, key=lambda p: int(p.id), reverse=True)[:TIMELINE_CAP]
        return self.paged(request, TIMELINE, newest)

    def mentions(self, request: Request, user_id: str) -> Reply:
        handle = "@" + self.user(user_id).get("username", "").lower()
        mine = {p.id for p in self.all_tweets() if str(p.extra.get("author_id")) == user_id}
        found = [
            p
            for p in self.all_tweets()
            if str(p.extra.get("author_id")) != user_id
            and (
                handle in p.text.lower()
                or p.reply_to in mine
                or p.extra.get("quote_tweet_id") in mine
            )
        ]
        newest = sorted(found, key=lambda p: int(p.id), reverse=True)[:MENTIONS_CAP]
        return self.paged(request, MENTIONS, newest)

    def search(self, request: Request) -> Reply:
        query = request.arg("query") or ""
        if not query.strip():
            return invalid("query", query, "The `query` query parameter can not be empty")
        oldest = time.time() - SEARCH_DAYS * 86400
        after = datetime.fromtimestamp(oldest, UTC).strftime(TIME_FORMAT)
        start, since = _safe_time(request, "start_time"), request.arg("since_id")
        if start is not None and start < oldest:
            value = request.arg("start_time") or ""
            message = f"Invalid 'start_time':'{value}'. 'start_time' must be on or after {after}"
            return invalid("start_time", value, message)
        if since and since.isdigit() and _snowflake_seconds(since) < oldest:
            message = (
                f"Invalid 'since_id':'{since}'. 'since_id' must be a tweet id created after {after}"
            )
            return invalid("since_id", since, message)
        match = _matcher(query, self.user)
        recent = [p for p in self.all_tweets() if p.created_at >= oldest and match(p)]
        return self.paged(request, SEARCH, recent)

    def lookup(self, request: Request) -> Reply:
        raw = request.arg("ids") or ""
        ids = [i for i in raw.split(",") if i]
        if not 1 <= len(ids) <= 100:
            message = f"The number of values in the `ids` query parameter list [{len(ids)}] is not between 1 and 100"
            return invalid("ids", raw, message)
        if bad := next((i for i in ids if not i.isdigit()), None):
            return invalid("ids", bad, f"The `ids` query parameter value [{bad}] is not valid")
        fields = _fields(request, "tweet.fields")
        found = [(i, self.find_tweet(i)) for i in ids]
        body: dict[str, Any] = {}
        if data := [self.tweet_json(p, fields) for _, p in found if p is not None]:
            body["data"] = data
        if missing := [i for i, p in found if p is None]:
            body["errors"] = [
                {
                    "value": i,
                    "detail": f"Could not find tweet with ids: [{i}].",
                    "title": "Not Found Error",
                    "resource_type": "tweet",
                    "parameter": "ids",
                    "resource_id": i,
                    "type": "https://api.twitter.com/2/problems/resource-not-found",
                }
                for i in missing
            ]
        return Reply(200, body)


def _safe_time(request: Request, name: str) -> float | None:
    try:
        return _time(request, name)
    except _Refused:
        return None  # paged() answers it with the right error


def _snowflake_seconds(tweet_id: str) -> float:
    return ((int(tweet_id) >> 22) + TWITTER_EPOCH_MS) / 1000


def _token(oldest_id: str) -> str:
    # Opaque to clients, like X's; it carries the id to page below.
    return "7140" + format(int(oldest_id), "x")


def _token_id(name: str, token: str) -> int:
    try:
        if not token.startswith("7140"):
            raise ValueError(token)
        return int(token[4:], 16)
    except ValueError:
        raise _Refused(
            invalid(name, token, f"The `{name}` query parameter value is not valid")
        ) from None


_TERM = re.compile(r'(-?)(?:"([^"]*)"|(\S+))')


def _matcher(query: str, user: Callable[[str], dict[str, str]]) -> Callable[[Post], bool]:
    """A small part of X's search operators: words and "phrases" (all must match,
    case-insensitive), ``-word`` to exclude, ``from:handle``, ``is:reply``,
    ``is:retweet`` (never: the double keeps no retweets)."""
    terms = [(neg == "-", (phrase or word).lower()) for neg, phrase, word in _TERM.findall(query)]

    def one(post: Post, term: str) -> bool:
        if term.startswith("from:"):
            author = user(str(post.extra.get("author_id"))).get("username", "")
            return author.lower() == term[5:].lstrip("@")
        if term == "is:reply":
            return post.reply_to is not None
        if term == "is:retweet":
            return False
        return term in post.text.lower()

    return lambda post: all(one(post, term) != negated for negated, term in terms)
