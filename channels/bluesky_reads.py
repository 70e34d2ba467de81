"""What the Bluesky channel reads: its own records back to an attempt's time
(reconciliation), the figures of its posts, and what others post to or about it.

Every post oyez makes carries a field of its own, ``oyezDelivery``: a hash of
the delivery key, the part's number in its thread and the thread's length
(``HASH#2/3``). Records may
hold fields the lexicon does not name; Bluesky keeps and ignores them. It
makes reconciliation exact (the same words posted twice are two deliveries)
and lets a long post split into a thread resume at the first part not yet made.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from atproto import models  # type: ignore[import-untyped]

from channels.base import Figures, Inbound, InboundPage, Receipt, Rendered
from channels.bluesky_listen import (
    PAGE_SIZE,
    REASONS,
    field_of,
    inbound,
    parent_of,
    read_stream,
    utc,
)
from channels.errors import OutcomeUnknown
from channels.matching import same_text

if TYPE_CHECKING:
    from channels.bluesky import BlueskySettings

T = TypeVar("T")
#: Reconciliation starts this long before the attempt, for the clocks' disagreement.
CLOCK_SKEW = timedelta(seconds=60)
#: The record field that ties a post to its delivery (see the module's docstring).
MARK_FIELD = "oyezDelivery"
POSTS = "app.bsky.feed.post"
_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"


def delivery_mark(delivery_key: str, part: int, total: int) -> str:
    """The ``oyezDelivery`` value of part ``part`` (from 1) of ``total``."""
    return hashlib.sha256(delivery_key.encode()).hexdigest()[:32] + f"#{part}/{total}"


def split_mark(mark: str) -> tuple[str, int, int] | None:
    """``(hash, part, total)`` of a mark, or None if it is not one."""
    digest, _, numbers = mark.partition("#")
    part, _, total = numbers.partition("/")
    if not (digest and part.isdigit() and total.isdigit()):
        return None
    return digest, int(part), int(total)


def mark_of(value: Any) -> str | None:
    if isinstance(value, dict):
        found = value.get(MARK_FIELD)
    else:
        found = (getattr(value, "model_extra", None) or {}).get(MARK_FIELD)
    return found if isinstance(found, str) else None


def tid_time(rkey: str) -> datetime | None:
    """When a record key (a TID) was made; None if it is not a TID."""
    if len(rkey) != 13 or any(c not in _TID_ALPHABET for c in rkey):
        return None
    number = 0
    for char in rkey:
        number = number * 32 + _TID_ALPHABET.index(char)
    return datetime.fromtimestamp((number >> 10) / 1_000_000, UTC)


class BlueskyReads:
    """Mixed into :class:`channels.bluesky.BlueskyChannel`."""

    listen_kinds: ClassVar[frozenset[str]] = frozenset({"mentions", "query"})
    #: app.bsky.feed.getPosts takes up to 25 uris.
    metrics_batch: ClassVar[int] = 25

    if TYPE_CHECKING:
        settings: BlueskySettings
        _client: Any

        def _login(self) -> str: ...

        def _call(self, call: Callable[[], T], *, mutating: bool) -> T: ...

        def _url(self, uri: str) -> str: ...

        def _record(self, uri: str) -> Any | None: ...

        def parts_of(self, rendered: Rendered) -> list[str]: ...

    # -- the account's own records, newest first, from the PDS (no AppView lag) ----

    def _record_pages(self, size: int, pages: int) -> Iterator[list[Any]]:
        did = self._login()
        cursor: str | None = None
        for _ in range(pages):
            params = models.ComAtprotoRepoListRecords.Params(
                repo=did, collection=POSTS, limit=size, cursor=cursor
            )

            def page(params: Any = params) -> Any:
                return self._client.com.atproto.repo.list_records(params)

            found = self._call(page, mutating=False)
            records = list(found.records)
            yield records
            if len(records) < size or not found.cursor:
                return
            cursor = found.cursor

    def posted_parts(self, mark: str, pages: int = 1) -> dict[int, Any]:
        """The records of the thread ``mark`` belongs to already on the PDS, by part number
        (the newest ``pages`` pages of the repo)."""
        wanted = split_mark(mark)
        found: dict[int, Any] = {}
        for records in self._record_pages(PAGE_SIZE, pages):
            for record in records:
                got = split_mark(mark_of(record.value) or "")
                if wanted is not None and got is not None and got[::2] == wanted[::2]:
                    found.setdefault(got[1], record)
        return found

    @property
    def lookback(self) -> None:
        # find_existing pages back to the attempt's time, however many posts that takes.
        return None

    def find_existing(self, rendered: Rendered, since: datetime | None = None) -> Receipt | None:
        """Page back through the account's records on the PDS to ``since`` (less a minute).

        Without ``since``, only the newest ``lookback`` records are read. A post
        split into a thread is found when all its parts are: with some missing,
        ``None`` (publishing again makes only the missing ones).
        """
        start = None if since is None else utc(since) - CLOCK_SKEW
        size = min(self.settings.lookback, PAGE_SIZE) if start is None else PAGE_SIZE
        total = len(self.parts_of(rendered))
        key = rendered.delivery_key
        marks = {delivery_mark(key, n, total): n for n in range(1, total + 1)}
        parts: dict[int, Any] = {}
        read = 0
        pages = 1 if start is None else self.settings.reconcile_pages
        for records in self._record_pages(size, pages):
            for record in records:
                value = record.value
                number = marks.get(mark_of(value) or "")
                if number is None and total == 1 and mark_of(value) is None:
                    # Made before posts carried their mark: the same words, in the same thread.
                    text, parent = str(field_of(value, "text") or ""), parent_of(value)
                    if same_text(text, rendered.text) and parent == rendered.reply_to:
                        number = 1
                if number is not None:
                    parts.setdefault(number, record)
            if len(parts) == total:
                uri = str(parts[1].uri)
                return Receipt(remote_id=uri, remote_url=self._url(uri))
            read += len(records)
            if start is None or len(records) < size:
                return None
            made = [tid_time(str(r.uri).rsplit("/", 1)[-1]) for r in records]
            if any(when is not None and when < start for when in made):
                return None
        raise OutcomeUnknown(
            f"Bluesky: could not look back to {start:%Y-%m-%d %H:%M:%S} UTC: "
            f"more than {read} posts since; look at the account"
        )

    # -- figures ---------------------------------------------------------------------

    def metrics(self, remote_ids: Sequence[str]) -> dict[str, Figures]:
        """Public figures from the AppView, 25 posts a call; a deleted post is left out.

        A post the AppView does not show is looked up on the PDS (it lags): one
        still there and not indexed yet gets figures of ``None``.
        """
        uris = list(dict.fromkeys(remote_ids))
        found: dict[str, Figures] = {}
        for first in range(0, len(uris), self.metrics_batch):
            batch = uris[first : first + self.metrics_batch]

            def get(batch: list[str] = batch) -> Any:
                return self._client.get_posts(batch).posts

            for post in self._call(get, mutating=False):
                found[str(post.uri)] = Figures(
                    likes=post.like_count,
                    reposts=post.repost_count,
                    replies=post.reply_count,
                    quotes=post.quote_count,
                )
        for uri in uris:
            if uri not in found and self._record(uri) is not None:
                found[uri] = Figures()
        return found

    # -- listening -------------------------------------------------------------------

    def mentions(self, cursor: str | None, since: datetime) -> InboundPage:
        """Mentions of, replies to and quotes of the account (its notifications)."""
        me = self._login()

        def fetch(api_cursor: str | None) -> tuple[list[Any], str | None]:
            params = models.AppBskyNotificationListNotifications.Params(
                limit=PAGE_SIZE, cursor=api_cursor, reasons=list(REASONS)
            )
            found = self._call(
                lambda: self._client.app.bsky.notification.list_notifications(params),
                mutating=False,
            )
            return list(found.notifications), found.cursor

        def to_item(entry: Any) -> Inbound | None:
            if entry.reason not in REASONS:
                return None
            return inbound(entry, me=me, kind=entry.reason, web_url=self.settings.web_url)

        return read_stream(
            fetch, self.settings.listen_pages, cursor=cursor, since=since, to_item=to_item
        )

    def search(self, query: str, cursor: str | None, since: datetime) -> InboundPage:
        """Public posts matching ``query`` (words, ``#tags``), newest first (searchPosts)."""
        me = self._login()

        def fetch(api_cursor: str | None) -> tuple[list[Any], str | None]:
            params = models.AppBskyFeedSearchPosts.Params(
                q=query, sort="latest", limit=PAGE_SIZE, cursor=api_cursor
            )
            found = self._call(
                lambda: self._client.app.bsky.feed.search_posts(params), mutating=False
            )
            return list(found.posts), found.cursor

        def to_item(entry: Any) -> Inbound | None:
            return inbound(entry, me=me, kind="search", web_url=self.settings.web_url)

        return read_stream(
            fetch, self.settings.listen_pages, cursor=cursor, since=since, to_item=to_item
        )
