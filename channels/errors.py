"""Typed errors every channel raises instead of its library's own exceptions.

The delivery engine decides what to do from the type alone:

* :class:`RateLimited` -- wait until ``reset_at`` (per channel), then retry.
* :class:`Retryable` -- 5xx, timeouts, connection resets: back off and retry.
* :class:`AuthError` -- credentials missing, revoked or wrong: pause the channel.
* :class:`PermanentError` -- 4xx: the delivery fails for good;
  :class:`DuplicateContent` (a subclass) after a retry means "it may be there".
* :class:`OutcomeUnknown` -- the request may or may not have been acted on
  (the connection died after the body was sent): reconcile before retrying.
* :class:`ConfigError` -- the channel's settings are wrong (raised before any call).

Messages never contain credentials: build them from status codes and the
network's own error text, never from request headers or URLs with tokens. As
a second line of defence every known secret value (see :mod:`channels.redaction`)
is taken out of a message when the error is made, so a receiver that echoes
the request cannot put a token into the database.
"""

from __future__ import annotations

from datetime import datetime

from channels.redaction import redact


class ChannelError(Exception):
    """Base class of every error a channel raises; known secrets are redacted from its message."""

    def __init__(self, message: str) -> None:
        message = redact(message)
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ConfigError(ChannelError):
    """The channel's settings or credentials are malformed or missing."""


class RateLimited(ChannelError):
    """The network refused the call for now; ``reset_at`` (UTC) says when to try again."""

    def __init__(self, message: str, reset_at: datetime | None = None) -> None:
        super().__init__(message)
        self.reset_at = reset_at


class Retryable(ChannelError):
    """A transient failure (5xx, timeout, reset) known not to have published anything."""


class AuthError(ChannelError):
    """The credentials were refused; a person must fix them."""


class PermanentError(ChannelError):
    """The network refused this content for good (4xx, duplicate content)."""


class DuplicateContent(PermanentError):
    """The network refused the post as a duplicate of one already on the account.

    On a first attempt that is a plain refusal. On a retry after an attempt
    that may have reached the network it means "it may be there": the engine
    reconciles rather than failing the delivery.
    """


class OutcomeUnknown(Retryable):
    """The call may have published the post; reconcile with ``find_existing`` first.

    A subclass of :class:`Retryable` (timeouts and resets are transient), but the
    engine must never retry it blindly: it asks the channel first.
    """


def os_reason(exc: OSError) -> str:
    """An OS error's reason in a few words ("Permission denied"), never "None"."""
    return exc.strerror or str(exc) or type(exc).__name__
