"""A double of an incoming-webhook receiver, answering as Slack, Teams, Matrix, Discord
or a plain JSON endpoint would.

Only the secret path (``/hooks/<token>``, or ``/api/webhooks/<id>/<token>`` for
Discord) is accepted; anything else is a 404, as with a revoked hook.
"""

from __future__ import annotations

import html
import secrets
from typing import Any, ClassVar

from tests.fakes.server import FakeAPI, Post, Reply, Request


def text_of(style: str, body: dict[str, Any]) -> str:
    """The post text inside a payload of ``style``."""
    if style == "discord":
        return str(body.get("content", ""))
    if style == "teams":
        return str(body["attachments"][0]["content"]["body"][0]["text"])
    if style == "slack":
        return html.unescape(str(body.get("text", "")))
    return str(body.get("text", ""))


class WebhookDouble(FakeAPI):
    kind: ClassVar[str] = "webhook"
    post_path: ClassVar[str] = "/hooks/"
    default_prefix: ClassVar[str] = "OYEZ_TEST_WEBHOOK"

    def __init__(self, *, style: str = "json", dedupe: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        #: Which receiver this double answers as.
        self.style = style
        #: Drop repeats of an Idempotency-Key (a receiver that honours them).
        self.dedupe = dedupe
        self.token = "whsec-" + secrets.token_hex(12)
        self._by_key: dict[str, Reply] = {}

    @property
    def hook_path(self) -> str:
        if self.style == "discord":
            return f"/api/webhooks/777/{self.token}"
        return f"/hooks/{self.token}"

    def credentials(self) -> dict[str, str]:
        return {"URL": self.url + self.hook_path}

    def channel_settings(
        self, *, prefix: str | None = None, timeout: float = 10.0
    ) -> dict[str, Any]:
        settings = super().channel_settings(prefix=prefix, timeout=timeout)
        settings.pop("api_base_url")
        return {**settings, "style": self.style, "receiver_dedupes": self.dedupe}

    def echo_reply(self, echo: str) -> Reply:
        return Reply(400, echo, content_type="text/plain")

    def fault_reply(self, kind: str, request: Request) -> Reply:
        if kind in ("429", "429_daily"):
            wait = self.rate_limit_seconds
            body = {"message": "You are being rate limited.", "retry_after": float(wait)}
            return Reply(429, body, headers={"Retry-After": str(wait)})
        if kind == "401":
            return Reply(403, "invalid_token", content_type="text/plain")
        if kind == "duplicate":
            return Reply(400, "invalid_payload", content_type="text/plain")
        return super().fault_reply(kind, request)

    def handle(self, request: Request) -> Reply:
        path = request.path
        if self.style == "discord" and path.startswith(self.hook_path + "/messages/"):
            post = self.find(path.rsplit("/", 1)[1])
            if request.method != "DELETE" or post is None:
                return Reply(404, {"message": "Unknown Message", "code": 10008})
            post.deleted = True
            return Reply(204, None, content_type=None)
        if path != self.hook_path:
            return Reply(404, "no_service", content_type="text/plain")
        if request.method == "GET":
            if self.style == "discord":
                return Reply(200, {"id": "777", "name": "oyez-hook", "type": 1})
            return Reply(405, "method not allowed", content_type="text/plain")
        if request.method != "POST":
            return Reply(405, "method not allowed", content_type="text/plain")
        return self._receive(request)

    def _receive(self, request: Request) -> Reply:
        key = request.headers.get("Idempotency-Key")
        with self.lock:
            if self.dedupe and key and key in self._by_key:
                return self._by_key[key]
            body = request.json()
            post = self.record(
                Post(
                    id=str(900_000 + self.next_id()),
                    text=text_of(self.style, body),
                    reply_to=body.get("reply_to"),
                    extra={"payload": body, "idempotency_key": key},
                )
            )
            reply = self._answer(post, request)
            if key:
                self._by_key[key] = reply
            return reply

    def _answer(self, post: Post, request: Request) -> Reply:
        if self.style == "slack":
            return Reply(200, "ok", content_type="text/plain")
        if self.style == "teams":
            return Reply(202, "1", content_type="text/plain")
        if self.style == "discord":
            if request.arg("wait") == "true":
                return Reply(200, {"id": post.id, "content": post.text, "channel_id": "1"})
            return Reply(204, None, content_type=None)
        return Reply(200, {"ok": True, "id": post.id})
