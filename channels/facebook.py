"""The ``facebook`` channel: posts to a Facebook Page through facebook-sdk's ``GraphAPI``.

Credentials (``credentials=env:PREFIX``): ``PREFIX_PAGE_ID``, ``PREFIX_PAGE_TOKEN``
(a Page access token with ``pages_manage_posts``).

facebook-sdk 3.1.0 refuses versions newer than 3.1, so the client is built with
3.1 and then pointed at ``graph_version``. Its transport quirks are handled by
:class:`~channels.facebook_graph.GraphSession`.

A reply (``reply_to`` = the parent post's id) becomes a comment on that post.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from typing import Any, ClassVar

import facebook
from pydantic import Field

from channels.base import ChannelSettings, Limits, Receipt, Rendered
from channels.credentials import resolve
from channels.errors import ConfigError, PermanentError, Retryable, os_reason
from channels.facebook_graph import GraphSession, MissingObject
from channels.length import char_length
from channels.matching import same_text
from channels.transport import shorten


class FacebookSettings(ChannelSettings):
    api_base_url: str = "https://graph.facebook.com"
    credentials: str = "env:OYEZ_FACEBOOK"
    #: The Graph API version every call uses.
    graph_version: str = Field(default="v23.0", pattern=r"^v\d+\.\d+$")
    #: Where public links to posts point.
    web_url: str = "https://www.facebook.com"
    #: How many of the Page's latest posts (or a post's comments) reconciliation reads.
    lookback: int = Field(default=25, ge=1)


class FacebookChannel:
    kind: ClassVar[str] = "facebook"
    settings_model: ClassVar[type[ChannelSettings]] = FacebookSettings

    def __init__(self, settings: FacebookSettings, environ: Mapping[str, str]) -> None:
        secrets = resolve(settings.credentials, ("PAGE_ID", "PAGE_TOKEN"), environ)
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

    def __repr__(self) -> str:
        return f"FacebookChannel(api_base_url={self.settings.api_base_url!r})"

    @property
    def limits(self) -> Limits:
        return Limits(max_length=63206, count=char_length, max_media=10, threads=True)

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
    def lookback(self) -> int:
        return min(self.settings.lookback, 100)

    def find_existing(self, rendered: Rendered) -> Receipt | None:
        parent, edge = (
            (rendered.reply_to, "comments")
            if rendered.reply_to
            else (self.page_id, "published_posts")
        )
        with self._errors():
            page = self._graph.get_connections(
                parent, edge, fields="id,message,created_time", limit=self.lookback
            )
            for item in page.get("data") or []:
                if same_text(str(item.get("message") or ""), rendered.text):
                    return self._receipt(str(item["id"]))
        return None

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

    def close(self) -> None:
        self._session.close()
