"""Errors the service layer raises. Each message is one line a person can act on.

The CLI prints them on stderr and exits non-zero; the TUI shows a notification;
the HTTP API answers with a 4xx. None of them is a UI concern here.
"""

from __future__ import annotations

# One wording for OS errors in every layer (re-exported for the service layer).
from channels.errors import os_reason as os_reason


class OyezError(Exception):
    """Base of every error oyez shows to a person."""

    exit_code = 1


class InvalidInput(OyezError):
    """The caller gave something malformed (a naive time, an empty text...)."""

    exit_code = 2


class NotFoundError(OyezError):
    """No such post, channel, feed...."""


class IllegalTransition(OyezError):
    """The post is not in a state that allows this action."""


class ApprovalBlocked(OyezError):
    """Error-level guideline findings block approval unless overridden with a reason."""


class PermissionDenied(OyezError):
    """The acting user may not do this (e.g. approve their own post)."""


class ChannelProblem(OyezError):
    """A channel is misconfigured or its credentials do not work."""


class StorageProblem(OyezError):
    """The database cannot be opened, reached or is out of date."""
