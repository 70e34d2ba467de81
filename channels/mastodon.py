"""The ``mastodon`` channel, through Mastodon.py.

Credentials (``credentials=env:PREFIX``): ``PREFIX_ACCESS_TOKEN``.

Every status carries an ``Idempotency-Key`` derived from the delivery key, so a
retry of the same delivery (within the hour Mastodon remembers keys) returns the
status already made instead of posting twice. Mastodon.py's own rate-limit
sleeping is off (``ratelimit_method="throw"``): the engine decides when to wait.

Reconciliation pages back through the account's statuses to the attempt's time
(status ids carry their creation time, so the window is a ``since_id``);
listening is in :mod:`channels.mastodon_listen`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
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

from channels.base import (
    ChannelSettings,
    Figures,
    InboundPage,
    Limits,
    Media,
    Receipt,
    Rendered,
)
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
from channels.mastodon_listen import PAGE_SIZE, Fetch, created_of, inbound, read_stream, utc
from channels.matching import html_to_text, same_text
from channels.transport import epoch_to_utc, from_requests, read_media, shorten

DEFAULT_MAX_CHARACTERS = 500
#: Reconciliation starts this long before the attempt, for the clocks' disagreement.
CLOCK_SKEW = timedelta(seconds=60)


class MastodonSettings(ChannelSettings):
    api_base_url: str = "https://mastodon.social"
    credentials: str = "env:OYEZ_MASTODON"
    #: Who sees the posts: public, unlisted, private (followers) or direct.
    visibility: Literal["public", "unlisted", "private", "direct"] = "public"
    #: Longest status; unset means "ask the instance" (falling back to 500).
    max_characters: int | None = None
    #: How many statuses one reconciliation call reads (Mastodon gives at most 40).
    lookback: int = Field(default=40, ge=1)
    #: The most pages reconciliation reads back to the attempt's time before it gives up.
    reconcile_pages: int = Field(default=10, ge=1, le=100)
    #: The most pages (of 40) one round of a listening stream reads.
    listen_pages: int = Field(default=5, ge=1, le=100)


def idempotency_key(delivery_key: str) -> str:
    """The Idempotency-Key for a delivery: stable across retries and processes."""
    return "oyez-" + hashlib.sha256(delivery_key.encode()).hexdigest()[:40]


class MastodonChannel:
    kind: ClassVar[str] = "mastodon"
    settings_model: ClassVar[type[ChannelSettings]] = MastodonSettings
    listen_kinds: ClassVar[frozenset[str]] = frozenset({"mentions", "query"})
    #: GET /api/v1/statuses takes up to 40 ids (Mastodon 4.3+).
    metrics_batch: ClassVar[int] = 40

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
        #: False once the instance answered 404 to the multi-status lookup (before 4.3).
        self._multi_get = True

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
        limits = Limits(max_length=max_length, count=mastodon_length, max_media=max_media)
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
    def lookback(self) -> None:
        # find_existing pages back to the attempt's time, however many statuses that takes.
        return None

    def find_existing(self, rendered: Rendered, since: datetime | None = None) -> Receipt | None:
        """Page back through the account's statuses to ``since`` (less a minute).

        Without ``since``, only the newest page (``lookback`` statuses) is read.
        """
        account = self._account()
        start = None if since is None else utc(since) - CLOCK_SKEW
        size = min(self.settings.lookback, PAGE_SIZE) if start is None else PAGE_SIZE
        below: str | None = None
        read = 0
        for _ in range(1 if start is None else self.settings.reconcile_pages):
            with self._errors(mutating=False):
                page = self._api.account_statuses(account, limit=size, max_id=below, since_id=start)
            for status in page:
                if _is_the_post(status, rendered):
                    return Receipt(remote_id=str(status["id"]), remote_url=status.get("url"))
            read += len(page)
            if start is None or len(page) < size:
                return None
            if any((made := created_of(s)) is not None and made < start for s in page):
                return None
            below = str(min(int(str(s["id"])) for s in page))
        raise OutcomeUnknown(
            f"Mastodon: could not look back to {start:%Y-%m-%d %H:%M:%S} UTC: "
            f"more than {read} statuses since; look at the account"
        )

    def mentions(self, cursor: str | None, since: datetime) -> InboundPage:
        """Mentions of the account, replies to its statuses included (mention notifications)."""
        me = self._account()

        def fetch(floor: int | None, below: int | None) -> Any:
            return self._api.notifications(
                types=["mention"], since_id=floor, max_id=below, limit=PAGE_SIZE
            )

        return self._stream(fetch, cursor, since, lambda n: n.get("status"), me, "mention")

    def search(self, query: str, cursor: str | None, since: datetime) -> InboundPage:
        """A ``#tag`` query reads the tag's timeline; other words, v2 search of statuses."""
        me = self._account()
        words = query.split()
        if len(words) == 1 and words[0].startswith("#") and len(words[0]) > 1:
            tag = words[0][1:]

            def fetch(floor: int | None, below: int | None) -> Any:
                return self._api.timeline_hashtag(
                    tag, since_id=floor, max_id=below, limit=PAGE_SIZE
                )
        else:

            def fetch(floor: int | None, below: int | None) -> Any:
                found = self._api.search_v2(
                    query,
                    resolve=False,
                    result_type="statuses",
                    min_id=floor,
                    max_id=below,
                    limit=PAGE_SIZE,
                )
                return found.get("statuses") or []

        return self._stream(fetch, cursor, since, lambda s: s, me, "search")

    def _stream(
        self, fetch: Fetch, cursor: str | None, since: datetime, status_of: Any, me: str, kind: str
    ) -> InboundPage:
        def typed(floor: int | None, below: int | None) -> Any:
            with self._errors(mutating=False):
                return list(fetch(floor, below))

        return read_stream(
            typed,
            self.settings.listen_pages,
            cursor=cursor,
            since=since,
            status_of=status_of,
            to_item=lambda status: inbound(status, me=me, kind=kind),
        )

    def metrics(self, remote_ids: Sequence[str]) -> dict[str, Figures]:
        """Public figures, 40 statuses a call (one call each before Mastodon 4.3);
        a deleted status is left out."""
        ids = list(dict.fromkeys(remote_ids))
        found: dict[str, Figures] = {}
        for first in range(0, len(ids), self.metrics_batch):
            batch = ids[first : first + self.metrics_batch]
            for status in self._statuses(batch):
                found[str(status["id"])] = _figures(status)
        return found

    def _statuses(self, ids: list[str]) -> list[Any]:
        if self._multi_get:
            try:
                with self._errors(mutating=False):
                    return list(self._api.statuses(ids))
            except PermanentError as exc:
                if " 404:" not in str(exc):
                    raise
                self._multi_get = False
        statuses = []
        for status_id in ids:
            with self._errors(mutating=False):
                try:
                    statuses.append(self._api.status(status_id))
                except MastodonNotFoundError:
                    continue  # deleted: stop asking
        return statuses

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


def _is_the_post(status: Mapping[str, Any], rendered: Rendered) -> bool:
    if not same_text(html_to_text(str(status.get("content") or "")), rendered.text):
        return False
    # The same words in another thread are another post.
    parent = status.get("in_reply_to_id")
    return rendered.reply_to is None or (parent is not None and str(parent) == rendered.reply_to)


def _figures(status: Mapping[str, Any]) -> Figures:
    def count(name: str) -> int | None:
        value = status.get(name)
        return value if isinstance(value, int) else None

    return Figures(
        likes=count("favourites_count"),
        reposts=count("reblogs_count"),
        replies=count("replies_count"),
    )
