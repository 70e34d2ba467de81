"""The ``linkedin`` channel: posting as an Organization Page through LinkedIn's REST Posts API.

Credentials (``credentials=env:PREFIX``): ``PREFIX_ACCESS_TOKEN`` and
``PREFIX_ORGANIZATION`` (the numeric id or ``urn:li:organization:ID``);
optionally ``PREFIX_CLIENT_ID`` and ``PREFIX_CLIENT_SECRET`` (to learn the
token's expiry by introspection) and ``PREFIX_REFRESH_TOKEN`` (to renew it,
see :mod:`channels.linkedin_auth`).

A post's remote id is its URN (the ``x-restli-id`` header). A reply, in a
thread or a ticket update, is a comment on the thread's first post; its remote
id is the comment's URN, and a reply to a reply comments on the same post.
Commentary is LinkedIn's "little text": reserved characters are escaped so a
``(`` or ``@`` is text, and ``#word`` stays a hashtag.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import urlsplit

from pydantic import Field, field_validator

from channels.base import (
    ChannelSettings,
    CredentialReport,
    Figures,
    Limits,
    Media,
    Receipt,
    Rendered,
    checked_http_url,
)
from channels.credentials import resolve, resolve_optional
from channels.errors import OutcomeUnknown, PermanentError
from channels.linkedin_api import (
    LinkedInAPI,
    comment_parts,
    encoded,
    escape_little_text,
    little_text_length,
    organization_urn,
    post_of,
    unescape_little_text,
    version_date,
)
from channels.linkedin_auth import TokenKeeper
from channels.matching import same_text
from channels.transport import read_media

#: The LinkedIn-Version pinned by default (LinkedIn keeps a version about a year).
DEFAULT_VERSION = "202611"
MAX_LENGTH = 3000
#: LinkedIn's limit on a comment's text (replies are comments).
MAX_COMMENT_LENGTH = 1250
#: Reconciliation starts this long before the attempt, for the clocks' disagreement.
CLOCK_SKEW = timedelta(seconds=60)
OPTIONAL_NAMES = ("CLIENT_ID", "CLIENT_SECRET", "REFRESH_TOKEN")


class LinkedInSettings(ChannelSettings):
    api_base_url: str = "https://api.linkedin.com"
    credentials: str = "env:OYEZ_LINKEDIN"
    #: The ``LinkedIn-Version`` header, ``YYYYMM``.
    version: str = DEFAULT_VERSION
    #: Where public links to posts point.
    web_url: str = "https://www.linkedin.com"
    #: Where the OAuth calls go (token introspection and refresh): LinkedIn serves
    #: them from www.linkedin.com, not from the API host.
    oauth_base_url: str = "https://www.linkedin.com"
    #: Posts one reconciliation page reads (LinkedIn takes up to 100).
    lookback: int = Field(default=50, ge=1, le=100)
    #: The most pages reconciliation reads back to the attempt's time before it gives up.
    reconcile_pages: int = Field(default=10, ge=1, le=100)

    @field_validator("oauth_base_url")
    @classmethod
    def _oauth_url(cls, value: str) -> str:
        return checked_http_url(value)

    @field_validator("version")
    @classmethod
    def _version(cls, value: str) -> str:
        version_date(value)
        return value


def _utc(when: datetime) -> datetime:
    """``when`` in UTC; a naive time is taken to be UTC already (as the engine's are)."""
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _utc_ms(value: object) -> datetime | None:
    return datetime.fromtimestamp(value / 1000, UTC) if isinstance(value, int | float) else None


class LinkedInChannel:
    kind: ClassVar[str] = "linkedin"
    settings_model: ClassVar[type[ChannelSettings]] = LinkedInSettings
    metrics_batch: ClassVar[int] = 20

    def __init__(self, settings: LinkedInSettings, environ: Mapping[str, str]) -> None:
        secrets = resolve(
            settings.credentials,
            ("ACCESS_TOKEN", "ORGANIZATION"),
            environ,
            public=("ORGANIZATION",),
        )
        self.settings = settings
        self.organization = organization_urn(secrets["ORGANIZATION"].reveal())
        self._api = LinkedInAPI(
            settings.api_base_url,
            secrets["ACCESS_TOKEN"].reveal(),
            settings.version,
            settings.timeout,
        )
        optional = resolve_optional(settings.credentials, OPTIONAL_NAMES, environ)
        self._keeper = TokenKeeper(
            self._api,
            settings.credentials,
            secrets["ACCESS_TOKEN"],
            optional,
            oauth_base_url=settings.oauth_base_url,
        )

    def __repr__(self) -> str:
        return f"LinkedInChannel(api_base_url={self.settings.api_base_url!r})"

    @property
    def limits(self) -> Limits:
        return Limits(
            max_length=MAX_LENGTH,
            count=little_text_length,
            max_media=20,
            media_types=("image/jpeg", "image/png", "image/gif"),
        )

    @property
    def lookback(self) -> None:
        # find_existing pages back to the attempt's time, however many posts that takes.
        return None

    def _url(self, urn: str) -> str:
        return f"{self.settings.web_url.rstrip('/')}/feed/update/{post_of(urn)}/"

    # -- publishing ------------------------------------------------------------

    def publish(self, rendered: Rendered) -> Receipt:
        if not self.limits.fits(rendered.text):
            raise PermanentError(
                f"post is longer than LinkedIn allows "
                f"({little_text_length(rendered.text)} > {MAX_LENGTH}, escapes counted)"
            )
        if rendered.reply_to is not None:
            return self._comment(rendered)
        body: dict[str, Any] = {
            "author": self.organization,
            "commentary": escape_little_text(rendered.text),
            "visibility": "PUBLIC",
            "distribution": {
                "feedDistribution": "MAIN_FEED",
                "targetEntities": [],
                "thirdPartyDistributionChannels": [],
            },
            "lifecycleState": "PUBLISHED",
            "isReshareDisabledByAuthor": False,
        }
        content = self._content(rendered)
        if content:
            body["content"] = content
        if rendered.quote_of:
            body["reshareContext"] = {"parent": post_of(rendered.quote_of)}
        response = self._api.call("POST", "/rest/posts", json=body, mutating=True)
        urn = response.headers.get("x-restli-id", "")
        if not urn:
            raise OutcomeUnknown("LinkedIn answered a post without its id (x-restli-id)")
        return Receipt(remote_id=urn, remote_url=self._url(urn))

    def _content(self, rendered: Rendered) -> dict[str, Any] | None:
        if rendered.media:
            images = [{"id": self._upload(m), "altText": m.alt} for m in rendered.media]
            if len(images) == 1:
                return {"media": images[0]}
            return {"multiImage": {"images": images}}
        if rendered.link:
            parts = urlsplit(rendered.link)
            title = (parts.hostname or rendered.link) + (parts.path.rstrip("/") or "")
            return {"article": {"source": rendered.link, "title": title[:400]}}
        return None

    def _upload(self, item: Media) -> str:
        content, mime = read_media(item)
        response = self._api.call(
            "POST",
            "/rest/images",
            params={"action": "initializeUpload"},
            json={"initializeUploadRequest": {"owner": self.organization}},
            mutating=False,
        )
        value = self._api.body(response, mutating=False).get("value") or {}
        upload_url, image = value.get("uploadUrl"), value.get("image")
        if not upload_url or not image:
            raise PermanentError("LinkedIn gave no upload URL for the image")
        self._api.upload(str(upload_url), content, mime)
        return str(image)

    def _comment(self, rendered: Rendered) -> Receipt:
        if len(rendered.text) > MAX_COMMENT_LENGTH:
            raise PermanentError(
                f"a LinkedIn reply is a comment, and comments take {MAX_COMMENT_LENGTH:,} "
                f"characters ({len(rendered.text):,} given)"
            )
        post = post_of(str(rendered.reply_to))
        body = {"actor": self.organization, "object": post, "message": {"text": rendered.text}}
        path = f"/rest/socialActions/{encoded(post)}/comments"
        response = self._api.call("POST", path, json=body, mutating=True)
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        header = response.headers.get("x-restli-id", "")
        urn = self._comment_urn(post, header, answer if isinstance(answer, dict) else {})
        return Receipt(remote_id=urn, remote_url=self._url(post))

    @staticmethod
    def _comment_urn(post: str, header: str, body: Mapping[str, Any]) -> str:
        """A comment's URN from the ``x-restli-id`` header or the comment itself."""
        for candidate in (header, body.get("commentUrn"), body.get("$URN")):
            if str(candidate or "").startswith("urn:li:comment:"):
                return str(candidate)
        number = header or str(body.get("id") or "")
        if not number:
            raise OutcomeUnknown("LinkedIn answered a comment without its id")
        return f"urn:li:comment:({post},{number})"

    # -- reconciliation --------------------------------------------------------

    def find_existing(self, rendered: Rendered, since: datetime | None = None) -> Receipt | None:
        """Page back through the organization's posts, newest first, to ``since`` less a minute.

        Without ``since``, only the newest page (``lookback`` posts) is read.
        A reply is looked for among the comments of the post it answers.
        """
        if rendered.reply_to is not None:
            return self._find_comment(rendered)
        start = None if since is None else _utc(since) - CLOCK_SKEW
        pages = 1 if start is None else self.settings.reconcile_pages
        count = self.settings.lookback
        for page in range(pages):
            params = {
                "q": "author",
                "author": self.organization,
                "count": str(count),
                "start": str(page * count),
                "sortBy": "CREATED",
            }
            response = self._api.call("GET", "/rest/posts", params=params, mutating=False)
            elements = self._api.body(response, mutating=False).get("elements") or []
            oldest: datetime | None = None
            for post in elements:
                text = unescape_little_text(str(post.get("commentary") or ""))
                if same_text(text, rendered.text):
                    urn = str(post["id"])
                    return Receipt(remote_id=urn, remote_url=self._url(urn))
                oldest = _utc_ms(post.get("createdAt")) or oldest
            if len(elements) < count or start is None or (oldest is not None and oldest < start):
                return None
        assert start is not None
        raise OutcomeUnknown(
            f"LinkedIn: could not look back to {start:%Y-%m-%d %H:%M:%S} UTC: more than "
            f"{pages * count} posts since; look at the page"
        )

    def _find_comment(self, rendered: Rendered) -> Receipt | None:
        post = post_of(str(rendered.reply_to))
        path = f"/rest/socialActions/{encoded(post)}/comments"
        response = self._api.call("GET", path, params={"count": "100"}, mutating=False)
        for comment in self._api.body(response, mutating=False).get("elements") or []:
            text = str((comment.get("message") or {}).get("text") or "")
            if comment.get("actor") == self.organization and same_text(text, rendered.text):
                urn = self._comment_urn(post, "", comment)
                return Receipt(remote_id=urn, remote_url=self._url(post))
        return None

    # -- the rest of the protocol -------------------------------------------

    def delete(self, receipt: Receipt) -> None:
        parts = comment_parts(receipt.remote_id)
        if parts is None:
            path = f"/rest/posts/{encoded(receipt.remote_id)}"
            self._api.call("DELETE", path, mutating=False, ok_missing=True)
            return
        post, comment_id = parts
        path = f"/rest/socialActions/{encoded(post)}/comments/{comment_id}"
        params = {"actor": self.organization}
        self._api.call("DELETE", path, params=params, mutating=False, ok_missing=True)

    def metrics(self, remote_ids: Sequence[str]) -> dict[str, Figures]:
        """Likes and comments of each post (LinkedIn's social actions); gone posts left out."""
        found: dict[str, Figures] = {}
        for urn in dict.fromkeys(remote_ids):
            path = f"/rest/socialActions/{encoded(urn)}"
            response = self._api.call("GET", path, mutating=False, ok_missing=True)
            if response.status_code == 404:
                continue
            body = self._api.body(response, mutating=False)
            likes = (body.get("likesSummary") or {}).get("totalLikes")
            comments = (body.get("commentsSummary") or {}).get("aggregatedTotalComments")
            found[urn] = Figures(
                likes=likes if isinstance(likes, int) else None,
                replies=comments if isinstance(comments, int) else None,
            )
        return found

    def check_credentials(self) -> str:
        number = self.organization.removeprefix("urn:li:organization:")
        response = self._api.call("GET", f"/rest/organizations/{number}", mutating=False)
        body = self._api.body(response, mutating=False)
        return str(body.get("localizedName") or body.get("vanityName") or self.organization)

    def inspect_credentials(self) -> CredentialReport:
        """The page it posts as, the token's expiry (renewed first if due) and the version."""
        account = self.check_credentials()
        expires_at, warnings = self._keeper.expiry_renewing()
        return CredentialReport(
            account=account,
            expires_at=expires_at,
            api_version=self.settings.version,
            api_version_date=version_date(self.settings.version),
            warnings=warnings,
        )

    def close(self) -> None:
        self._api.close()
