"""The ``x`` channel: X (Twitter) API v2 through tweepy's ``Client``, OAuth 1.0a user context.

Credentials (``credentials=env:PREFIX``): ``PREFIX_CONSUMER_KEY``,
``PREFIX_CONSUMER_SECRET``, ``PREFIX_ACCESS_TOKEN``, ``PREFIX_ACCESS_TOKEN_SECRET``.

tweepy writes ``https://api.twitter.com`` into every URL and sets no timeout;
:class:`~channels.x_api.RebasedSession` fixes both without touching tweepy's code.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, ClassVar

import requests
import tweepy
from pydantic import Field

from channels.base import ChannelSettings, Limits, Receipt, Rendered
from channels.credentials import resolve
from channels.errors import OutcomeUnknown, PermanentError, Retryable
from channels.length import X_BOUNDS, x_length
from channels.matching import same_text
from channels.transport import from_requests, hide_in_logs
from channels.x_api import MediaUploader, RebasedSession, error_for_response

_SIGNING_LOGGERS = ("oauthlib.oauth1.rfc5849", "requests_oauthlib.oauth1_auth")
CREDENTIAL_NAMES = ("CONSUMER_KEY", "CONSUMER_SECRET", "ACCESS_TOKEN", "ACCESS_TOKEN_SECRET")


class XSettings(ChannelSettings):
    api_base_url: str = "https://api.x.com"
    credentials: str = "env:OYEZ_X"
    #: Where public links to posts point.
    web_url: str = "https://x.com"
    #: Longest post, in X's weighted characters (280 unless the account has more).
    max_length: int = Field(default=280, ge=1)
    #: How many of the account's latest posts reconciliation looks through (5-100).
    lookback: int = Field(default=100, ge=1)


class XChannel:
    kind: ClassVar[str] = "x"
    settings_model: ClassVar[type[ChannelSettings]] = XSettings

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

    def __repr__(self) -> str:
        return f"XChannel(api_base_url={self.settings.api_base_url!r})"

    @property
    def limits(self) -> Limits:
        return Limits(
            max_length=self.settings.max_length, count=x_length, threads=True, bounds=X_BOUNDS
        )

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
    def lookback(self) -> int:
        return min(self.settings.lookback, 100)

    def find_existing(self, rendered: Rendered) -> Receipt | None:
        user_id, _ = self._account()
        with self._errors(mutating=False):
            body = self._client.get_users_tweets(
                user_id,
                max_results=max(5, self.lookback),
                tweet_fields=["created_at", "referenced_tweets"],
                user_auth=True,
            )
        for tweet in body.get("data") or []:
            if same_text(str(tweet.get("text", "")), rendered.text):
                return Receipt(remote_id=str(tweet["id"]), remote_url=self._url(str(tweet["id"])))
        return None

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
