"""Listening against the reference stack: a second account mentions, answers and
quotes ours; its notifications and post search page as the double does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from channels.base import Channel, InboundPage, Listens, Rendered
from tests.real_bluesky.conftest import real_channel
from tests.real_bluesky.others import eventually, post_as, strong_ref
from tests.real_bluesky.stack import Account, Stack, new_account

pytestmark = pytest.mark.real_bluesky


def _listener(channel: Channel) -> Listens:
    assert isinstance(channel, Listens)
    return channel


def test_mentions_replies_and_quotes_arrive_through_notifications(
    real_stack: Stack, account: Account, channel: Channel
) -> None:
    since = datetime.now(UTC) - timedelta(minutes=5)
    other = new_account(real_stack, "nb")
    ours = strong_ref(real_stack, channel.publish(Rendered("k", "Library hours change.")).remote_id)
    mention = post_as(real_stack, other, f"@{account.handle} open late?", mention=account)
    reply = post_as(real_stack, other, "Which library?", reply_to=ours)
    quote = post_as(real_stack, other, "Good to know", quote_of=ours)
    wanted = {mention["uri"]: "mention", reply["uri"]: "reply", quote["uri"]: "quote"}
    listener = _listener(channel)

    page = eventually(lambda: listener.mentions(None, since), lambda p: len(p.items) >= len(wanted))

    assert {i.remote_id: i.kind for i in page.items} == wanted
    by_id = {i.remote_id: i for i in page.items}
    assert by_id[reply["uri"]].in_reply_to == ours["uri"]
    assert by_id[mention["uri"]].author_handle == f"@{other.handle}"
    assert by_id[mention["uri"]].text == f"@{account.handle} open late?"
    assert page.complete
    assert page.cursor

    newer = post_as(real_stack, other, f"@{account.handle} and Sunday?", mention=account)
    second = eventually(lambda: listener.mentions(page.cursor, since), lambda p: bool(p.items))
    assert [i.remote_id for i in second.items] == [newer["uri"]]
    assert listener.mentions(second.cursor, since).items == ()


def test_notifications_page_by_cursor_within_the_budget(
    real_stack: Stack, account: Account
) -> None:
    since = datetime.now(UTC) - timedelta(minutes=5)
    other = new_account(real_stack, "bz")
    made = {
        post_as(real_stack, other, f"@{account.handle} number {n}", mention=account)["uri"]
        for n in range(120)
    }
    nsid = "app.bsky.notification.listNotifications"
    # All 120 indexed (more than one page of 100) before the channel reads.
    pages = eventually(
        lambda: _raw_pages(real_stack, account, nsid),
        lambda found: sum(len(items) for items, _ in found) == len(made),
    )
    channel = real_channel(real_stack, account, listen_pages=1)
    listener = _listener(channel)
    try:
        cut = listener.mentions(None, since)
        rest = listener.mentions(cut.cursor, since)
    finally:
        channel.close()

    # As the double pages: the AppView gives a cursor only while more follow.
    assert [(len(items), bool(cursor)) for items, cursor in pages] == [(100, True), (20, False)]
    assert not cut.complete
    assert len(cut.items) == 100
    assert rest.complete
    assert {i.remote_id for i in cut.items} | {i.remote_id for i in rest.items} == made


def _raw_pages(stack: Stack, account: Account, nsid: str) -> list[tuple[list[object], str | None]]:
    pages: list[tuple[list[object], str | None]] = []
    cursor: str | None = None
    while len(pages) < 5:
        answer = httpx.get(
            f"{stack.pds_url}/xrpc/{nsid}",
            params={"limit": 100, **({"cursor": cursor} if cursor else {})},
            headers={"Authorization": f"Bearer {account.access_jwt}"},
            timeout=30,
        )
        answer.raise_for_status()
        body = answer.json()
        cursor = body.get("cursor")
        pages.append((body["notifications"], cursor))
        if not cursor:
            break
    return pages


def test_search_finds_others_posts_and_polls_with_the_cursor(
    real_stack: Stack, account: Account, channel: Channel
) -> None:
    # The dev-env AppView searches post text (case-sensitive LIKE), paged by cursor.
    since = datetime.now(UTC) - timedelta(minutes=5)
    other = new_account(real_stack, "sr")
    word = f"Tramline{account.did[-6:]}"
    hit = post_as(real_stack, other, f"The {word} opens on Monday")
    post_as(real_stack, other, "Nothing to see here")
    listener = _listener(channel)

    first: InboundPage = eventually(
        lambda: listener.search(word, None, since), lambda p: bool(p.items)
    )
    newer = post_as(real_stack, other, f"{word} delays")
    second = eventually(lambda: listener.search(word, first.cursor, since), lambda p: bool(p.items))

    assert [(i.remote_id, i.kind) for i in first.items] == [(hit["uri"], "search")]
    assert [i.remote_id for i in second.items] == [newer["uri"]]
