"""The API doubles, strict about bodies cut short, as real HTTP servers are.

A daemon killed while it writes a request leaves the server a body shorter
than its ``Content-Length``. A real server (or the proxy in front of it)
drops such a request; the doubles in ``tests/fakes`` would act on the
fragment and record a post with a truncated or empty text, which a crash
test would then count as a duplicate or miss as a loss. These subclasses
refuse it without acting on it, and are otherwise the doubles unchanged.
"""

from __future__ import annotations

from typing import Any

from tests.fakes.fixtures import HANG_SECONDS
from tests.fakes.mastodon import MastodonDouble
from tests.fakes.server import FakeAPI, Reply, Request
from tests.fakes.x import XDouble


def _cut_short(request: Request) -> bool:
    declared = request.headers.get("Content-Length")
    return declared is not None and len(request.body) < int(declared)


class StrictX(XDouble):
    def dispatch(self, request: Request) -> Reply:
        if _cut_short(request):
            return Reply(400, {"title": "Bad Request", "detail": "incomplete body"})
        return super().dispatch(request)


class StrictMastodon(MastodonDouble):
    def dispatch(self, request: Request) -> Reply:
        if _cut_short(request):
            return Reply(400, {"error": "incomplete body"})
        return super().dispatch(request)


STRICT: dict[str, type[FakeAPI]] = {"x": StrictX, "mastodon": StrictMastodon}


def start_strict(kind: str, **options: Any) -> FakeAPI:
    """Start the strict double of ``kind`` (stop it with ``.stop()``)."""
    options.setdefault("hang_seconds", HANG_SECONDS)
    return STRICT[kind](**options).start()
