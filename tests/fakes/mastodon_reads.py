"""The read side of the Mastodon double: account statuses, notifications, tag
timelines, v2 search and the multi-status lookup.

They page as Mastodon documents it: newest first; ``limit`` (default 20, at
most 40; notifications 40 and 80); ``max_id`` and ``since_id`` exclusive
bounds; ``min_id`` the page just above it (still served newest first); a
``Link`` header with ``rel="next"`` (``max_id``) and ``rel="prev"``
(``min_id``) whenever a page has items. Status ids sort by time as
Mastodon's do (milliseconds in the top bits), so Mastodon.py's datetime
bounds work. Search pages by ``offset`` and filters by ``min_id``/``max_id``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import urlencode

from tests.fakes.server import Post, Reply, Request

_T = TypeVar("_T")
_WORD = re.compile(r"(?<![\w/])([@#])(\w+)")


def mastodon_id(created_at: float, sequence: int) -> str:
    """A status id as Mastodon makes them: milliseconds since 1970 above 16 bits."""
    return str((int(created_at * 1000) << 16) | (sequence & 0xFFFF))


def iso(epoch: float) -> str:
    moment = datetime.fromtimestamp(epoch, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def as_html(text: str, base_url: str) -> str:
    """Status text as Mastodon renders it: paragraphs, line breaks, linked @ and #."""

    def link(match: re.Match[str]) -> str:
        sign, name = match.group(1), match.group(2)
        if sign == "@":
            return (
                f'<span class="h-card"><a href="{base_url}/@{name}" class="u-url mention">'
                f"@<span>{name}</span></a></span>"
            )
        return (
            f'<a href="{base_url}/tags/{name.lower()}" class="mention hashtag" rel="tag">'
            f"#<span>{name}</span></a>"
        )

    paragraphs = [p for p in text.split("\n\n") if p]
    return "".join(
        "<p>" + _WORD.sub(link, html.escape(p, quote=False)).replace("\n", "<br />") + "</p>"
        for p in paragraphs
    )


@dataclass(frozen=True)
class Notice:
    """A notification: ``type`` and the status it is about (if any)."""

    id: str
    type: str
    account_id: str
    created_at: float
    status: Post | None = None


def _int(request: Request, name: str) -> int | None:
    value = request.arg(name)
    return int(value) if value is not None and value.isdigit() else None


def page_of(
    request: Request,
    items: Sequence[_T],
    key: Callable[[_T], int],
    *,
    default: int = 20,
    cap: int = 40,
) -> tuple[list[_T], dict[str, str]]:
    """One page of ``items`` as a paginated Mastodon endpoint serves it, and its headers."""
    limit = min(_int(request, "limit") or default, cap)
    max_id, since_id, min_id = (_int(request, n) for n in ("max_id", "since_id", "min_id"))
    kept = sorted(
        (
            i
            for i in items
            if (max_id is None or key(i) < max_id)
            and (since_id is None or key(i) > since_id)
            and (min_id is None or key(i) > min_id)
        ),
        key=key,
        reverse=True,
    )
    # With min_id, Mastodon serves the items just above it, not the newest ones.
    shown = kept[-limit:] if min_id is not None else kept[:limit]
    return shown, _links(request, [key(i) for i in shown])


def _links(request: Request, ids: list[int]) -> dict[str, str]:
    if not ids:
        return {}
    host = request.headers.get("Host")
    others = [
        (k, v)
        for k, vs in request.query.items()
        if k not in ("max_id", "min_id", "since_id")
        for v in vs
    ]

    def url(**bound: int) -> str:
        return f"http://{host}{request.path}?" + urlencode([*others, *bound.items()])

    return {"Link": f'<{url(max_id=ids[-1])}>; rel="next", <{url(min_id=ids[0])}>; rel="prev"'}


class MastodonReads:
    """The read endpoints, mixed into :class:`tests.fakes.mastodon.MastodonDouble`."""

    account_id: str
    #: Whether GET /api/v1/statuses?id[]= exists (Mastodon 4.3+); off: a 404.
    multi_get: bool = True

    def all_statuses(self) -> list[Post]:
        raise NotImplementedError

    def notices(self) -> list[Notice]:
        raise NotImplementedError

    def status_json(self, post: Post) -> dict[str, Any]:
        raise NotImplementedError

    def find_status(self, status_id: str) -> Post | None:
        raise NotImplementedError

    def _statuses(self, request: Request, found: Sequence[Post], **bounds: int) -> Reply:
        page, headers = page_of(request, found, lambda p: int(p.id), **bounds)
        return Reply(200, [self.status_json(p) for p in page], headers=headers)

    def account_statuses(self, request: Request, account_id: str) -> Reply:
        own = [p for p in self.all_statuses() if p.extra.get("account_id") == account_id]
        return self._statuses(request, own)

    def tag_timeline(self, request: Request, tag: str) -> Reply:
        wanted = tag.lower()
        tagged = [
            p
            for p in self.all_statuses()
            if p.extra.get("visibility", "public") == "public"
            and wanted in {t.lower() for s, t in _WORD.findall(p.text) if s == "#"}
        ]
        return self._statuses(request, tagged)

    def notifications(self, request: Request) -> Reply:
        types = set(request.query.get("types[]") or [])
        excluded = set(request.query.get("exclude_types[]") or [])
        wanted = [
            n
            for n in self.notices()
            if (not types or n.type in types)
            and n.type not in excluded
            and (n.status is None or not n.status.deleted)
        ]
        page, headers = page_of(request, wanted, lambda n: int(n.id), default=40, cap=80)
        return Reply(200, [self._notice_json(n) for n in page], headers=headers)

    def _notice_json(self, notice: Notice) -> dict[str, Any]:
        return {
            "id": notice.id,
            "type": notice.type,
            "created_at": iso(notice.created_at),
            "account": self.account_json(notice.account_id),
            "status": self.status_json(notice.status) if notice.status else None,
        }

    def account_json(self, account_id: str) -> dict[str, Any]:
        raise NotImplementedError

    def search(self, request: Request) -> Reply:
        query = (request.arg("q") or "").strip().lower()
        kind = request.arg("type")
        if not query:
            return Reply(400, {"error": "Validation failed: q is missing"})
        if kind not in (None, "statuses"):
            return Reply(200, {"accounts": [], "statuses": [], "hashtags": []})
        words = query.split()
        min_id, max_id = _int(request, "min_id"), _int(request, "max_id")
        hits = sorted(
            (
                p
                for p in self.all_statuses()
                if p.extra.get("visibility", "public") == "public"
                and all(w in p.text.lower() for w in words)
                and (min_id is None or int(p.id) > min_id)
                and (max_id is None or int(p.id) < max_id)
            ),
            key=lambda p: int(p.id),
            reverse=True,
        )
        limit = min(_int(request, "limit") or 20, 40)
        offset = _int(request, "offset") or 0
        shown = hits[offset : offset + limit]
        return Reply(
            200,
            {"accounts": [], "statuses": [self.status_json(p) for p in shown], "hashtags": []},
        )

    def lookup(self, request: Request) -> Reply:
        if not self.multi_get:
            return Reply(404, {"error": "Record not found"})
        ids = request.query.get("id[]") or []
        if len(ids) > 40:
            return Reply(422, {"error": "Too many ids (at most 40)"})
        found = [self.find_status(i) for i in ids]
        return Reply(200, [self.status_json(p) for p in found if p is not None])
