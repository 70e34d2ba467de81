"""The closed sets the queue stores: post and delivery states, error kinds, sources.

``StrEnum`` members are stored as their values, so the database holds the same
strings as before and compares equal to them.
"""

from __future__ import annotations

from enum import StrEnum


class PostState(StrEnum):
    """``draft`` → ``in_review`` → ``approved`` → ``scheduled`` → sent | partly_sent | failed."""

    DRAFT = "draft"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    SCHEDULED = "scheduled"
    SENT = "sent"
    PARTLY_SENT = "partly_sent"
    FAILED = "failed"
    EXPIRED = "expired"
    CANCELLED = "cancelled"

    @property
    def words(self) -> str:
        """The state as a person reads it: ``in review``."""
        return self.value.replace("_", " ")


class DeliveryState(StrEnum):
    """``pending`` → ``sending`` → ``sent`` | ``failed`` | ``unknown`` → …

    ``held``: waiting for the post to be signed off again (it was edited).
    ``unknown``: the call may have reached the network; it is reconciled first.
    """

    PENDING = "pending"
    HELD = "held"
    SENDING = "sending"
    UNKNOWN = "unknown"
    SENT = "sent"
    FAILED = "failed"
    NEEDS_ATTENTION = "needs_attention"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    RETRACTED = "retracted"

    @property
    def words(self) -> str:
        return self.value.replace("_", " ")


class ErrorKind(StrEnum):
    """Why a delivery waits or ended, as the engine classified the channel's error."""

    RATE_LIMITED = "rate_limited"
    RETRYABLE = "retryable"
    AUTH = "auth"
    UNKNOWN = "unknown"
    #: Refused as a duplicate on a retry: it may be there; reconciled, never failed.
    DUPLICATE = "duplicate"
    PERMANENT = "permanent"
    GAVE_UP = "gave_up"
    ERROR = "error"
    EXPIRED = "expired"


class Source(StrEnum):
    """What made a post."""

    MANUAL = "manual"
    FEED = "feed"
    TIP = "tip"
    TICKET = "ticket"
    IMPORT = "import"
    #: oyez's own alert (an inbox spike) to the webhook channel ``inbox.spike_channel``.
    ALERT = "alert"


#: Post states a post may still be edited or cancelled in.
POST_OPEN = (PostState.DRAFT, PostState.IN_REVIEW, PostState.APPROVED, PostState.SCHEDULED)
#: Delivery states in which nothing more happens without a person.
DELIVERY_FINAL = (
    DeliveryState.SENT,
    DeliveryState.FAILED,
    DeliveryState.EXPIRED,
    DeliveryState.CANCELLED,
    DeliveryState.RETRACTED,
    DeliveryState.NEEDS_ATTENTION,
)
#: Delivery states that have not started: the schedule may still change them.
NOT_STARTED = (DeliveryState.PENDING, DeliveryState.HELD)
#: Delivery states that mean "it was published" (a retracted post was published first).
PUBLISHED = (DeliveryState.SENT, DeliveryState.RETRACTED)


class InboxState(StrEnum):
    """An inbox item: ``new`` → ``assigned`` → ``replied`` | ``done`` | ``ignored``."""

    NEW = "new"
    ASSIGNED = "assigned"
    REPLIED = "replied"
    DONE = "done"
    IGNORED = "ignored"


class StreamKind(StrEnum):
    """What a listening stream collects: mentions of the account, or a saved search."""

    MENTIONS = "mentions"
    QUERY = "query"


#: Inbox states an item can still be answered, assigned or closed in.
INBOX_OPEN = (InboxState.NEW, InboxState.ASSIGNED)
