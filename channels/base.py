"""The Channel protocol and the small value types every channel shares."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
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
    threads: bool = False
    extra: Mapping[str, object] = field(default_factory=dict)
    #: Cheap counts never below ``count``, cheapest first (none: ``count`` is cheap already).
    bounds: tuple[Callable[[str], int], ...] = ()

    def surely_fits(self, text: str) -> bool:
        """True when a cheap bound settles it; False means "count it"."""
        return any(bound(text) <= self.max_length for bound in self.bounds)

    def fits(self, text: str) -> bool:
        return self.surely_fits(text) or self.count(text) <= self.max_length


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

    @field_validator("api_base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if value:
            parts = urlsplit(value)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError("must be an http:// or https:// URL, e.g. https://mastodon.social")
            if parts.username or parts.password:
                raise ValueError("must not carry a user or password: use credentials=env:PREFIX")
        return value

    @field_validator("credentials")
    @classmethod
    def _credentials_source(cls, value: str) -> str:
        if value:
            scheme, _, where = value.partition(":")
            if scheme not in ("env", "keyring") or not where.strip():
                raise ValueError("must be env:PREFIX or keyring:SERVICE")
        return value


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

    def find_existing(self, rendered: Rendered) -> Receipt | None:
        """Look for a post already published for this delivery.

        Returns the receipt if found, ``None`` if certainly not published.
        Raises :class:`~channels.errors.OutcomeUnknown` when it cannot tell.
        """
        ...

    @property
    def lookback(self) -> int | None:
        """How many of the account's newest posts :meth:`find_existing` reads.

        ``None`` when it finds a post however old (by file, by key) or never
        answers "not found". The engine does not trust "not found" when more
        posts than this went out on the channel since the delivery was due.
        """
        ...

    def delete(self, receipt: Receipt) -> None: ...

    def check_credentials(self) -> str:
        """Verify the credentials against the API; return the account's display name."""
        ...

    def close(self) -> None: ...
