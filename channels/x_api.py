"""What tweepy does not do for the X channel: a settable host, timeouts, v2 media upload,
paging by ``meta.next_token`` within a budget, and one mapping of X's HTTP answers
to :mod:`channels.errors` types."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any

import requests

from channels.base import Media
from channels.errors import (
    AuthError,
    ChannelError,
    DuplicateContent,
    PermanentError,
    RateLimited,
    Retryable,
)
from channels.transport import epoch_to_utc, from_requests, read_media, shorten

#: The host tweepy writes into every URL; we swap it for the configured base URL.
TWEEPY_HOST = "https://api.twitter.com"
#: X takes images up to this size in one upload; larger needs the chunked flow.
MAX_SIMPLE_UPLOAD = 5 * 1024 * 1024


class RebasedSession(requests.Session):
    """A session that sends tweepy's requests to ``base_url`` and never waits forever.

    The URL is rewritten before the request is prepared, so the OAuth 1.0a
    signature covers the URL actually requested.
    """

    def __init__(self, base_url: str, timeout: float) -> None:
        super().__init__()
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def request(
        self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any
    ) -> requests.Response:
        if isinstance(url, str) and url.startswith(TWEEPY_HOST):
            url = self.base_url + url[len(TWEEPY_HOST) :]
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        return super().request(method, url, *args, **kwargs)


def _messages(response: requests.Response) -> list[str]:
    try:
        body = response.json()
    except ValueError:
        return [response.reason or ""]
    if not isinstance(body, dict):
        return []
    found: list[str] = []
    for key in ("detail", "title", "error"):
        if isinstance(body.get(key), str):
            found.append(body[key])
    for error in body.get("errors") or []:
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            found.append(error["message"])
        elif isinstance(error, str):
            found.append(error)
    return found


def _int(headers: Mapping[str, str], name: str) -> int | None:
    try:
        return int(headers[name])
    except (KeyError, ValueError):
        return None


def rate_limit_reset(headers: Mapping[str, str]) -> datetime | None:
    """When X will take calls again: the 15-minute window, or a spent 24-hour one if later."""
    reset = epoch_to_utc(headers.get("x-rate-limit-reset"))
    for prefix in ("x-user-limit-24hour", "x-app-limit-24hour"):
        if _int(headers, f"{prefix}-remaining") == 0:
            daily = epoch_to_utc(headers.get(f"{prefix}-reset"))
            if daily is not None and (reset is None or daily > reset):
                reset = daily
    return reset


def error_for_response(response: requests.Response) -> ChannelError:
    """The typed error for a non-2xx answer from X."""
    status = response.status_code
    messages = dict.fromkeys(m for m in _messages(response) if m)
    text = shorten("; ".join(messages) or response.reason or "")
    where = f"X answered {status}: {text}"
    if status == 429:
        return RateLimited(where, reset_at=rate_limit_reset(response.headers))
    if status == 401:
        return AuthError(where)
    if status == 403 and "duplicate" in text.lower():
        return DuplicateContent(f"X refused duplicate content: {text}")
    if status >= 500:
        return Retryable(where)
    return PermanentError(where)


#: One call's answer, as tweepy hands it back with ``return_type=dict``.
Body = Mapping[str, Any]


class Pages:
    """The answers of a paged X call, newest first, following ``meta.next_token``.

    ``fetch(token)`` makes one call (``None`` for the first page). At most
    ``budget`` calls are made; afterwards ``more`` says whether X had a next
    page left unread, and ``read`` how many tweets the pages held.
    """

    def __init__(self, fetch: Callable[[str | None], Body], budget: int) -> None:
        self._fetch = fetch
        self._budget = budget
        self.more = False
        self.read = 0

    def __iter__(self) -> Iterator[Body]:
        token: str | None = None
        for _ in range(self._budget):
            body = self._fetch(token)
            self.read += len(tweets_of(body))
            yield body
            token = (body.get("meta") or {}).get("next_token")
            if not token:
                return
        self.more = True


def tweets_of(body: Body) -> list[dict[str, Any]]:
    """The ``data`` of an answer (X leaves it out when there are none)."""
    data = body.get("data")
    return [t for t in data if isinstance(t, dict)] if isinstance(data, list) else []


class MediaUploader:
    """Uploads images through ``POST /2/media/upload`` and sets their alt text."""

    def __init__(self, session: requests.Session, auth: Any, base_url: str) -> None:
        self._session = session
        self._auth = auth
        self._base = base_url.rstrip("/")

    def _call(self, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = self._session.request("POST", self._base + path, auth=self._auth, **kwargs)
        except requests.RequestException as exc:
            # An upload that may have happened publishes nothing: safe to retry.
            raise from_requests("X", exc, mutating=False) from None
        if not 200 <= response.status_code < 300:
            raise error_for_response(response)
        try:
            body = response.json()
        except ValueError:
            raise Retryable("X answered a media call without JSON") from None
        return body if isinstance(body, dict) else {}

    def upload(self, media: Media) -> str:
        """Upload one image; return its media id."""
        content, mime = read_media(media)
        if len(content) > MAX_SIMPLE_UPLOAD:
            raise PermanentError(f"media {media.path.name} is larger than 5 MB")
        category = "tweet_gif" if mime == "image/gif" else "tweet_image"
        body = self._call(
            "/2/media/upload",
            files={"media": (media.path.name, content, mime)},
            data={"media_category": category, "media_type": mime},
        )
        media_id = str((body.get("data") or {}).get("id") or body.get("media_id_string") or "")
        if not media_id:
            raise Retryable("X answered a media upload without a media id")
        if media.alt:
            self._call(
                "/2/media/metadata",
                json={"id": media_id, "metadata": {"alt_text": {"text": media.alt[:1000]}}},
            )
        return media_id
