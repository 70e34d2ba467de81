"""Fetching a feed: conditional GET with httpx, bounded in size, time and redirects.

Every failure becomes a :class:`FetchError` with one line a person can act
on; nothing else escapes :func:`fetch`. A body is streamed and reading stops
at the size limit, so a 50 MB answer costs at most the limit in memory. The
time limit bounds each network wait and the whole download (checked between
chunks). Every connection, redirects included, goes only where
:mod:`publisher.sources.feeds.addresses` allows (public addresses, unless
``feeds.allow_private_addresses``). ``file://`` URLs, when
``feeds.allow_files`` allows them, read a local file, with its modification
time standing in for Last-Modified so an unchanged file costs nothing either.
"""

from __future__ import annotations

import ssl
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from urllib.parse import unquote, urlsplit

import httpx

from publisher.errors import os_reason
from publisher.sources.feeds.addresses import Access, GuardedTransport, refuse_file
from publisher.sources.feeds.errors import FetchError
from queue_db.errors import first_line


def _version() -> str:
    try:
        return version("oyez")
    except PackageNotFoundError:
        return "dev"


USER_AGENT = f"oyez/{_version()} (feed cross-poster)"
ACCEPT = (
    "application/atom+xml, application/rss+xml, application/rdf+xml;q=0.9, "
    "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1"
)
SCHEMES = ("http", "https", "file")


@dataclass(frozen=True)
class FetchLimits:
    #: Largest body read, in bytes (after decompression).
    max_bytes: int = 10 * 1024 * 1024
    #: Seconds for each network wait and for the whole download.
    timeout: float = 20.0
    max_redirects: int = 5


@dataclass(frozen=True)
class Fetched:
    """What came back: a body, or ``not_modified`` (a 304) with an empty body."""

    not_modified: bool
    body: bytes = b""
    etag: str | None = None
    last_modified: str | None = None
    content_type: str | None = None
    url: str = ""


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB"


def check_url(url: str, access: Access | None = None) -> str:
    """The URL if oyez can fetch it; else :class:`FetchError` saying why.

    Only a ``file://`` URL can be refused by ``access`` here: where a name
    leads is known when it is resolved, at the fetch.
    """
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        raise FetchError(f"not a URL: {url!r}") from None
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise FetchError(f"unsupported URL {url!r}: use http://, https:// or file://")
    if scheme != "file" and not parts.hostname:
        raise FetchError(f"URL {url!r} has no host")
    if scheme != "file":
        try:
            httpx.URL(url.strip())
        except httpx.InvalidURL as exc:
            raise FetchError(f"not a valid URL {url!r}: {exc}") from None
    if parts.username or parts.password:
        raise FetchError(
            "the URL carries a user name or password: oyez stores no credentials in the database"
        )
    if scheme == "file" and not parts.path:
        raise FetchError(f"URL {url!r} names no file")
    if scheme == "file":
        refuse_file(access or Access())
    return url.strip()


def fetch(
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    limits: FetchLimits | None = None,
    client: httpx.Client | None = None,
    access: Access | None = None,
) -> Fetched:
    """Fetch ``url``, sending ``etag``/``last_modified`` back so an unchanged feed is a 304.

    ``access`` (default: public addresses only, no files) is what the URL may
    reach; a ``client`` given brings its own, from :func:`new_client`.
    """
    limits = limits or FetchLimits()
    access = access or Access()
    check_url(url, access)
    if urlsplit(url).scheme.lower() == "file":
        return _read_file(url, last_modified, limits)
    owned = client is None
    http = client or new_client(limits, access)
    try:
        return _get(http, url, etag, last_modified, limits)
    finally:
        if owned:
            http.close()


@cache
def _tls() -> ssl.SSLContext:
    # Loading the CA bundle is most of what a new client costs; one context serves all.
    return httpx.create_ssl_context(trust_env=False)


