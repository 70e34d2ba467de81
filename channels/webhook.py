"""The ``webhook`` channel: posts to an incoming webhook (Slack, Teams, Matrix, Discord, JSON).

Credentials (``credentials=env:PREFIX``): ``PREFIX_URL``. The URL *is* the secret
(whoever has it can post), so it never appears in a message, a repr or a log
line: requests go straight to an ``httpx`` transport, below the client that
would log every URL.

Reconciliation: a webhook cannot be asked what it received, so
``find_existing`` raises :class:`OutcomeUnknown` and an uncertain delivery goes
to a person. The one exception is ``style=json`` with ``receiver_dedupes=true``:
every call carries an ``Idempotency-Key`` the receiver promises to honour, so a
retry cannot double-post and ``find_existing`` answers ``None`` ("send again").
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal
from urllib.parse import urlsplit

import httpx
from pydantic import field_validator

from channels.base import ChannelSettings, Limits, Receipt, Rendered
from channels.credentials import resolve
from channels.errors import (
    AuthError,
    ChannelError,
    ConfigError,
    OutcomeUnknown,
    PermanentError,
    RateLimited,
    Retryable,
)
from channels.length import char_length
from channels.transport import epoch_to_utc, from_httpx, retry_after_to_utc, shorten

Style = Literal["slack", "teams", "matrix", "discord", "json"]
MAX_LENGTH: dict[str, int] = {
    "slack": 40000,
    "teams": 28000,
    "matrix": 60000,
    "discord": 2000,
    "json": 40000,
}


class WebhookSettings(ChannelSettings):
    #: Refused: the whole hook URL is the credential (``PREFIX_URL``), and a
    #: setting is stored in plain text.
    api_base_url: str = ""
    credentials: str = "env:OYEZ_WEBHOOK"
    #: Which payload shape the receiver expects.
    style: Style = "json"
    #: The sender name shown where the receiver allows one.
    username: str = "oyez"
    #: ``style=json`` only: the receiver drops repeats of an ``Idempotency-Key``.
    receiver_dedupes: bool = False

    @field_validator("api_base_url")
    @classmethod
    def _no_base_url(cls, value: str) -> str:
        if value:
            raise ValueError(
                "a webhook takes no api_base_url: the hook URL is a secret, so it lives "
                "in the environment or keyring (credentials=env:PREFIX reads PREFIX_URL)"
            )
        return value


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def payload(style: str, rendered: Rendered, username: str) -> dict[str, Any]:
    """The JSON body a receiver of ``style`` expects for ``rendered``."""
    text = rendered.text
    if style == "slack":
        return {"text": _slack_escape(text), "username": username}
    if style == "discord":
        return {"content": text, "username": username, "allowed_mentions": {"parse": []}}
    if style == "matrix":
        return {"text": text, "username": username}
    if style == "teams":
        card = {
            "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
            "type": "AdaptiveCard",
            "version": "1.4",
            "body": [{"type": "TextBlock", "text": text, "wrap": True}],
        }
        attachment = {"contentType": "application/vnd.microsoft.card.adaptive", "content": card}
        return {"type": "message", "attachments": [attachment]}
    return {
        "delivery_key": rendered.delivery_key,
        "text": text,
        "reply_to": rendered.reply_to,
        "link": rendered.link,
        "sent_at": datetime.now(UTC).isoformat(),
    }


class WebhookChannel:
    kind: ClassVar[str] = "webhook"
    settings_model: ClassVar[type[ChannelSettings]] = WebhookSettings

    def __init__(self, settings: WebhookSettings, environ: Mapping[str, str]) -> None:
        secrets = resolve(settings.credentials, ("URL",), environ)
        self.settings = settings
        self._url = secrets["URL"]
        parts = urlsplit(self._url.reveal())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigError(f"the webhook URL in {settings.credentials} is not an http(s) URL")
        self._host = parts.hostname or "?"
        self._transport = httpx.HTTPTransport(retries=0)

    def __repr__(self) -> str:
        return f"WebhookChannel(style={self.settings.style!r}, host={self._host!r})"

    @property
    def limits(self) -> Limits:
        return Limits(
            max_length=MAX_LENGTH[self.settings.style],
            count=char_length,
            max_media=0,
            media_types=(),
            threads=False,
        )

    def _send(
        self,
        method: str,
        url: str,
        *,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        mutating: bool,
    ) -> httpx.Response:
        request = httpx.Request(
            method,
            url,
            json=json,
            headers={"User-Agent": "oyez", **(headers or {})},
            extensions={"timeout": httpx.Timeout(self.settings.timeout).as_dict()},
        )
        try:
            response = self._transport.handle_request(request)
            try:
                response.read()
            finally:
                response.close()
        except httpx.HTTPError as exc:
            raise from_httpx("webhook", exc, mutating=mutating) from None
        return response

    def _error(self, response: httpx.Response) -> ChannelError:
        status = response.status_code
        body = shorten(response.text, 120)  # redacts the hook URL, should the receiver echo it
        where = f"webhook at {self._host} answered {status}: {body}"
        if status == 429:
            reset = retry_after_to_utc(response.headers.get("retry-after")) or epoch_to_utc(
                response.headers.get("x-ratelimit-reset")
            )
            return RateLimited(where, reset_at=reset)
        if status in (401, 403, 404, 410):
            return AuthError(where + " (the hook URL is wrong or revoked)")
        if status >= 500:
            return Retryable(where)
        return PermanentError(where)

    def publish(self, rendered: Rendered) -> Receipt:
        if rendered.media:
            raise PermanentError("webhooks take no media")
        if not self.limits.fits(rendered.text):
            raise PermanentError(f"post is longer than {self.limits.max_length} characters")
        style = self.settings.style
        url = self._url.reveal()
        if style == "discord":
            url += ("&" if "?" in url else "?") + "wait=true"
        response = self._send(
            "POST",
            url,
            json=payload(style, rendered, self.settings.username),
            headers={"Idempotency-Key": rendered.delivery_key},
            mutating=True,
        )
        if not response.is_success:
            raise self._error(response)
        remote_id = rendered.delivery_key
        if style in ("discord", "json"):
            try:
                body = response.json()
            except ValueError:
                body = None
            if isinstance(body, dict) and body.get("id"):
                remote_id = str(body["id"])
        return Receipt(remote_id=remote_id, remote_url=None)

    @property
    def lookback(self) -> int | None:
        return None  # never answers "not found" unless the receiver dedupes

    def find_existing(self, rendered: Rendered) -> Receipt | None:
        if self.settings.style == "json" and self.settings.receiver_dedupes:
            return None
        raise OutcomeUnknown(
            f"a {self.settings.style} webhook cannot be asked what it received: check by hand"
        )

    def delete(self, receipt: Receipt) -> None:
        if self.settings.style != "discord":
            raise PermanentError(f"a {self.settings.style} webhook cannot delete what it posted")
        url = urlsplit(self._url.reveal())._replace(query="").geturl()
        response = self._send("DELETE", f"{url}/messages/{receipt.remote_id}", mutating=False)
        if response.status_code == 404 or response.is_success:
            return
        raise self._error(response)

    def check_credentials(self) -> str:
        """Proves only that the hook answers and does not refuse the URL (nothing is posted)."""
        response = self._send("GET", self._url.reveal(), mutating=False)
        if response.status_code in (401, 403, 404, 410, 429) or response.status_code >= 500:
            raise self._error(response)
        name = ""
        if self.settings.style == "discord" and response.is_success:
            try:
                name = str(response.json().get("name") or "")
            except (ValueError, AttributeError):
                name = ""
        return f"{self.settings.style} webhook {name!r} at {self._host}".replace(" '' ", " ")

    def close(self) -> None:
        self._transport.close()
