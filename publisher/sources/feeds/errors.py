"""Errors of the feed source.

:class:`FetchError` and :class:`ParseError` are a feed's own trouble: a poll
records them on the feed (one line in ``feeds list``) and carries on; they
never reach a person as an exception. :class:`FeedUnavailable` is what
``feeds add`` raises when the URL cannot be subscribed to right now.
"""

from __future__ import annotations

from publisher.errors import OyezError


class FeedProblem(Exception):
    """Base of a feed's own failures; ``str()`` is one line for ``feeds list``."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        #: Seconds the server asked us to wait (Retry-After), if it said.
        self.retry_after = retry_after


class FetchError(FeedProblem):
    """The feed could not be fetched (network, HTTP status, size or time limit)."""


class ParseError(FeedProblem):
    """The body is not a feed oyez will read (malformed, wrong encoding, HTML...)."""


class FeedUnavailable(OyezError):
    """``feeds add``: the URL did not give a readable feed, so nothing was subscribed."""