def new_client(limits: FetchLimits, access: Access | None = None) -> httpx.Client:
    """A client whose every connection ``access`` allows (default: public addresses only)."""
    return httpx.Client(
        transport=GuardedTransport(access or Access(), _tls()),
        follow_redirects=True,
        max_redirects=limits.max_redirects,
        timeout=httpx.Timeout(limits.timeout),
        headers={"User-Agent": USER_AGENT, "Accept": ACCEPT},
        trust_env=False,
    )


def _get(
    http: httpx.Client, url: str, etag: str | None, last_modified: str | None, limits: FetchLimits
) -> Fetched:
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    deadline = time.monotonic() + limits.timeout
    try:
        with http.stream("GET", url, headers=headers) as response:
            if response.status_code == 304:
                return Fetched(
                    True,
                    etag=response.headers.get("etag") or etag,
                    last_modified=response.headers.get("last-modified") or last_modified,
                    url=str(response.url),
                )
            if response.status_code >= 400:
                reason = response.reason_phrase or "error"
                raise FetchError(
                    f"HTTP {response.status_code} {reason} from {response.url.host}",
                    retry_after=_retry_after(response.headers.get("retry-after")),
                )
            if response.status_code != 200:
                raise FetchError(f"unexpected HTTP {response.status_code} (expected 200 or 304)")
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > limits.max_bytes:
                raise FetchError(
                    f"the feed is {_mb(int(declared))}, over the {_mb(limits.max_bytes)} "
                    "limit; not downloaded"
                )
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > limits.max_bytes:
                    raise FetchError(
                        f"the feed is larger than the {_mb(limits.max_bytes)} limit; "
                        "stopped reading"
                    )
                if time.monotonic() > deadline:
                    raise FetchError(f"the download took longer than {limits.timeout:g} s; stopped")
            return Fetched(
                False,
                bytes(body),
                etag=response.headers.get("etag"),
                last_modified=response.headers.get("last-modified"),
                content_type=response.headers.get("content-type"),
                url=str(response.url),
            )
    except httpx.TimeoutException:
        raise FetchError(f"timed out after {limits.timeout:g} s") from None
    except httpx.TooManyRedirects:
        raise FetchError(f"more than {limits.max_redirects} redirects") from None
    except httpx.UnsupportedProtocol as exc:
        raise FetchError(f"redirected to an unsupported URL: {exc}") from None
    except httpx.DecodingError:
        raise FetchError("the response's compression is corrupt (Content-Encoding)") from None
    except httpx.ConnectError as exc:
        raise FetchError(f"cannot connect: {first_line(exc)}") from None
    except httpx.HTTPError as exc:
        raise FetchError(f"{type(exc).__name__}: {first_line(exc)}") from None
    except (OSError, ValueError) as exc:
        raise FetchError(f"cannot fetch: {first_line(exc)}") from None


def _read_file(url: str, last_modified: str | None, limits: FetchLimits) -> Fetched:
    path = Path(unquote(urlsplit(url).path))
    try:
        info = path.stat()
        stamp = format_datetime(datetime.fromtimestamp(info.st_mtime, UTC), usegmt=True)
        # One second resolution, like HTTP dates; a file changed twice in the
        # same second with the same size is the one case this misses.
        version = f"{stamp}; {info.st_size}"
        if last_modified == version:
            return Fetched(True, last_modified=version, url=url)
        if info.st_size > limits.max_bytes:
            raise FetchError(
                f"the feed is {_mb(info.st_size)}, over the {_mb(limits.max_bytes)} limit; not read"
            )
        with path.open("rb") as handle:
            body = handle.read(limits.max_bytes + 1)
    except FileNotFoundError:
        raise FetchError(f"no such file: {path}") from None
    except IsADirectoryError:
        raise FetchError(f"{path} is a folder, not a feed file") from None
    except OSError as exc:
        raise FetchError(f"cannot read {path}: {os_reason(exc)}") from None
    if len(body) > limits.max_bytes:
        raise FetchError(f"the feed is larger than the {_mb(limits.max_bytes)} limit; not read")
    return Fetched(False, body, last_modified=version, url=url)


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
