"""Turn transport failures of ``requests`` and ``httpx`` into :mod:`channels.errors` types.

The one question that matters after a failed call is whether the network may
have acted on it. A failure while connecting means it cannot have; a read
timeout or a reset after the request was written means it may have. Only a
call that changes something (``mutating``) turns the latter into
:class:`OutcomeUnknown`; a failed read is just :class:`Retryable`.

Messages name the exception type, never its text: library messages carry URLs,
and some URLs (webhooks) are secrets.
"""

from __future__ import annotations

import logging
import mimetypes
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import httpx
import requests
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from channels.base import Media
from channels.errors import ChannelError, OutcomeUnknown, PermanentError, Retryable, os_reason
from channels.redaction import redact


def _connect_failed_requests(exc: BaseException) -> bool:
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason: BaseException | None = exc
    # requests wraps urllib3's MaxRetryError, whose ``reason`` is the real failure.
    while reason is not None:
        if isinstance(reason, NewConnectionError | ConnectTimeoutError | ConnectionRefusedError):
            return True
        nested = getattr(reason, "reason", None)
        if nested is None and reason.args and isinstance(reason.args[0], BaseException):
            nested = reason.args[0]
        reason = nested if isinstance(nested, BaseException) and nested is not reason else None
    return False


def from_requests(network: str, exc: BaseException, *, mutating: bool) -> ChannelError:
    """The typed error for a ``requests`` exception raised while calling ``network``."""
    if _connect_failed_requests(exc):
        return Retryable(f"{network}: could not connect ({type(exc).__name__})")
    if not mutating:
        return Retryable(f"{network}: request failed ({type(exc).__name__})")
    if isinstance(exc, requests.ReadTimeout):
        return OutcomeUnknown(f"{network}: no answer before the timeout; the post may exist")
    return OutcomeUnknown(
        f"{network}: connection lost after the request was sent ({type(exc).__name__}); "
        "the post may exist"
    )


def from_httpx(network: str, exc: BaseException, *, mutating: bool) -> ChannelError:
    """The typed error for an ``httpx`` exception raised while calling ``network``."""
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
        return Retryable(f"{network}: could not connect ({type(exc).__name__})")
    if not mutating:
        return Retryable(f"{network}: request failed ({type(exc).__name__})")
    if isinstance(exc, httpx.ReadTimeout | httpx.WriteTimeout):
        return OutcomeUnknown(f"{network}: no answer before the timeout; the post may exist")
    return OutcomeUnknown(
        f"{network}: connection lost after the request was sent ({type(exc).__name__}); "
        "the post may exist"
    )


def epoch_to_utc(value: object) -> datetime | None:
    """A UTC time from an epoch-seconds header value, or ``None`` if it is not one."""
    try:
        seconds = float(str(value))
    except (TypeError, ValueError):
        return None
    if seconds <= 0:
        return None
    return datetime.fromtimestamp(seconds, tz=UTC)


def retry_after_to_utc(value: object, now: datetime | None = None) -> datetime | None:
    """A UTC time from a ``Retry-After`` value (seconds or an HTTP date)."""
    if value is None:
        return None
    text = str(value).strip()
    base = now or datetime.now(UTC)
    try:
        return base + timedelta(seconds=max(float(text), 0.0))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def shorten(text: object, limit: int = 200) -> str:
    """A network's own error text, bounded so a huge HTML page never fills a log.

    Known secrets are redacted before the cut, so none survives as a cut-off prefix.
    """
    flat = redact(" ".join(str(text).split()))
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def read_media(media: Media) -> tuple[bytes, str]:
    """The bytes and MIME type of a media file; an unreadable file fails the delivery."""
    try:
        content = media.path.read_bytes()
    except OSError as exc:
        raise PermanentError(f"cannot read media {media.path.name}: {os_reason(exc)}") from None
    return content, mimetypes.guess_type(media.path.name)[0] or "application/octet-stream"


class _Redact(logging.Filter):
    """Replaces registered secrets in a log record's text with ``***``."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = message
        for secret in self.secrets:
            redacted = redacted.replace(secret, "***")
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


_REDACT = _Redact()


def hide_in_logs(loggers: Iterable[str], secrets: Iterable[str]) -> None:
    """Keep ``secrets`` out of what the named library loggers write.

    A logger's filters do not apply to its children, so name the loggers that
    actually emit (e.g. ``oauthlib.oauth1.rfc5849``).
    """
    _REDACT.secrets.update(s for s in secrets if len(s) >= 4)
    for name in loggers:
        logger = logging.getLogger(name)
        if _REDACT not in logger.filters:
            logger.addFilter(_REDACT)
