"""The ``facebook`` channel: posts to a Facebook Page through facebook-sdk's ``GraphAPI``.

Credentials (``credentials=env:PREFIX``): ``PREFIX_PAGE_ID``, ``PREFIX_PAGE_TOKEN``
(a Page access token with ``pages_manage_posts``).

facebook-sdk 3.1.0 refuses versions newer than 3.1, so the client is built with
3.1 and then pointed at ``graph_version``. Its transport quirks are handled by
:class:`~channels.facebook_graph.GraphSession`.

A reply (``reply_to`` = the parent post's id) becomes a comment on that post.

Reading back: reconciliation pages back by time (:mod:`channels.facebook_reads`),
listening reads comments on the Page's recent posts (:mod:`channels.facebook_listen`),
figures come from ``fields=`` on ``ids=`` batches, and ``debug_token`` tells when
the token expires.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from typing import Any, ClassVar

import facebook
from pydantic import Field

from channels.base import (
    ChannelSettings,
    CredentialReport,
    Figures,
    InboundPage,
    Limits,
    Receipt,
    Rendered,
)
from channels.credentials import resolve
from channels.errors import AuthError, ConfigError, PermanentError, Retryable, os_reason
from channels.facebook_graph import GraphSession, MissingObject
from channels.facebook_listen import CommentReader
from channels.facebook_reads import MAX_IDS, METRIC_FIELDS, figures_of, find_by_time
from channels.facebook_versions import GRAPH_VERSIONS, NEWEST, version_warnings
from channels.length import char_length
from channels.transport import hide_in_logs, shorten

#: urllib3 logs each URL at DEBUG, and debug_token must carry the token in its query.
_URL_LOGGERS = ("urllib3.connectionpool",)
#: What a Page token needs: posting, and reading back posts, comments and figures.
NEEDED_SCOPES = ("pages_manage_posts", "pages_read_engagement")


class FacebookSettings(ChannelSettings):
    api_base_url: str = "https://graph.facebook.com"
    credentials: str = "env:OYEZ_FACEBOOK"
    #: The Graph API version every call uses.
    graph_version: str = Field(default=NEWEST, pattern=r"^v\d+\.\d+$")
    #: Where public links to posts point.
    web_url: str = "https://www.facebook.com"
    #: How many posts (or a post's comments) one reconciliation call reads (Graph: 100 at most).
    lookback: int = Field(default=100, ge=1)
    #: The most calls reconciliation makes paging back to the attempt's time before it gives up.
    reconcile_pages: int = Field(default=10, ge=1, le=100)
    #: How many of the Page's newest posts a listening round reads the comments of.
    listen_posts: int = Field(default=25, ge=1, le=100)
    #: The most calls one listening round makes.
    listen_pages: int = Field(default=30, ge=2, le=200)


class FacebookChannel:
    kind: ClassVar[str] = "facebook"
    settings_model: ClassVar[type[ChannelSettings]] = FacebookSettings
    #: Comments on the Page's posts; the Page API has no search of public posts.
    listen_kinds: ClassVar[frozenset[str]] = frozenset({"mentions"})
    metrics_batch: ClassVar[int] = MAX_IDS

    def __init__(self, settings: FacebookSettings, environ: Mapping[str, str]) -> None:
        secrets = resolve(
            settings.credentials, ("PAGE_ID", "PAGE_TOKEN"), environ, public=("PAGE_ID",)
        )
        self.settings = settings
        self.page_id = secrets["PAGE_ID"].reveal()
        self._session = GraphSession(settings.api_base_url, settings.timeout)
        self._graph: Any = facebook.GraphAPI(
            access_token=secrets["PAGE_TOKEN"].reveal(),
            timeout=settings.timeout,
            version="3.1",
            session=self._session,
        )
        self._graph.version = settings.graph_version
        self._token = secrets["PAGE_TOKEN"].reveal()
        hide_in_logs(_URL_LOGGERS, [self._token])

    def __repr__(self) -> str:
        return f"FacebookChannel(api_base_url={self.settings.api_base_url!r})"

    @property
    def limits(self) -> Limits:
        return Limits(max_length=63206, count=char_length, max_media=10)

    @contextmanager
    def _errors(self) -> Iterator[None]:
        # Transport and HTTP failures are already typed by GraphSession; what is
        # left is facebook-sdk's own complaint about a 2xx body.
        try:
            yield
        except facebook.GraphAPIError as exc:
            raise PermanentError(f"Facebook: {shorten(exc.message)}") from None
        except (KeyError, TypeError, ValueError) as exc:
            raise Retryable(
                f"Facebook answered something unreadable ({type(exc).__name__})"
            ) from None

    def _receipt(self, object_id: str) -> Receipt:
        return Receipt(remote_id=object_id, remote_url=f"{self.settings.web_url}/{object_id}")

    def publish(self, rendered: Rendered) -> Receipt:
        if rendered.quote_of:
            raise PermanentError("Facebook Pages cannot quote a post")
        if not self.limits.fits(rendered.text):
            raise PermanentError(f"post is longer than {self.limits.max_length} characters")
        if len(rendered.media) > self.limits.max_media:
            raise PermanentError(f"Facebook takes at most {self.limits.max_media} images a post")
        with self._errors():
            if rendered.reply_to:
                if rendered.media:
                    raise PermanentError("a Facebook comment cannot carry images here")
                result = self._graph.put_object(
                    rendered.reply_to, "comments", message=rendered.text
                )
                return self._receipt(str(result["id"]))
            if len(rendered.media) == 1:
                result = self._photo(rendered.media[0], message=rendered.text)
                return self._receipt(str(result.get("post_id") or result["id"]))
            extra: dict[str, str] = {}
            for index, item in enumerate(rendered.media):
                photo = self._photo(item, published="false")
                extra[f"attached_media[{index}]"] = json.dumps({"media_fbid": photo["id"]})
            if rendered.link:
                extra["link"] = rendered.link
            result = self._graph.put_object(self.page_id, "feed", message=rendered.text, **extra)
            return self._receipt(str(result["id"]))

    def _photo(self, item: Any, **fields: str) -> Any:
        with ExitStack() as stack:
            try:
                image = stack.enter_context(item.path.open("rb"))
            except OSError as exc:
                raise PermanentError(
                    f"cannot read media {item.path.name}: {os_reason(exc)}"
                ) from None
            if item.alt:
                fields["alt_text_custom"] = item.alt
            return self._graph.put_photo(image=image, album_path=f"{self.page_id}/photos", **fields)

    @property
    def lookback(self) -> None:
        # find_existing pages back to the attempt's time, however many posts that takes.
        return None

    def find_existing(self, rendered: Rendered, since: datetime | None = None) -> Receipt | None:
        """Page back through the Page's posts (or the parent's comments) to ``since``.

        Without ``since``, only the newest page (``lookback`` posts) is read.
        """
        start = None if since is None else _utc(since)
        with self._errors():
            found = find_by_time(
                self._graph,
                self.page_id,
                rendered,
                start,
                page_size=self.settings.lookback,
                budget=self.settings.reconcile_pages,
            )
        return None if found is None else self._receipt(found)

    def mentions(self, cursor: str | None, since: datetime) -> InboundPage:
        """Comments (and replies to comments) by others on the Page's recent posts."""
        reader = CommentReader(
            self._graph,
            self.page_id,
            posts=self.settings.listen_posts,
            budget=self.settings.listen_pages,
            web_url=self.settings.web_url,
        )
        with self._errors():
            return reader.read(cursor, since)

    def search(self, query: str, cursor: str | None, since: datetime) -> InboundPage:
        raise PermanentError(
            "Facebook Pages cannot search public posts: the Page API has no search; "
            "listen to the Page's comments (--mentions) instead"
        )

    def metrics(self, remote_ids: Sequence[str]) -> dict[str, Figures]:
        """Reactions, comments and shares, up to 50 posts a call; a deleted post is left out."""

        def get_objects(ids: Sequence[str]) -> Mapping[str, Any]:
            body: Mapping[str, Any] = self._graph.get_objects(list(ids), fields=METRIC_FIELDS)
            return body

        with self._errors():
            return figures_of(get_objects, remote_ids)

    def delete(self, receipt: Receipt) -> None:
        with self._errors():
            try:
                self._graph.delete_object(receipt.remote_id)
            except MissingObject:
                return  # already gone: deleting is idempotent

    def check_credentials(self) -> str:
        with self._errors():
            me = self._graph.get_object("me", fields="id,name")
        if str(me.get("id")) != self.page_id:
            raise ConfigError(
                f"the token belongs to {me.get('name')!r} ({me.get('id')}), "
                f"not to Page {self.page_id}: use a Page access token"
            )
        return str(me.get("name") or self.page_id)

    def inspect_credentials(self) -> CredentialReport:
        """The Page, the token's expiry (``debug_token``) and the pinned Graph version's age."""
        account = self.check_credentials()
        with self._errors():
            body = self._graph.request(
                f"{self._graph.version}/debug_token", {"input_token": self._token}
            )
        data = _mapping(body.get("data") if isinstance(body, dict) else None)
        if not data.get("is_valid"):
            reason = shorten(_mapping(data.get("error")).get("message") or "no reason given")
            raise AuthError(f"Facebook says the Page token is not valid: {reason}")
        version = self.settings.graph_version
        warnings = list(version_warnings(version, datetime.now(UTC).date()))
        scopes = {str(s) for s in data.get("scopes") or []}
        if missing := [s for s in NEEDED_SCOPES if s not in scopes]:
            warnings.append(f"the token lacks {', '.join(missing)}: grant them to the app")
        if data.get("type") not in (None, "PAGE"):
            warnings.append(f"a {data.get('type')} token, not a Page token")
        known = GRAPH_VERSIONS.get(version)
        return CredentialReport(
            account=account,
            expires_at=_epoch(data.get("expires_at")),
            data_access_expires_at=_epoch(data.get("data_access_expires_at")),
            api_version=version,
            api_version_date=known.released if known else None,
            warnings=tuple(warnings),
        )

    def close(self) -> None:
        self._session.close()


def _utc(when: datetime) -> datetime:
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _epoch(value: object) -> datetime | None:
    """A ``debug_token`` time: Unix seconds, where 0 (or nothing) means never."""
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        return None
    return datetime.fromtimestamp(value, UTC)


def _mapping(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
