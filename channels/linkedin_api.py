"""A thin LinkedIn REST client on httpx: headers, errors, URNs and "little text".

There is no well-kept Python client for LinkedIn's Posts API, so the channel
speaks it directly. Every call carries ``Authorization: Bearer``, the pinned
``LinkedIn-Version`` and ``X-Restli-Protocol-Version: 2.0.0``; every failure
becomes a :mod:`channels.errors` type here, never an httpx exception.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from channels.errors import (
    AuthError,
    ChannelError,
    ConfigError,
    DuplicateContent,
    OutcomeUnknown,
    PermanentError,
    RateLimited,
    Retryable,
)
from channels.transport import from_httpx, retry_after_to_utc, shorten

NETWORK = "LinkedIn"
ORGANIZATION = "urn:li:organization:"
_VERSION = re.compile(r"^(\d{4})(0[1-9]|1[0-2])$")
#: LinkedIn's "little text" reserved characters, escaped with a backslash.
_RESERVED = re.compile(r"([\\|{}@\[\]()<>#*_~])")
_ESCAPED = re.compile(r"\\([\\|{}@\[\]()<>#*_~])")
_HASHTAG_IN = re.compile(r"(?<!\w)#(\w+)")
_HASHTAG_OUT = re.compile(r"\{hashtag\|\\#\|([^}]*)\}")
_COMMENT = re.compile(r"^urn:li:comment:\((urn:li:[a-zA-Z]+:\d+),(\d+)\)$")


def escape_little_text(text: str) -> str:
    """``text`` as LinkedIn commentary: reserved characters escaped, hashtags kept as hashtags."""
    out: list[str] = []
    last = 0
    for match in _HASHTAG_IN.finditer(text):
        out.append(_RESERVED.sub(r"\\\1", text[last : match.start()]))
        out.append("{hashtag|\\#|" + _RESERVED.sub(r"\\\1", match.group(1)) + "}")
        last = match.end()
    out.append(_RESERVED.sub(r"\\\1", text[last:]))
    return "".join(out)


def unescape_little_text(commentary: str) -> str:
    """The plain text of LinkedIn commentary (what :func:`escape_little_text` was given)."""
    return _ESCAPED.sub(r"\1", _HASHTAG_OUT.sub(r"#\1", commentary))


def little_text_length(text: str) -> int:
    """Characters LinkedIn counts against its 3,000: the commentary as sent, escapes included."""
    return len(escape_little_text(text))


def organization_urn(value: str) -> str:
    """``urn:li:organization:ID`` from a numeric id or that URN; ConfigError otherwise."""
    raw = value.strip()
    number = raw.removeprefix(ORGANIZATION)
    if not number.isdigit():
        raise ConfigError(
            "the LinkedIn organization must be its numeric id or urn:li:organization:ID"
        )
    return ORGANIZATION + number


def version_date(version: str) -> date:
    """The first day of the month a ``YYYYMM`` LinkedIn-Version names."""
    match = _VERSION.match(version)
    if match is None:
        raise ValueError("must be a LinkedIn-Version as YYYYMM, e.g. 202611")
    return date(int(match.group(1)), int(match.group(2)), 1)


def post_of(urn: str) -> str:
    """The post a comment URN belongs to (a post URN is its own post)."""
    match = _COMMENT.match(urn)
    return match.group(1) if match else urn


def comment_parts(urn: str) -> tuple[str, str] | None:
    """(post URN, comment id) of a comment URN, or ``None`` for a post URN."""
    match = _COMMENT.match(urn)
    return (match.group(1), match.group(2)) if match else None


def encoded(urn: str) -> str:
    """A URN as a path segment (Rest.li 2.0 wants ``:``, ``(`` and ``,`` encoded)."""
    return quote(urn, safe="")


def next_midnight_utc(now: datetime | None = None) -> datetime:
    """When LinkedIn's daily quota window starts again."""
    moment = now or datetime.now(UTC)
    return datetime.combine(moment.date() + timedelta(days=1), datetime.min.time(), UTC)


def _message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return shorten(response.text) if response.text else ""
    if isinstance(body, Mapping):
        return shorten(
            body.get("message") or body.get("error_description") or body.get("error") or ""
        )
    return ""


def error_for_response(response: httpx.Response, version: str) -> ChannelError:
    """The typed error for a LinkedIn answer that is not a success."""
    status = response.status_code
    detail = _message(response)
    where = f"{NETWORK} answered {status}" + (f": {detail}" if detail else "")
    if status == 401:
        return AuthError(
            f"{where} (the access token is wrong or expired; set a new PREFIX_ACCESS_TOKEN)"
        )
    if status == 403:
        return AuthError(where + " (the token lacks the rights to post as this organization)")
    if status == 426:
        return ConfigError(
            f"{NETWORK} has retired API version {version}: set a current one with "
            "`oyez channels set NAME --set version=YYYYMM`"
        )
    if status == 429:
        reset = retry_after_to_utc(response.headers.get("Retry-After")) or next_midnight_utc()
        return RateLimited(f"{NETWORK}: rate limited", reset_at=reset)
    if status >= 500:
        return Retryable(where)
    if status == 422 and "duplicate" in detail.lower():
        return DuplicateContent(where)
    return PermanentError(where)


class LinkedInAPI:
    """One session against ``base_url``; the token is sent, never shown."""

    def __init__(self, base_url: str, token: str, version: str, timeout: float) -> None:
        self.base_url = base_url.rstrip("/")
        self.version = version
        self._token = token
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout)

    def set_token(self, token: str) -> None:
        self._token = token

    def _headers(self) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self._token}",
            "LinkedIn-Version": self.version,
            "X-Restli-Protocol-Version": "2.0.0",
        }

    def call(
        self,
        method: str,
        path: str,
        *,
        mutating: bool,
        json: Any = None,
        params: Mapping[str, str] | None = None,
        ok_missing: bool = False,
    ) -> httpx.Response:
        """One REST call; a 404 passes when ``ok_missing`` (deleting what is gone)."""
        try:
            response = self._http.request(
                method, path, json=json, params=params, headers=self._headers()
            )
        except httpx.HTTPError as exc:
            raise from_httpx(NETWORK, exc, mutating=mutating) from None
        if response.is_success or (ok_missing and response.status_code == 404):
            return response
        raise error_for_response(response, self.version)

    def body(self, response: httpx.Response, *, mutating: bool) -> dict[str, Any]:
        """A JSON object answer; anything else is unreadable."""
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            error = OutcomeUnknown if mutating else Retryable
            raise error(f"{NETWORK} answered something unreadable")
        return body

    def upload(self, url: str, content: bytes, mime: str) -> None:
        """PUT image bytes to the upload URL LinkedIn gave (the token only to LinkedIn)."""
        host = urlsplit(url).hostname or ""
        ours = urlsplit(self.base_url).hostname
        headers = {"Content-Type": mime}
        if host == ours or host == "linkedin.com" or host.endswith(".linkedin.com"):
            headers["Authorization"] = f"Bearer {self._token}"
        try:
            response = self._http.put(url, content=content, headers=headers)
        except httpx.HTTPError as exc:
            raise from_httpx(NETWORK, exc, mutating=False) from None
        if not response.is_success:
            raise error_for_response(response, self.version)

    def form(self, path: str, data: Mapping[str, str]) -> dict[str, Any]:
        """An OAuth form call (introspection, refresh): no bearer token, no version."""
        try:
            response = self._http.post(path, data=dict(data))
        except httpx.HTTPError as exc:
            raise from_httpx(NETWORK, exc, mutating=False) from None
        if response.status_code in (400, 401):
            raise AuthError(f"{NETWORK} refused the OAuth call: {_message(response)}")
        if not response.is_success:
            raise error_for_response(response, self.version)
        return self.body(response, mutating=False)

    def close(self) -> None:
        self._http.close()
