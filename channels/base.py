"""The Channel protocol and the small value types every channel shares."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import ClassVar, Protocol, runtime_checkable
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator


@dataclass(frozen=True)
class Media:
    """A file to attach, with its alt text (read by screen readers)."""

    path: Path
    alt: str = ""


@dataclass(frozen=True)
class Receipt:
    """What a network gave back for a published post."""

    remote_id: str
    remote_url: str | None = None


@dataclass(frozen=True)
class Rendered:
    """One delivery, ready to publish: the final text for this channel and its context.

    ``delivery_key`` is stable for a (post, channel) pair across retries and
    processes; channels that support idempotency keys derive them from it, and
    ``find_existing`` may use it together with ``text``.
    ``reply_to`` is the remote id of the post this one threads under.
    """

    delivery_key: str
    text: str
    media: tuple[Media, ...] = ()
    reply_to: str | None = None
    quote_of: str | None = None
    link: str | None = None


@dataclass(frozen=True)
class Limits:
    """What a channel accepts: how it counts length and what media it takes."""

    max_length: int
    count: Callable[[str], int]
    max_media: int = 4
    media_types: tuple[str, ...] = ("image/jpeg", "image/png", "image/gif", "image/webp")
    #: A text over the limit is posted as a numbered thread, split by the channel
    #: itself (compose previews the parts; the length guideline checks each part).
    threads: bool = False
    extra: Mapping[str, object] = field(default_factory=dict)
    #: Cheap counts never below ``count``, cheapest first (none: ``count`` is cheap already).
    bounds: tuple[Callable[[str], int], ...] = ()
    #: A second limit in UTF-8 bytes, where the network has one (Bluesky: 3,000).
    max_bytes: int | None = None
    #: The largest media file the network takes, in bytes.
    max_media_bytes: int | None = None
    #: Why the network would refuse this text whatever its length (characters
    #: it rejects), or ``None``. Never skipped by the cheap bounds.
    refuses: Callable[[str], str | None] | None = None

    def bytes_fit(self, text: str) -> bool:
        return self.max_bytes is None or len(text.encode("utf-8")) <= self.max_bytes

    def surely_fits(self, text: str) -> bool:
        """True when a cheap bound settles it; False means "count it"."""
        return self.bytes_fit(text) and any(bound(text) <= self.max_length for bound in self.bounds)

    def fits(self, text: str) -> bool:
        """Within the length (and byte) limits; says nothing of :attr:`refuses`."""
        if not self.bytes_fit(text):
            return False
        return self.surely_fits(text) or self.count(text) <= self.max_length


def checked_http_url(value: str) -> str:
    """``value`` when it is empty or an http(s) URL with a host and no user or password."""
    if value:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http:// or https:// URL, e.g. https://mastodon.social")
        if parts.username or parts.password:
            raise ValueError("must not carry a user or password: use credentials=env:PREFIX")
    return value


class ChannelSettings(BaseModel):
    """Base of every channel's typed settings. Unknown keys are refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: Where the network's API lives; a setting so tests, proxies and
    #: self-hosted instances work the same way.
    api_base_url: str = ""
    #: Where credentials come from, e.g. ``env:OYEZ_X`` (never the secrets themselves).
    credentials: str = ""
    #: Seconds before a network call is abandoned.
    timeout: float = Field(default=30.0, gt=0, le=600)
    #: Sign-offs a post for this channel needs: 2 means two different approvers.
    approvals: int = Field(default=1, ge=1, le=2)

    @field_validator("api_base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        return checked_http_url(value)

    @field_validator("credentials")
    @classmethod
    def _credentials_source(cls, value: str) -> str:
        if value:
            scheme, _, where = value.partition(":")
            if scheme not in ("env", "keyring") or not where.strip():
                raise ValueError("must be env:PREFIX or keyring:SERVICE")
        return value


@dataclass(frozen=True)
class Inbound:
    """A post by someone else that a listening stream collected.

    ``remote_id`` is unique per channel and is what ``Rendered.reply_to``
    takes to answer it. ``text`` is plain text (a network's HTML turned into
    text); callers still strip control characters and escape it for display.
    """

    remote_id: str
    #: ``mention``, ``reply``, ``quote``, ``search`` or ``comment``.
    kind: str
    author_handle: str
    author_name: str
    text: str
    created_at: datetime
    url: str | None = None
    #: The remote id of the post it answers, when it answers one.
    in_reply_to: str | None = None


@dataclass(frozen=True)
class InboundPage:
    """One round of a stream: new items (any order) and the cursor to keep.

    ``cursor`` is opaque to oyez: it is stored and handed back on the next
    round. ``None`` keeps the cursor the caller had. ``complete`` is false
    when the round stopped early (its call budget or a rate limit) and more
    items remain after ``cursor``: the caller asks again soon.
    """

    items: tuple[Inbound, ...]
    cursor: str | None = None
    complete: bool = True


@runtime_checkable
class Listens(Protocol):
    """A channel that can collect what others post to or about its account.

    ``listen_kinds`` is a subset of ``{"mentions", "query"}``. With no
    ``cursor``, a method returns items created at or after ``since`` (bounded
    pages, never the whole history); with one, the items newer than it.
    Errors are :mod:`channels.errors` types, as for publishing.
    """

    listen_kinds: ClassVar[frozenset[str]]

    def mentions(self, cursor: str | None, since: datetime) -> InboundPage:
        """Mentions of and replies to the account (on Facebook: comments on its posts)."""
        ...

    def search(self, query: str, cursor: str | None, since: datetime) -> InboundPage:
        """Public posts matching a saved search (keywords, hashtags)."""
        ...


@dataclass(frozen=True)
class Figures:
    """A post's public figures as its network counts them; ``None`` where it gives none."""

    likes: int | None = None
    reposts: int | None = None
    replies: int | None = None
    quotes: int | None = None
    impressions: int | None = None


@runtime_checkable
class Measures(Protocol):
    """A channel that can read the public figures of posts it published."""

    #: The most remote ids one call of :meth:`metrics` should be given.
    metrics_batch: ClassVar[int]

    def metrics(self, remote_ids: Sequence[str]) -> dict[str, Figures]:
        """Figures for each id still there; an id missing from the answer is gone (deleted)."""
        ...


@dataclass(frozen=True)
class CredentialReport:
    """What a channel can learn about the credentials it posts with."""

    #: The account it posts as, e.g. ``@council``.
    account: str
    #: When the token stops working, where the network says.
    expires_at: datetime | None = None
    #: When access to data ends (Facebook's ``data_access_expires_at``).
    data_access_expires_at: datetime | None = None
    #: The API version pinned in the settings (e.g. LinkedIn ``202611``, Graph ``v21.0``).
    api_version: str | None = None
    #: When that version was released, to tell its age.
    api_version_date: date | None = None
    #: Plain warnings a person should read (e.g. "this is the main password").
    warnings: tuple[str, ...] = ()


@runtime_checkable
class InspectsCredentials(Protocol):
    def inspect_credentials(self) -> CredentialReport:
        """Like ``check_credentials``, with whatever else the network tells."""
        ...


@runtime_checkable
class Channel(Protocol):
    """A network oyez can publish to.

    Implementations raise only :mod:`channels.errors` types. ``publish`` must
    raise :class:`~channels.errors.OutcomeUnknown` whenever the request may
    have reached the network but no answer came back.
    """

    kind: ClassVar[str]
    settings_model: ClassVar[type[ChannelSettings]]

    @property
    def limits(self) -> Limits: ...

    def publish(self, rendered: Rendered) -> Receipt: ...

    def find_existing(self, rendered: Rendered, since: datetime | None = None) -> Receipt | None:
        """Look for a post already published for this delivery.

        ``since`` (UTC) is when the first request that may have reached the
        network began: a channel that can page pages back through the
        account's posts until it has covered ``since`` (less a minute of clock
        skew), whatever the number of posts made meanwhile, within a bounded
        number of calls (its ``reconcile_pages`` setting). ``None``: read the
        newest page only.

        Returns the receipt if found, ``None`` if certainly not published.
        Raises :class:`~channels.errors.OutcomeUnknown` when it cannot tell,
        with the reason (e.g. more posts since than the call budget covers),
        and :class:`~channels.errors.RateLimited` when the network says wait.
        """
        ...

    @property
    def lookback(self) -> int | None:
        """How many of the account's newest posts :meth:`find_existing` can read.

        ``None`` when it finds a post however old (by file, by key, or by paging
        back to ``since``) or never answers "not found". For a channel that
        reads only its newest N, the engine does not trust "not found" when
        more than N posts went out on the channel since the attempt.
        """
        ...

    def delete(self, receipt: Receipt) -> None: ...

    def check_credentials(self) -> str:
        """Verify the credentials against the API; return the account's display name."""
        ...

    def close(self) -> None: ...
