"""The ``x`` channel: X (Twitter) API v2 through tweepy's ``Client``, OAuth 1.0a user context.

Credentials (``credentials=env:PREFIX``): ``PREFIX_CONSUMER_KEY``,
``PREFIX_CONSUMER_SECRET``, ``PREFIX_ACCESS_TOKEN``, ``PREFIX_ACCESS_TOKEN_SECRET``.

tweepy writes ``https://api.twitter.com`` into every URL and sets no timeout;
:class:`~channels.x_api.RebasedSession` fixes both without touching tweepy's code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, ClassVar

import requests
import tweepy
from pydantic import Field

from channels.base import (
    ChannelSettings,
    Figures,
    InboundPage,
    Limits,
    Receipt,
    Rendered,
)
from channels.credentials import resolve
from channels.errors import OutcomeUnknown, PermanentError, Retryable
from channels.length import x_length, x_limits, x_refuses
from channels.matching import same_text
from channels.transport import from_requests, hide_in_logs
from channels.x_api import (
    MAX_SIMPLE_UPLOAD,
    Body,
    MediaUploader,
    Pages,
    RebasedSession,
    error_for_response,
    tweets_of,
)
from channels.x_listen import LISTEN_FIELDS, SEARCH_REACH, read_stream, utc, window

_SIGNING_LOGGERS = ("oauthlib.oauth1.rfc5849", "requests_oauthlib.oauth1_auth")
CREDENTIAL_NAMES = ("CONSUMER_KEY", "CONSUMER_SECRET", "ACCESS_TOKEN", "ACCESS_TOKEN_SECRET")
#: Reconciliation starts this long before the attempt, for the clocks' disagreement.
CLOCK_SKEW = timedelta(seconds=60)
#: X shows only an account's newest 3,200 tweets on its timeline.
TIMELINE_CAP = 3200


class XSettings(ChannelSettings):
    api_base_url: str = "https://api.x.com"
    credentials: str = "env:OYEZ_X"
    #: Where public links to posts point.
    web_url: str = "https://x.com"
    #: Longest post, in X's weighted characters (280 unless the account has more).
    max_length: int = Field(default=280, ge=1)
    #: How many posts one reconciliation call reads (X takes 5-100 a page).
    lookback: int = Field(default=100, ge=1)
    #: The most pages reconciliation reads back to the attempt's time before it gives up.
    reconcile_pages: int = Field(default=10, ge=1, le=100)
    #: The most pages (of 100) one round of a listening stream reads.
    listen_pages: int = Field(default=5, ge=1, le=100)


class XChannel:
    kind: ClassVar[str] = "x"
    settings_model: ClassVar[type[ChannelSettings]] = XSettings
    listen_kinds: ClassVar[frozenset[str]] = frozenset({"mentions", "query"})
    metrics_batch: ClassVar[int] = 100

    def __init__(self, settings: XSettings, environ: Mapping[str, str]) -> None:
        secrets = resolve(settings.credentials, CREDENTIAL_NAMES, environ)
        self.settings = settings
        self._client: Any = tweepy.Client(
            consumer_key=secrets["CONSUMER_KEY"].reveal(),
            consumer_secret=secrets["CONSUMER_SECRET"].reveal(),
            access_token=secrets["ACCESS_TOKEN"].reveal(),
            access_token_secret=secrets["ACCESS_TOKEN_SECRET"].reveal(),
            return_type=dict,
        )
        self._client.session = RebasedSession(settings.api_base_url, settings.timeout)
        auth = tweepy.OAuth1UserHandler(
            secrets["CONSUMER_KEY"].reveal(),
            secrets["CONSUMER_SECRET"].reveal(),
            secrets["ACCESS_TOKEN"].reveal(),
            secrets["ACCESS_TOKEN_SECRET"].reveal(),
        ).apply_auth()
        # oauthlib logs the consumer key and access token at DEBUG level.
        hide_in_logs(_SIGNING_LOGGERS, (s.reveal() for s in secrets.values()))
        self._media = MediaUploader(self._client.session, auth, settings.api_base_url)
        self._me: tuple[str, str] | None = None
        # Made once: publish asks for them before every post.
        self._limits = replace(x_limits(settings.max_length), max_media_bytes=MAX_SIMPLE_UPLOAD)

    def __repr__(self) -> str:
        return f"XChannel(api_base_url={self.settings.api_base_url!r})"

    @property
    def limits(self) -> Limits:
        return self._limits

    @contextmanager
    def _errors(self, *, mutating: bool) -> Iterator[None]:
        try:
            yield
        except tweepy.HTTPException as exc:
            raise error_for_response(exc.response) from None
        except requests.RequestException as exc:
            raise from_requests("X", exc, mutating=mutating) from None
        except (ValueError, KeyError, TypeError) as exc:
            # A 2xx we cannot read: after a post, the post probably exists.
            error = OutcomeUnknown if mutating else Retryable
            raise error(f"X answered something unreadable ({type(exc).__name__})") from None

    def _url(self, tweet_id: str) -> str:
        return f"{self.settings.web_url.rstrip('/')}/i/web/status/{tweet_id}"

    def _account(self) -> tuple[str, str]:
        if self._me is None:
            with self._errors(mutating=False):
                data = self._client.get_me(user_auth=True)["data"]
                self._me = (str(data["id"]), str(data["username"]))
        return self._me

    def publish(self, rendered: Rendered) -> Receipt:
        if (reason := x_refuses(rendered.text)) is not None:
            raise PermanentError(reason)
        if not self.limits.fits(rendered.text):
            length = x_length(rendered.text)
            limit = self.settings.max_length
            raise PermanentError(f"post is longer than X allows ({length} > {limit})")
        media_ids = [self._media.upload(item) for item in rendered.media]
        with self._errors(mutating=True):
            body = self._client.create_tweet(
                text=rendered.text,
                in_reply_to_tweet_id=rendered.reply_to,
                quote_tweet_id=rendered.quote_of,
                media_ids=media_ids or None,
                user_auth=True,
            )
            tweet_id = str(body["data"]["id"])
        return Receipt(remote_id=tweet_id, remote_url=self._url(tweet_id))

    @property
    def lookback(self) -> None:
        # find_existing pages back to the attempt's time, however many posts that takes.
        return None

    def find_existing(self, rendered: Rendered, since: datetime | None = None) -> Receipt | None:
        """Page back through the account's tweets to ``since`` (less a minute).

        Without ``since``, only the newest page (``lookback`` tweets) is read.
        """
        user_id, _ = self._account()
        start = None if since is None else utc(since) - CLOCK_SKEW

        fetch = self._fetcher(
            self._client.get_users_tweets,
            user_id,
            page_param="pagination_token",
            max_results=max(5, min(self.settings.lookback, 100)),
            start_time=start,
            tweet_fields=["created_at", "referenced_tweets"],
        )
        pages = Pages(fetch, 1 if start is None else self.settings.reconcile_pages)
        with self._errors(mutating=False):
            for body in pages:
                for tweet in tweets_of(body):
                    if _is_the_post(tweet, rendered):
                        tweet_id = str(tweet["id"])
                        return Receipt(remote_id=tweet_id, remote_url=self._url(tweet_id))
        if start is None:
            return None
        back_to = f"{start:%Y-%m-%d %H:%M:%S} UTC"
        if pages.more:
            raise OutcomeUnknown(
                f"X: could not look back to {back_to}: more than {pages.read} posts since; "
                "look at the account"
            )
        if pages.read >= TIMELINE_CAP:
            raise OutcomeUnknown(
                f"X: could not look back to {back_to}: X shows only the newest "
                f"{TIMELINE_CAP:,} posts; look at the account"
            )
        return None

    def mentions(self, cursor: str | None, since: datetime) -> InboundPage:
        """Mentions of the account and replies to its tweets, newest first."""
        user_id, _ = self._account()
        call = self._client.get_users_mentions
        where = window(cursor, since)
        return self._stream(call, user_id, "pagination_token", where, "mention", cursor, since)

    def search(self, query: str, cursor: str | None, since: datetime) -> InboundPage:
        """Recent tweets (the last seven days) matching ``query``, X's search syntax."""
        call = self._client.search_recent_tweets
        where = window(cursor, since, reach=SEARCH_REACH)
        return self._stream(call, query, "next_token", where, "search", cursor, since)

    def _stream(
        self,
        call: Any,
        first: str,
        page_param: str,
        where: Mapping[str, Any],
        kind: str,
        cursor: str | None,
        since: datetime,
    ) -> InboundPage:
        fetch = self._fetcher(
            call, first, page_param=page_param, max_results=100, **where, **LISTEN_FIELDS
        )
        user_id, _ = self._account()
        with self._errors(mutating=False):
            return read_stream(
                fetch,
                self.settings.listen_pages,
                me=user_id,
                kind=kind,
                cursor=cursor,
                since=since,
                web_url=self.settings.web_url,
            )

    def _fetcher(
        self, call: Any, *args: Any, page_param: str, **params: Any
    ) -> Callable[[str | None], Body]:
        """One page of a paged tweepy ``call``, its errors typed, for :class:`Pages`."""

        def fetch(token: str | None) -> Body:
            with self._errors(mutating=False):
                body: Body = call(*args, **{page_param: token}, **params, user_auth=True)
            return body

        return fetch

    def metrics(self, remote_ids: Sequence[str]) -> dict[str, Figures]:
        """Public figures, up to 100 tweets a call; a deleted tweet is left out."""
        ids = list(dict.fromkeys(remote_ids))
        found: dict[str, Figures] = {}
        for first in range(0, len(ids), self.metrics_batch):
            with self._errors(mutating=False):
                body = self._client.get_tweets(
                    ids[first : first + self.metrics_batch],
                    tweet_fields=["public_metrics"],
                    user_auth=True,
                )
                # Tweets X no longer has are named under "errors", not "data".
                for tweet in tweets_of(body):
                    found[str(tweet["id"])] = _figures(tweet.get("public_metrics") or {})
        return found

    def delete(self, receipt: Receipt) -> None:
        with self._errors(mutating=False):
            try:
                self._client.delete_tweet(receipt.remote_id, user_auth=True)
            except tweepy.NotFound:
                return  # already gone: deleting is idempotent

    def check_credentials(self) -> str:
        self._me = None
        return "@" + self._account()[1]

    def close(self) -> None:
        self._client.session.close()


def _is_the_post(tweet: Mapping[str, Any], rendered: Rendered) -> bool:
    if not same_text(str(tweet.get("text", "")), rendered.text):
        return False
    if rendered.reply_to is None:
        return True
    # The same words in another thread are another post.
    refs = tweet.get("referenced_tweets") or []
    return any(
        r.get("type") == "replied_to" and str(r.get("id")) == rendered.reply_to for r in refs
    )


def _figures(metrics: Mapping[str, Any]) -> Figures:
    def count(name: str) -> int | None:
        value = metrics.get(name)
        return int(value) if isinstance(value, int) else None

    return Figures(
        likes=count("like_count"),
        reposts=count("retweet_count"),
        replies=count("reply_count"),
        quotes=count("quote_count"),
        impressions=count("impression_count"),
    )
