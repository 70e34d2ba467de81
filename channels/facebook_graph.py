"""What facebook-sdk 3.1.0 does not do: a settable host, the token kept out of URLs,
HTTP status checks, and one mapping of Graph errors to :mod:`channels.errors` types.

facebook-sdk reads ``headers["content-type"]`` without checking that it exists
and never looks at the status code. :class:`GraphSession` answers every
request itself: facebook-sdk only ever sees a 2xx JSON answer.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

from channels.errors import (
    AuthError,
    ChannelError,
    OutcomeUnknown,
    PermanentError,
    RateLimited,
    Retryable,
)
from channels.transport import from_requests, retry_after_to_utc, shorten

#: The host facebook-sdk writes into every URL.
SDK_HOST = "https://graph.facebook.com/"
RATE_LIMIT_CODES = frozenset({4, 17, 32, 613, *range(80001, 80015)})
AUTH_CODES = frozenset({102, 190, 10, *range(200, 300)})
PERMANENT_CODES = frozenset({368, 506})
TRANSIENT_CODES = frozenset({1, 2})
_USAGE_HEADERS = ("x-business-use-case-usage", "x-page-usage", "x-app-usage")


class MissingObject(PermanentError):
    """The object asked for does not exist (Graph code 100 subcode 33, #803, or a 404)."""


def _regain_minutes(value: Any) -> float:
    """The longest ``estimated_time_to_regain_access`` anywhere in a usage header."""
    if isinstance(value, Mapping):
        own = value.get("estimated_time_to_regain_access")
        nested = max((_regain_minutes(v) for v in value.values()), default=0.0)
        return max(float(own) if isinstance(own, int | float) else 0.0, nested)
    if isinstance(value, list):
        return max((_regain_minutes(v) for v in value), default=0.0)
    return 0.0


def rate_limit_reset(headers: Mapping[str, str]) -> datetime | None:
    """When Graph will take calls again, from its usage headers or ``Retry-After``."""
    minutes = 0.0
    for name in _USAGE_HEADERS:
        try:
            minutes = max(minutes, _regain_minutes(json.loads(headers.get(name) or "null")))
        except ValueError:
            continue
    if minutes > 0:
        return datetime.now(UTC) + timedelta(minutes=minutes)
    return retry_after_to_utc(headers.get("retry-after"))


def graph_error(status: int, body: Any, headers: Mapping[str, str]) -> ChannelError:
    """The typed error for a Graph answer carrying ``{"error": {...}}`` or a bad status."""
    error = body.get("error") if isinstance(body, dict) else None
    error = error if isinstance(error, dict) else {}
    code = error.get("code")
    code = code if isinstance(code, int) else None
    message = shorten(error.get("message") or f"HTTP {status}")
    where = f"Facebook answered {status} (code {code}): {message}"
    if code in RATE_LIMIT_CODES or status == 429:
        return RateLimited(where, reset_at=rate_limit_reset(headers))
    if code in AUTH_CODES or status == 401:
        return AuthError(where)
    if status == 404 or code == 803 or (code == 100 and error.get("error_subcode") == 33):
        return MissingObject(where)
    if code in PERMANENT_CODES:
        return PermanentError(where)
    if code in TRANSIENT_CODES or error.get("is_transient") or status >= 500:
        return Retryable(where)
    return PermanentError(where)


class GraphSession(requests.Session):
    """Sends facebook-sdk's calls to ``base_url`` and turns every failure into a typed error."""

    def __init__(self, base_url: str, timeout: float) -> None:
        super().__init__()
        self.base_url = base_url.rstrip("/") + "/"
        self.timeout = timeout

    @staticmethod
    def _move_token(holder: Any, headers: dict[str, str]) -> None:
        # The token goes in a header: in a URL it would reach logs and exception texts.
        if isinstance(holder, dict) and "access_token" in holder:
            headers["Authorization"] = f"Bearer {holder.pop('access_token')}"

    def request(
        self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any
    ) -> requests.Response:
        if isinstance(url, str) and url.startswith(SDK_HOST):
            url = self.base_url + url[len(SDK_HOST) :]
        headers = dict(kwargs.pop("headers", None) or {})
        self._move_token(kwargs.get("params"), headers)
        self._move_token(kwargs.get("data"), headers)
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        verb = method.decode() if isinstance(method, bytes) else method
        mutating = verb.upper() == "POST"
        try:
            kwargs["headers"] = headers
            response = super().request(method, url, *args, **kwargs)
        except requests.RequestException as exc:
            raise from_requests("Facebook", exc, mutating=mutating) from None
        ctype = response.headers.get("content-type", "")
        try:
            body = response.json() if "json" in ctype else None
        except ValueError:
            body = None
        if not 200 <= response.status_code < 300:
            raise graph_error(response.status_code, body, response.headers)
        if body is None:
            # 2xx without JSON: after a post, the post may well exist.
            error = OutcomeUnknown if mutating else Retryable
            raise error(f"Facebook answered {response.status_code} without JSON")
        if isinstance(body, dict) and body.get("error"):
            raise graph_error(response.status_code, body, response.headers)
        return response


def next_args(body: Mapping[str, Any]) -> dict[str, str] | None:
    """The query of ``paging.next`` as arguments for the same call, or ``None`` at the end.

    The URL is Graph's own; only its query is kept, so the configured base URL
    and version stay in charge, and a token Graph put there is dropped.
    """
    paging = body.get("paging")
    link = paging.get("next") if isinstance(paging, Mapping) else None
    if not isinstance(link, str) or not link:
        return None
    query = parse_qs(urlsplit(link).query, keep_blank_values=True)
    return {k: v[0] for k, v in query.items() if k != "access_token" and v}


class GraphPages:
    """The pages of one Graph edge, following ``paging.next`` for at most ``budget`` calls.

    ``fetch(args)`` makes one call. Stop early by breaking out; afterwards
    ``more`` says a next page was left unread because the budget ran out, and
    ``calls`` how many calls were made.
    """

    def __init__(
        self,
        fetch: Callable[[Mapping[str, str]], Mapping[str, Any]],
        args: Mapping[str, str],
        budget: int,
    ) -> None:
        self._fetch = fetch
        self._args = dict(args)
        self._budget = budget
        self.more = False
        self.calls = 0

    def __iter__(self) -> Iterator[list[dict[str, Any]]]:
        args: dict[str, str] | None = self._args
        while args is not None:
            if self.calls >= self._budget:
                self.more = True
                return
            self.calls += 1
            body = self._fetch(args)
            data = body.get("data")
            yield [d for d in data if isinstance(d, dict)] if isinstance(data, list) else []
            args = next_args(body)


def graph_time(value: object) -> datetime | None:
    """A Graph time (``2026-12-02T19:04:05+0000``) in UTC, or ``None`` if it is not one."""
    try:
        when = datetime.strptime(str(value), "%Y-%m-%dT%H:%M:%S%z")
    except ValueError:
        return None
    return when.astimezone(UTC)
