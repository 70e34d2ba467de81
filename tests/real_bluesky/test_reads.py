"""Reconciliation and long posts against the reference stack: the repo's records
paged back by cursor, threads of numbered parts, retract of every part."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from channels.base import Channel, Rendered
from tests.real_bluesky.conftest import real_channel, records
from tests.real_bluesky.others import create, now
from tests.real_bluesky.stack import Account, Stack

pytestmark = pytest.mark.real_bluesky

LONG = " ".join(f"Sentence number {n} of the notice." for n in range(22))


def test_a_post_behind_more_than_a_page_of_newer_ones_is_found(
    real_stack: Stack, account: Account
) -> None:
    since = datetime.now(UTC)
    channel = real_channel(real_stack, account)
    rendered = Rendered("k-1", "Council meeting moved to Thursday.")
    try:
        receipt = channel.publish(rendered)
        for n in range(120):  # another app of the same account
            create(
                real_stack,
                account,
                "app.bsky.feed.post",
                {"$type": "app.bsky.feed.post", "text": f"Elsewhere {n}", "createdAt": now()},
            )

        assert channel.find_existing(rendered, since) == receipt
        assert channel.find_existing(Rendered("k-2", rendered.text), since) is None
        # As the double pages: the PDS gives a cursor whenever the page has records.
        short = httpx.get(
            f"{real_stack.pds_url}/xrpc/com.atproto.repo.listRecords",
            params={"repo": account.did, "collection": "app.bsky.feed.post", "limit": 100},
            timeout=30,
        ).json()
        rest = httpx.get(
            f"{real_stack.pds_url}/xrpc/com.atproto.repo.listRecords",
            params={
                "repo": account.did,
                "collection": "app.bsky.feed.post",
                "limit": 100,
                "cursor": short["cursor"],
            },
            timeout=30,
        ).json()
        assert (len(rest["records"]), bool(rest.get("cursor"))) == (21, True)
    finally:
        channel.close()


def test_a_long_post_is_a_thread_found_whole_and_retracted_whole(
    real_stack: Stack, account: Account, channel: Channel
) -> None:
    since = datetime.now(UTC)
    rendered = Rendered("k", LONG)

    receipt = channel.publish(rendered)

    made = records(real_stack, account)
    assert [str(r["text"]).rsplit(" ", 1)[1] for r in made] == ["1/3", "2/3", "3/3"]
    replies = [r["reply"] for r in made[1:]]
    assert all(r["root"]["uri"] == receipt.remote_id for r in replies)  # type: ignore[index]
    assert channel.find_existing(rendered, since) == receipt

    channel.delete(receipt)

    assert records(real_stack, account) == []
