"""Listening on Bluesky: notifications (mentions, replies, quotes) and post search
through atproto's client against the Bluesky double."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import pytest

from channels.base import Channel, Listens, Rendered
from channels.errors import OutcomeUnknown, RateLimited, Retryable
from tests.fakes.bluesky import BlueskyDouble
from tests.fakes.fixtures import build_channel, impatient

NOTIFICATIONS = "/xrpc/app.bsky.notification.listNotifications"
SEARCH = "/xrpc/app.bsky.feed.searchPosts"


def _listener(channel: Channel) -> Listens:
    assert isinstance(channel, Listens)
    return channel


def _calls(double: BlueskyDouble, path: str) -> list[dict[str, list[str]]]:
    return [r.query for r in double.requests if r.method == "GET" and r.path == path]


def _ago(minutes: float) -> datetime:
    return datetime.now(UTC) - timedelta(minutes=minutes)


def test_bluesky_listens_to_mentions_and_queries(bluesky_channel: Channel) -> None:
    assert _listener(bluesky_channel).listen_kinds == {"mentions", "query"}


def test_mentions_replies_and_quotes_come_from_notifications(
    bluesky_double: BlueskyDouble, bluesky_channel: Channel
) -> None:
    ours = bluesky_channel.publish(Rendered("k", "Library hours change on Monday."))
    bluesky_double.post_as("early.test", "@oyez.test from before", created_at=time.time() - 7200)
    mention = bluesky_double.post_as("alice.test", "@oyez.test Q&A tonight? <b>3</b>", name="Alice")
    reply = bluesky_double.post_as("bob.test", "Which library?", reply_to=ours.remote_id)
    quote = bluesky_double.post_as("carol.test", "Good to know", quote_of=ours.remote_id)
    bluesky_double.notify("like", reply)
    bluesky_double.post_as("dave.test", "Unrelated")

    page = _listener(bluesky_channel).mentions(None, _ago(30))

    by_id = {item.remote_id: item for item in page.items}
    assert set(by_id) == {mention.id, reply.id, quote.id}
    assert page.complete
    assert by_id[mention.id].kind == "mention"
    assert by_id[mention.id].text == "@oyez.test Q&A tonight? <b>3</b>"
    assert by_id[mention.id].author_handle == "@alice.test"
    assert by_id[mention.id].author_name == "Alice"
    rkey = mention.id.rsplit("/", 1)[1]
    assert by_id[mention.id].url == f"https://bsky.app/profile/alice.test/post/{rkey}"
    assert by_id[reply.id].kind == "reply"
    assert by_id[reply.id].in_reply_to == ours.remote_id
    assert by_id[quote.id].kind == "quote"
    (call,) = _calls(bluesky_double, NOTIFICATIONS)
    assert sorted(call["reasons"]) == ["mention", "quote", "reply"]
    assert call["limit"] == ["100"]


def test_a_reply_that_also_mentions_the_account_is_one_mention(
    bluesky_double: BlueskyDouble, bluesky_channel: Channel
) -> None:
    ours = bluesky_channel.publish(Rendered("k", "Bins go out on Friday."))
    both = bluesky_double.post_as("alice.test", "@oyez.test and Saturday?", reply_to=ours.remote_id)

    (item,) = _listener(bluesky_channel).mentions(None, _ago(1)).items

    assert (item.remote_id, item.kind, item.in_reply_to) == (both.id, "mention", ours.remote_id)


def test_the_second_round_with_the_cursor_returns_only_newer_items(
    bluesky_double: BlueskyDouble, bluesky_channel: Channel
) -> None:
    listener = _listener(bluesky_channel)
    bluesky_double.post_as("alice.test", "@oyez.test first")
    first = listener.mentions(None, _ago(5))
    newer = bluesky_double.post_as("bob.test", "@oyez.test second")

    second = listener.mentions(first.cursor, _ago(5))
    third = listener.mentions(second.cursor, _ago(5))

    assert [item.remote_id for item in second.items] == [newer.id]
    assert third.items == ()
    assert third.cursor is None  # nothing new: keep the old cursor
    assert first.cursor is not None
    assert json.loads(first.cursor)["newest"]["at"]


def test_items_at_the_same_moment_as_the_cursor_are_neither_lost_nor_repeated(
    bluesky_double: BlueskyDouble, bluesky_channel: Channel
) -> None:
    listener = _listener(bluesky_channel)
    moment = time.time() - 60
    first = bluesky_double.post_as("alice.test", "@oyez.test one", created_at=moment)
    page = listener.mentions(None, _ago(5))
    tie = bluesky_double.post_as("bob.test", "@oyez.test two", created_at=moment)
    tie.created_at = first.created_at  # the same millisecond on the AppView

    again = listener.mentions(page.cursor, _ago(5))

    assert [item.remote_id for item in again.items] == [tie.id]


def test_a_busy_stream_is_read_across_pages_within_the_budget_and_resumed_without_a_gap(
    bluesky_double: BlueskyDouble,
) -> None:
    channel = build_channel(bluesky_double, listen_pages=2)
    listener = _listener(channel)
    try:
        bluesky_double.post_as("alice.test", "@oyez.test before")
        cursor = listener.mentions(None, _ago(5)).cursor
        made = [bluesky_double.post_as("bob.test", f"@oyez.test number {n}") for n in range(250)]

        cut = listener.mentions(cursor, _ago(5))
        rest = listener.mentions(cut.cursor, _ago(5))
        newer = bluesky_double.post_as("carol.test", "@oyez.test after the gap")
        last = listener.mentions(rest.cursor, _ago(5))
    finally:
        channel.close()

    assert not cut.complete
    assert len(cut.items) == 200
    assert rest.complete
    assert {i.remote_id for i in cut.items} | {i.remote_id for i in rest.items} == {
        p.id for p in made
    }
    assert [i.remote_id for i in last.items] == [newer.id]
    assert len(_calls(bluesky_double, NOTIFICATIONS)) == 1 + 2 + 1 + 1


def test_the_first_round_stops_at_since(bluesky_double: BlueskyDouble) -> None:
    channel = build_channel(bluesky_double, listen_pages=5)
    try:
        for n in range(150):
            bluesky_double.post_as("old.test", f"@oyez.test old {n}", created_at=time.time() - 7200)
        recent = bluesky_double.post_as("new.test", "@oyez.test recent")

        page = _listener(channel).mentions(None, _ago(30))
    finally:
        channel.close()

    assert [i.remote_id for i in page.items] == [recent.id]
    assert len(_calls(bluesky_double, NOTIFICATIONS)) == 1


def test_a_429_while_listening_is_rate_limited_with_the_reset(
    bluesky_double: BlueskyDouble, bluesky_channel: Channel
) -> None:
    for n in range(120):
        bluesky_double.post_as("alice.test", f"@oyez.test number {n}")
    bluesky_double.rate_limit_seconds = 900
    bluesky_double.faults.push("429", path=NOTIFICATIONS, after=1)

    with pytest.raises(RateLimited) as raised:
        _listener(bluesky_channel).mentions(None, _ago(5))

    reset = raised.value.reset_at
    assert reset is not None
    assert abs((reset - (datetime.now(UTC) + timedelta(seconds=900))).total_seconds()) < 5


@pytest.mark.parametrize("fault", ["500", "503"])
def test_a_failed_listening_call_is_retryable(
    bluesky_double: BlueskyDouble, bluesky_channel: Channel, fault: str
) -> None:
    bluesky_double.faults.push(fault, path=SEARCH)

    with pytest.raises(Retryable) as raised:
        _listener(bluesky_channel).search("library", None, _ago(5))

    assert not isinstance(raised.value, OutcomeUnknown)


def test_a_hang_while_listening_is_retryable_not_unknown(bluesky_double: BlueskyDouble) -> None:
    with impatient(bluesky_double) as channel:
        channel.check_credentials()
        bluesky_double.faults.push("hang_before", path=NOTIFICATIONS)
        with pytest.raises(Retryable) as raised:
            _listener(channel).mentions(None, _ago(5))

    assert not isinstance(raised.value, OutcomeUnknown)


def test_search_finds_others_posts_newest_first_and_polls_with_the_cursor(
    bluesky_double: BlueskyDouble, bluesky_channel: Channel
) -> None:
    listener = _listener(bluesky_channel)
    hit = bluesky_double.post_as("alice.test", "The Market Street Library is lovely #library")
    bluesky_double.post_as("bob.test", "Nothing to see here")
    bluesky_channel.publish(Rendered("k", "Our own library update"))
    bluesky_double.catch_up()
    first = listener.search("library", None, _ago(5))
    newer = bluesky_double.post_as("carol.test", "library open late")

    second = listener.search("library", first.cursor, _ago(5))

    assert [(i.remote_id, i.kind) for i in first.items] == [(hit.id, "search")]
    assert [i.remote_id for i in second.items] == [newer.id]
    call = _calls(bluesky_double, SEARCH)[0]
    assert (call["q"], call["sort"], call["limit"]) == (["library"], ["latest"], ["100"])


def test_a_reply_to_an_item_threads_under_it(
    bluesky_double: BlueskyDouble, bluesky_channel: Channel
) -> None:
    question = bluesky_double.post_as("alice.test", "@oyez.test when do the bins go out?")
    (item,) = _listener(bluesky_channel).mentions(None, _ago(1)).items

    receipt = bluesky_channel.publish(Rendered("a-1", "Saturday.", reply_to=item.remote_id))

    answer = bluesky_double.find(receipt.remote_id)
    assert answer is not None
    assert answer.extra["record"]["reply"]["parent"]["uri"] == question.id
    assert answer.extra["record"]["reply"]["root"]["uri"] == question.id
