"""Another account on the reference stack: posts that mention, answer and quote ours,
and a wait for the AppView to index what the PDS holds."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx

from tests.real_bluesky.stack import Account, Stack

T = TypeVar("T")
#: How long the AppView may take to index a post from the PDS's firehose.
INDEX_WAIT = 60.0


def post_as(
    stack: Stack,
    author: Account,
    text: str,
    *,
    mention: Account | None = None,
    reply_to: dict[str, str] | None = None,
    quote_of: dict[str, str] | None = None,
) -> dict[str, str]:
    """A post by ``author`` (its ``uri`` and ``cid``): ``@handle`` of ``mention`` as a facet."""
    record: dict[str, Any] = {
        "$type": "app.bsky.feed.post",
        "text": text,
        "createdAt": now(),
    }
    if mention is not None:
        tag = f"@{mention.handle}".encode()
        start = text.encode().index(tag)
        feature = {"$type": "app.bsky.richtext.facet#mention", "did": mention.did}
        index = {"byteStart": start, "byteEnd": start + len(tag)}
        record["facets"] = [{"index": index, "features": [feature]}]
    if reply_to is not None:
        record["reply"] = {"root": reply_to, "parent": reply_to}
    if quote_of is not None:
        record["embed"] = {"$type": "app.bsky.embed.record", "record": quote_of}
    return create(stack, author, "app.bsky.feed.post", record)


def now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def create(
    stack: Stack, author: Account, collection: str, record: dict[str, Any]
) -> dict[str, str]:
    """A record in ``author``'s repo (a post, like, repost...): its ``uri`` and ``cid``."""
    made = httpx.post(
        f"{stack.pds_url}/xrpc/com.atproto.repo.createRecord",
        json={"repo": author.did, "collection": collection, "record": record},
        headers={"Authorization": f"Bearer {author.access_jwt}"},
        timeout=30,
    )
    made.raise_for_status()
    return {"uri": made.json()["uri"], "cid": made.json()["cid"]}


def like(stack: Stack, author: Account, subject: dict[str, str]) -> None:
    create(stack, author, "app.bsky.feed.like", {"subject": subject, "createdAt": now()})


def repost(stack: Stack, author: Account, subject: dict[str, str]) -> None:
    create(stack, author, "app.bsky.feed.repost", {"subject": subject, "createdAt": now()})


def strong_ref(stack: Stack, uri: str) -> dict[str, str]:
    """The uri and cid of a record, read from the PDS."""
    repo, collection, rkey = uri.removeprefix("at://").split("/")
    found = httpx.get(
        f"{stack.pds_url}/xrpc/com.atproto.repo.getRecord",
        params={"repo": repo, "collection": collection, "rkey": rkey},
        timeout=30,
    )
    found.raise_for_status()
    return {"uri": uri, "cid": found.json()["cid"]}


def eventually(read: Callable[[], T], done: Callable[[T], bool]) -> T:
    """``read()`` again until ``done`` says the AppView has caught up (or the wait ends)."""
    deadline = time.monotonic() + INDEX_WAIT
    while True:
        value = read()
        if done(value) or time.monotonic() > deadline:
            return value
        time.sleep(0.25)
