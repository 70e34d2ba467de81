"""The ``bluesky`` channel, through atproto's ``Client``.

Credentials (``credentials=env:PREFIX``): ``PREFIX_HANDLE``, ``PREFIX_APP_PASSWORD``
(an app password; the account's main password works but ``channels check`` warns).

What the reference stack (tests/real_bluesky) taught:

- The AppView lags the PDS. A reply's parent (its cid) is read from the PDS
  (``com.atproto.repo.getRecord``) and not found there is at most retryable;
  reconciliation lists the repo's records on the PDS (``listRecords``).
- Log-in is ``createSession`` alone: the AppView profile fetch may answer 400,
  404 or 501 for an account it does not know yet.
- Expired or revoked sessions answer HTTP 400 ``ExpiredToken``/``InvalidToken``:
  log in again once, then it is an :class:`AuthError` (the channel pauses).
- Text is limited to 300 graphemes *and* 3,000 UTF-8 bytes; images to
  2,000,000 bytes, typed by their bytes (:mod:`channels.bluesky_media`).
- Another repo's records answer 401: deleting one is refused before any call.

A receipt's ``remote_id`` is the post's at-uri. Links and hashtags become
facets (:mod:`channels.bluesky_facets`). A text too long for one post is a
numbered thread (:func:`channels.split.split_for_thread`), each part a reply
to the one before; the receipt is the first part's. Every record carries the
``oyezDelivery`` mark that reconciliation, resuming a thread cut short and
retract go by; reading (reconciliation, figures, listening) is in
:mod:`channels.bluesky_reads`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, TypeVar

import httpx
from atproto import Client, models  # type: ignore[import-untyped]
from atproto_client import exceptions as at_errors  # type: ignore[import-untyped]
from atproto_client.request import Request  # type: ignore[import-untyped]
from atproto_core.exceptions import AtProtocolError  # type: ignore[import-untyped]
from atproto_core.uri import AtUri  # type: ignore[import-untyped]
from pydantic import Field

from channels.base import (
    ChannelSettings,
    Limits,
    Media,
    Receipt,
    Rendered,
)
from channels.bluesky_facets import Facet, find_facets
from channels.bluesky_media import Image, read_image
from channels.bluesky_reads import (
    MARK_FIELD,
    BlueskyReads,
    delivery_mark,
    mark_of,
    split_mark,
)
from channels.credentials import resolve
from channels.errors import (
    AuthError,
    ChannelError,
    OutcomeUnknown,
    PermanentError,
    RateLimited,
    Retryable,
)
from channels.length import BLUESKY_BYTES, BLUESKY_GRAPHEMES, bluesky_limits, grapheme_length
from channels.split import split_for_thread
from channels.transport import from_httpx, retry_after_to_utc, shorten

T = TypeVar("T")
_EXPIRED = ("ExpiredToken", "InvalidToken")
_LOG = logging.getLogger(__name__)
#: The JWT scope of a session made with the account's main password.
_FULL_ACCESS_SCOPE = "com.atproto.access"


MAIN_LOGIN_WARNING = (
    "logged in with the account's main password; create an app password"
    " (Settings > Privacy and security > App passwords) and use that instead"
)


class BlueskySettings(ChannelSettings):
    api_base_url: str = "https://bsky.social"
    credentials: str = "env:OYEZ_BLUESKY"
    #: Where public links to posts point.
    web_url: str = "https://bsky.app"
    #: Language tag of every post.
    lang: str = "en"
    #: How many of the account's latest posts reconciliation reads when it has no time to go back to.
    lookback: int = Field(default=50, ge=1)
    #: The most pages (of 100) reconciliation reads back to the attempt's time before it gives up.
    reconcile_pages: int = Field(default=10, ge=1, le=100)
    #: The most pages (of 100) one round of a listening stream reads.
    listen_pages: int = Field(default=5, ge=1, le=100)


def _status(exc: at_errors.RequestErrorBase) -> int | None:
    return exc.response.status_code if exc.response is not None else None


def _xrpc_error(exc: at_errors.RequestErrorBase) -> str:
    content = exc.response.content if exc.response is not None else None
    return str(getattr(content, "error", "") or "")


def typed_error(exc: AtProtocolError, *, mutating: bool) -> ChannelError:
    """The :mod:`channels.errors` type for an atproto exception."""
    if isinstance(exc, at_errors.RateLimitExceededError):
        reset = exc.reset_at or retry_after_to_utc(exc.retry_after)
        return RateLimited("Bluesky: rate limited", reset_at=reset)
    if isinstance(exc, at_errors.RequestErrorBase) and exc.response is None:
        cause = exc.__cause__
        if isinstance(cause, httpx.HTTPError):
            return from_httpx("Bluesky", cause, mutating=mutating)
        return (OutcomeUnknown if mutating else Retryable)("Bluesky: network error")
    if isinstance(exc, at_errors.RequestErrorBase):
        status = _status(exc) or 0
        where = f"Bluesky answered {shorten(exc)}"
        if isinstance(exc, at_errors.UnauthorizedError) or _xrpc_error(exc) in _EXPIRED:
            return AuthError(where)
        if status >= 500 or status == 409:
            return Retryable(where)
        return PermanentError(where)
    if isinstance(exc, at_errors.LoginRequiredError):
        return AuthError("Bluesky: not logged in")
    # Anything else is an answer we could not read; after a post it may exist.
    error = OutcomeUnknown if mutating else Retryable
    return error(f"Bluesky answered something unreadable ({type(exc).__name__})")


def _facet_model(facet: Facet) -> Any:
    feature: Any = (
        models.AppBskyRichtextFacet.Link(uri=facet.value)
        if facet.kind == "link"
        else models.AppBskyRichtextFacet.Tag(tag=facet.value)
    )
    index = models.AppBskyRichtextFacet.ByteSlice(
        byte_start=facet.byte_start, byte_end=facet.byte_end
    )
    return models.AppBskyRichtextFacet.Main(features=[feature], index=index)


class BlueskyChannel(BlueskyReads):
    kind: ClassVar[str] = "bluesky"
    settings_model: ClassVar[type[ChannelSettings]] = BlueskySettings

    def __init__(self, settings: BlueskySettings, environ: Mapping[str, str]) -> None:
        secrets = resolve(
            settings.credentials, ("HANDLE", "APP_PASSWORD"), environ, public=("HANDLE",)
        )
        self.settings = settings
        self._handle = secrets["HANDLE"].reveal()
        self._password = secrets["APP_PASSWORD"]
        self._client: Any = Client(
            base_url=settings.api_base_url, request=Request(timeout=settings.timeout)
        )
        self._did: str | None = None
        self._main_password = False
        #: The session as the SDK last told it (its public change callback).
        self._session: Any = None
        self._client.on_session_change(self._session_changed)

    def __repr__(self) -> str:
        return f"BlueskyChannel(api_base_url={self.settings.api_base_url!r})"

    @property
    def limits(self) -> Limits:
        return bluesky_limits()

    def _session_changed(self, _event: Any, session: Any) -> None:
        self._session = session

    def _login(self) -> str:
        if self._did is None:
            try:
                # No profile fetch: it goes to the AppView, which may not know
                # the account yet (404) or not be served at all (501).
                self._client.login(self._handle, self._password.reveal(), fetch_bsky_profile=False)
            except AtProtocolError as exc:
                raise typed_error(exc, mutating=False) from None
            except httpx.HTTPError as exc:
                raise from_httpx("Bluesky", exc, mutating=False) from None
            session = self._session
            if session is None or not session.did:
                raise AuthError("Bluesky: log-in answered no session")
            self._did = str(session.did)
            self._handle = str(session.handle)
            payload = session.access_jwt_payload
            self._main_password = getattr(payload, "scope", None) == _FULL_ACCESS_SCOPE
            if self._main_password:
                _LOG.warning("Bluesky: %s", MAIN_LOGIN_WARNING)
        return self._did

    def _call(self, call: Callable[[], T], *, mutating: bool) -> T:
        """Run ``call`` logged in; log in again once if the session has expired."""
        self._login()
        for attempt in (1, 2):
            try:
                return call()
            except at_errors.RequestErrorBase as exc:
                if attempt == 1 and _xrpc_error(exc) in _EXPIRED:
                    self._did = None
                    self._login()
                    continue
                raise typed_error(exc, mutating=mutating) from None
            except AtProtocolError as exc:
                raise typed_error(exc, mutating=mutating) from None
            except httpx.HTTPError as exc:
                # atproto passes some transport errors through untouched.
                raise from_httpx("Bluesky", exc, mutating=mutating) from None
        raise AssertionError("unreachable")

    def _url(self, uri: str) -> str:
        rkey = AtUri.from_str(uri).rkey
        return f"{self.settings.web_url.rstrip('/')}/profile/{self._handle}/post/{rkey}"

    def _record(self, uri: str) -> Any | None:
        """The record at ``uri`` from the PDS (``uri``, ``cid``, ``value``), or None if not there."""
        at = AtUri.from_str(uri)
        params = models.ComAtprotoRepoGetRecord.Params(
            repo=at.host, collection=at.collection, rkey=at.rkey
        )
        try:
            found = self._call(
                lambda: self._client.com.atproto.repo.get_record(params), mutating=False
            )
        except PermanentError:
            return None
        return found if found and found.cid else None

    def _view(self, uri: str) -> Any:
        """The record at ``uri``; not found (yet) is retryable: a post made a moment
        ago may still be on its way."""
        found = self._record(uri)
        if found is None:
            raise Retryable(f"Bluesky post {uri} was not found")
        return found

    def _reply_ref(self, parent_uri: str) -> Any:
        parent = self._view(parent_uri)
        parent_ref = models.ComAtprotoRepoStrongRef.Main(uri=parent.uri, cid=parent.cid)
        reply = getattr(parent.value, "reply", None)
        root_ref = reply.root if reply is not None else parent_ref
        return models.AppBskyFeedPost.ReplyRef(root=root_ref, parent=parent_ref)

    def _images(self, media: tuple[Media, ...]) -> Any:
        images = []
        checked = [read_image(item) for item in media]  # every image, before any upload
        for item, image in zip(media, checked, strict=True):

            def upload(image: Image = image) -> Any:
                repo = self._client.com.atproto.repo
                return repo.upload_blob(image.content, headers={"Content-Type": image.mime}).blob

            blob = self._call(upload, mutating=False)
            ratio = None
            if image.width and image.height:
                ratio = models.AppBskyEmbedDefs.AspectRatio(width=image.width, height=image.height)
            images.append(
                models.AppBskyEmbedImages.Image(alt=item.alt, image=blob, aspect_ratio=ratio)
            )
        return models.AppBskyEmbedImages.Main(images=images)

    def parts_of(self, rendered: Rendered) -> list[str]:
        """The posts ``rendered`` becomes: itself, or a numbered thread when too long."""
        if self.limits.fits(rendered.text):
            return [rendered.text]
        parts: list[str] = split_for_thread(rendered.text, self.limits, numbered=True)
        return parts

    def publish(self, rendered: Rendered) -> Receipt:
        """Post ``rendered``; a text too long for one post becomes a thread, each part a
        reply to the one before (media and quote on the first).

        The receipt is the first part's. Parts already made for this delivery (an
        earlier attempt that stopped half-way) are not made again.
        """
        parts = self.parts_of(rendered)
        if not all(self.limits.fits(part) for part in parts):
            length = grapheme_length(rendered.text)
            size = len(rendered.text.encode("utf-8"))
            raise PermanentError(
                f"post is longer than Bluesky allows ({length} graphemes, {size} bytes;"
                f" at most {BLUESKY_GRAPHEMES} graphemes and {BLUESKY_BYTES} bytes)"
            )
        did = self._login()
        total = len(parts)
        made = (
            self.posted_parts(delivery_mark(rendered.delivery_key, 1, total)) if total > 1 else {}
        )
        reply = self._reply_ref(rendered.reply_to) if rendered.reply_to else None
        first: str | None = None
        for number, text in enumerate(parts, 1):
            ref = made.get(number)
            if ref is None:
                embed = self._embed(rendered) if number == 1 else None
                ref = self._post(
                    did, text, reply, embed, delivery_mark(rendered.delivery_key, number, total)
                )
            strong = models.ComAtprotoRepoStrongRef.Main(uri=str(ref.uri), cid=str(ref.cid))
            root = reply.root if reply is not None else strong
            reply = models.AppBskyFeedPost.ReplyRef(root=root, parent=strong)
            first = first or str(ref.uri)
        assert first is not None
        return Receipt(remote_id=first, remote_url=self._url(first))

    def _embed(self, rendered: Rendered) -> Any:
        embed: Any = self._images(rendered.media) if rendered.media else None
        if rendered.quote_of:
            quoted = self._view(rendered.quote_of)
            record = models.AppBskyEmbedRecord.Main(
                record=models.ComAtprotoRepoStrongRef.Main(uri=quoted.uri, cid=quoted.cid)
            )
            embed = (
                models.AppBskyEmbedRecordWithMedia.Main(record=record, media=embed)
                if embed is not None
                else record
            )
        return embed

    def _post(self, did: str, text: str, reply: Any, embed: Any, mark: str) -> Any:
        facets = [_facet_model(f) for f in find_facets(text)] or None
        record = models.AppBskyFeedPost.Record(
            created_at=self._client.get_current_time_iso(),
            text=text,
            reply=reply,
            embed=embed,
            langs=[self.settings.lang],
            facets=facets,
            **{MARK_FIELD: mark},
        )
        return self._call(
            lambda: self._client.app.bsky.feed.post.create(did, record), mutating=True
        )

    def delete(self, receipt: Receipt) -> None:
        repo = AtUri.from_str(receipt.remote_id).host
        if repo != self._login():
            # The PDS answers 401 for another repo: not an auth failure of ours.
            raise PermanentError(
                f"Bluesky post {receipt.remote_id} is in another account's repo; not deleted"
            )
        # A thread's later parts first (found by their mark), then the first part.
        uris = [str(r.uri) for _, r in sorted(self._later_parts(receipt.remote_id).items())]
        for uri in [*reversed(uris), receipt.remote_id]:

            def gone(uri: str = uri) -> Any:
                # Deleting a record that is already gone succeeds: nothing more to do.
                return self._client.delete_post(uri)

            self._call(gone, mutating=False)

    def _later_parts(self, uri: str) -> dict[int, Any]:
        """Parts 2.. of the thread ``uri`` starts, when it is the first of several."""
        record = self._record(uri)
        mark = mark_of(record.value) if record is not None else None
        numbers = split_mark(mark or "")
        if mark is None or numbers is None or numbers[1:] == (1, 1):
            return {}
        found = self.posted_parts(mark, pages=self.settings.reconcile_pages)
        return {n: r for n, r in found.items() if n > 1}

    def check_credentials(self) -> str:
        self._did = None
        self._login()
        if self._main_password:
            return f"@{self._handle} (warning: {MAIN_LOGIN_WARNING})"
        return "@" + self._handle

    def close(self) -> None:
        self._client.request.close()
