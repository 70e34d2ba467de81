"""The ``mastodon`` channel, through Mastodon.py.

Credentials (``credentials=env:PREFIX``): ``PREFIX_ACCESS_TOKEN``.

Every status carries an ``Idempotency-Key`` derived from the delivery key, so a
retry of the same delivery (within the hour Mastodon remembers keys) returns the
status already made instead of posting twice. Mastodon.py's own rate-limit
sleeping is off (``ratelimit_method="throw"``): the engine decides when to wait.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, ClassVar, Literal

import requests
from mastodon import Mastodon
from mastodon.errors import (
    MastodonAPIError,
    MastodonError,
    MastodonIllegalArgumentError,
    MastodonIOError,
    MastodonNetworkError,
    MastodonNotFoundError,
    MastodonRatelimitError,
    MastodonServerError,
    MastodonUnauthorizedError,
)
from pydantic import Field

from channels.base import ChannelSettings, Limits, Media, Receipt, Rendered
from channels.credentials import resolve
from channels.errors import (
    AuthError,
    ChannelError,
    OutcomeUnknown,
    PermanentError,
    RateLimited,
    Retryable,
)
from channels.length import mastodon_length
from channels.matching import html_to_text, same_text
from channels.transport import epoch_to_utc, from_requests, read_media, shorten

DEFAULT_MAX_CHARACTERS = 500


class MastodonSettings(ChannelSettings):
    api_base_url: str = "https://mastodon.social"
    credentials: str = "env:OYEZ_MASTODON"
    #: Who sees the posts: public, unlisted, private (followers) or direct.
    visibility: Literal["public", "unlisted", "private", "direct"] = "public"
    #: Longest status; unset means "ask the instance" (falling back to 500).
    max_characters: int | None = None
    #: How many of the account's latest statuses reconciliation looks through.
    lookback: int = Field(default=40, ge=1)


def idempotency_key(delivery_key: str) -> str:
    """The Idempotency-Key for a delivery: stable across retries and processes."""
    return "oyez-" + hashlib.sha256(delivery_key.encode()).hexdigest()[:40]


class MastodonChannel:
    kind: ClassVar[str] = "mastodon"
    settings_model: ClassVar[type[ChannelSettings]] = MastodonSettings

    def __init__(self, settings: MastodonSettings, environ: Mapping[str, str]) -> None:
        secrets = resolve(settings.credentials, ("ACCESS_TOKEN",), environ)
        self.settings = settings
        self._api: Any = Mastodon(
            access_token=secrets["ACCESS_TOKEN"].reveal(),
            api_base_url=settings.api_base_url,
            ratelimit_method="throw",
            request_timeout=settings.timeout,
            version_check_mode="none",
            user_agent="oyez",
        )
        self._limits: Limits | None = None
        self._account_id: str | None = None

    def __repr__(self) -> str:
        return f"MastodonChannel(api_base_url={self.settings.api_base_url!r})"

    @property
    def limits(self) -> Limits:
        """The instance's own limits, read once; 500 characters if the instance cannot say."""
        if self._limits is not None:
            return self._limits
        max_length, max_media, known = self.settings.max_characters, 4, True
        if max_length is None:
            try:
                with self._errors(mutating=False):
                    config = self._api.instance_v2().get("configuration") or {}
                statuses = config.get("statuses") or {}
                max_length = int(statuses.get("max_characters") or DEFAULT_MAX_CHARACTERS)
                max_media = int(statuses.get("max_media_attachments") or 4)
            except (ChannelError, ValueError, TypeError, AttributeError):
                max_length, known = DEFAULT_MAX_CHARACTERS, False
        limits = Limits(
            max_length=max_length, count=mastodon_length, max_media=max_media, threads=True
        )
        if known:
            self._limits = limits
        return limits

    @contextmanager
    def _errors(self, *, mutating: bool) -> Iterator[None]:
        try:
            yield
        except MastodonRatelimitError:
            reset = epoch_to_utc(self._api.ratelimit_reset)
            raise RateLimited("Mastodon: rate limited", reset_at=reset) from None
        except MastodonNetworkError as exc:
            cause = exc.__context__
            if isinstance(cause, requests.RequestException):
                raise from_requests("Mastodon", cause, mutating=mutating) from None
            error = OutcomeUnknown if mutating else Retryable
            raise error(f"Mastodon: network error ({type(exc).__name__})") from None
        except MastodonAPIError as exc:
            raise self._api_error(exc, mutating=mutating) from None
        except (MastodonIllegalArgumentError, MastodonIOError) as exc:
            raise PermanentError(f"Mastodon refused the request: {shorten(exc)}") from None
        except MastodonError as exc:
            raise Retryable(f"Mastodon: {type(exc).__name__}") from None

    @staticmethod
    def _api_error(exc: MastodonAPIError, *, mutating: bool) -> ChannelError:
        args = exc.args
        status = args[1] if len(args) > 1 and isinstance(args[1], int) else None
        detail = shorten(args[3] if len(args) > 3 and args[3] else (args[2] if status else ""))
        where = f"Mastodon answered {status}: {detail}"
        if status is None:
            # A 2xx whose body was not JSON: after a post, the post probably exists.
            error = OutcomeUnknown if mutating else Retryable
            return error("Mastodon answered something unreadable")
        if isinstance(exc, MastodonUnauthorizedError) or status == 403:
            return AuthError(where)
        if isinstance(exc, MastodonServerError) or status >= 500:
            return Retryable(where)
        return PermanentError(where)

    def _account(self) -> str:
        if self._account_id is None:
            with self._errors(mutating=False):
                self._account_id = str(self._api.account_verify_credentials()["id"])
        return self._account_id

    def publish(self, rendered: Rendered) -> Receipt:
        limits = self.limits
        if not limits.fits(rendered.text):
            raise PermanentError(
                f"status is longer than the instance allows "
                f"({mastodon_length(rendered.text)} > {limits.max_length})"
            )
        media_ids = [self._upload(item) for item in rendered.media]
        with self._errors(mutating=True):
            status = self._api.status_post(
                rendered.text,
                in_reply_to_id=rendered.reply_to,
                media_ids=media_ids or None,
                visibility=self.settings.visibility,
                idempotency_key=idempotency_key(rendered.delivery_key),
                quoted_status_id=rendered.quote_of,
            )
            status_id = status.get("id")
        if not status_id:
            raise OutcomeUnknown("Mastodon answered a post without a status id")
        return Receipt(remote_id=str(status_id), remote_url=status.get("url"))

    def _upload(self, item: Media) -> Any:
        # Mastodon.py leaves a file it opened unclosed; hand it bytes instead.
        content, mime = read_media(item)
        with self._errors(mutating=False):
            return self._api.media_post(
                content, mime_type=mime, file_name=item.path.name, description=item.alt or None
            )

    @property
    def lookback(self) -> int:
        return min(self.settings.lookback, 40)

    def find_existing(self, rendered: Rendered) -> Receipt | None:
        account = self._account()
        with self._errors(mutating=False):
            statuses = self._api.account_statuses(account, limit=self.lookback)
            for status in statuses:
                if same_text(html_to_text(str(status.get("content") or "")), rendered.text):
                    return Receipt(remote_id=str(status["id"]), remote_url=status.get("url"))
        return None

    def delete(self, receipt: Receipt) -> None:
        with self._errors(mutating=False):
            try:
                self._api.status_delete(receipt.remote_id)
            except MastodonNotFoundError:
                return  # already gone: deleting is idempotent

    def check_credentials(self) -> str:
        with self._errors(mutating=False):
            account = self._api.account_verify_credentials()
        self._account_id = str(account["id"])
        return "@" + str(account.get("acct") or account.get("username"))

    def close(self) -> None:
        self._api.session.close()
