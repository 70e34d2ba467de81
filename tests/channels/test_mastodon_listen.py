"""Listening on Mastodon: mention notifications, tag timelines and v2 search through
Mastodon.py against the Mastodon double."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from channels.base import Channel, Listens, Rendered
from channels.errors import OutcomeUnknown, RateLimited, Retryable
from tests.fakes.fixtures import build_channel, impatient
from tests.fakes.mastodon import MastodonDouble

NOTIFICATIONS = "/api/v1/notifications"
SEARCH = "/api/v2/search"


def _listener(channel: Channel) -> Listens:
    assert isinstance(channel, Listens)
    return channel


def _calls(double: MastodonDouble, path: str) -> list[dict[str, list[str]]]:
    return [r.query for r in double.requests if r.method == "GET" and r.path.startswith(path)]


def test_mastodon_listens_to_mentions_and_queries(mastodon_channel: Channel) -> None:
    assert _listener(mastodon_channel).listen_kinds == {"mentions", "query"}


def test_mentions_and_replies_come_from_mention_notifications_as_plain_text(
    mastodon_double: MastodonDouble, mastodon_channel: Channel
) -> None:
    ours = mastodon_channel.publish(Rendered("k", "Library hours change on Monday."))
    mastodon_double.status_as("early", "@oyez from before", created_at=time.time() - 7200)
    since = datetime.now(UTC) - timedelta(minutes=30)
    mention = mastodon_double.status_as("alice", "@oyez Q&A tonight? <b>3</b>\n#library")
    reply = mastodon_double.status_as("bob", "Which library?", reply_to=ours.remote_id)
    mastodon_double.notify("favourite", "carol", status_id=ours.remote_id)
    mastodon_double.notify("follow", "dave")

    page = _listener(mastodon_channel).mentions(None, since)

    by_id = {item.remote_id: item for item in page.items}
    assert set(by_id) == {mention.id, reply.id}
    assert by_id[mention.id].kind == "mention"
    assert by_id[mention.id].text == "@oyez Q&A tonight? <b>3</b>\n#library"
    assert by_id[mention.id].author_handle == "@alice@elsewhere.example"
    assert by_id[mention.id].author_name == "Alice"
    assert by_id[mention.id].url == f"{mastodon_double.url}/@alice/{mention.id}"
    assert by_id[reply.id].kind == "reply"
    assert by_id[reply.id].in_reply_to == ours.remote_id
    (call,) = _calls(mastodon_double, NOTIFICATIONS)
    assert call["types[]"] == ["mention"]
    assert "since_id" not in call


def test_a_content_warning_comes_before_the_text(
    mastodon_double: MastodonDouble, mastodon_channel: Channel
) -> None:
    mastodon_double.status_as("alice", "@oyez details inside", spoiler_text="Food poisoning")

    (item,) = (
        _listener(mastodon_channel).mentions(None, datetime.now(UTC) - timedelta(minutes=1)).items
    )

    assert item.text == "Food poisoning\n\n@oyez details inside"


def test_the_second_round_with_the_cursor_returns_only_newer_items(
    mastodon_double: MastodonDouble, mastodon_channel: Channel
) -> None:
    listener = _listener(mastodon_channel)
    since = datetime.now(UTC) - timedelta(minutes=5)
    mastodon_double.status_as("alice", "@oyez first")
    first = listener.mentions(None, since)
    newer = mastodon_double.status_as("bob", "@oyez second")

    second = listener.mentions(first.cursor, since)
    third = listener.mentions(second.cursor, since)

    assert [item.remote_id for item in second.items] == [newer.id]
    assert third.items == ()
    assert third.cursor is None  # nothing new: keep the old cursor
    assert _calls(mastodon_double, NOTIFICATIONS)[1]["since_id"] == [first.cursor]


def test_a_busy_stream_is_read_across_pages_within_the_budget_and_resumed_without_a_gap(
    mastodon_double: MastodonDouble,
) -> None:
    channel = build_channel(mastodon_double, listen_pages=2)
    listener = _listener(channel)
    since = datetime.now(UTC) - timedelta(minutes=5)
    try:
        mastodon_double.status_as("alice", "@oyez before")
        cursor = listener.mentions(None, since).cursor
        made = [mastodon_double.status_as("bob", f"@oyez number {n}") for n in range(100)]

        cut = listener.mentions(cursor, since)
        rest = listener.mentions(cut.cursor, since)
    finally:
        channel.close()

    assert not cut.complete
    assert len(cut.items) == 80
    assert rest.complete
    assert {i.remote_id for i in cut.items} | {i.remote_id for i in rest.items} == {
        s.id for s in made
    }
    assert len(_calls(mastodon_double, NOTIFICATIONS)) == 1 + 2 + 1


def test_a_429_while_listening_is_rate_limited_with_the_reset(
    mastodon_double: MastodonDouble, mastodon_channel: Channel
) -> None:
    for n in range(50):
        mastodon_double.status_as("alice", f"@oyez number {n}")
    mastodon_double.rate_limit_seconds = 900
    mastodon_double.faults.push("429", path=NOTIFICATIONS, after=1)

    with pytest.raises(RateLimited) as raised:
        _listener(mastodon_channel).mentions(None, datetime.now(UTC) - timedelta(minutes=5))

    reset = raised.value.reset_at
    assert reset is not None
    assert abs((reset - (datetime.now(UTC) + timedelta(seconds=900))).total_seconds()) < 5


@pytest.mark.parametrize("fault", ["500", "503"])
def test_a_failed_listening_call_is_retryable(
    mastodon_double: MastodonDouble, mastodon_channel: Channel, fault: str
) -> None:
    mastodon_double.faults.push(fault, path=SEARCH)

    with pytest.raises(Retryable) as raised:
        _listener(mastodon_channel).search("library", None, datetime.now(UTC))

    assert not isinstance(raised.value, OutcomeUnknown)


def test_a_hang_while_listening_is_retryable_not_unknown(mastodon_double: MastodonDouble) -> None:
    mastodon_double.faults.push("hang_before", path=NOTIFICATIONS)

    with impatient(mastodon_double) as channel, pytest.raises(Retryable) as raised:
        _listener(channel).mentions(None, datetime.now(UTC))

    assert not isinstance(raised.value, OutcomeUnknown)


def test_a_hashtag_query_reads_the_tag_timeline(
    mastodon_double: MastodonDouble, mastodon_channel: Channel
) -> None:
    since = datetime.now(UTC) - timedelta(minutes=5)
    hit = mastodon_double.status_as("alice", "Bridge Road closed #Roadworks")
    mastodon_double.status_as("bob", "roadworks without the tag")
    mastodon_channel.publish(Rendered("k", "Our own #roadworks update"))

    page = _listener(mastodon_channel).search("#roadworks", None, since)

    assert [(item.remote_id, item.kind) for item in page.items] == [(hit.id, "search")]
    assert page.items[0].text == "Bridge Road closed #Roadworks"
    assert len(_calls(mastodon_double, "/api/v1/timelines/tag/roadworks")) == 1


def test_words_are_searched_through_v2_search_and_polled_with_min_id(
    mastodon_double: MastodonDouble, mastodon_channel: Channel
) -> None:
    listener = _listener(mastodon_channel)
    since = datetime.now(UTC) - timedelta(minutes=5)
    hit = mastodon_double.status_as("alice", "The Market Street library is lovely")
    mastodon_double.status_as("bob", "Nothing to see here")
    first = listener.search("library", None, since)
    newer = mastodon_double.status_as("carol", "library open late")

    second = listener.search("library", first.cursor, since)

    assert [item.remote_id for item in first.items] == [hit.id]
    assert [item.remote_id for item in second.items] == [newer.id]
    calls = _calls(mastodon_double, SEARCH)
    assert calls[0]["type"] == ["statuses"]
    assert calls[1]["min_id"] == [first.cursor]


def test_a_reply_to_an_item_threads_under_it(
    mastodon_double: MastodonDouble, mastodon_channel: Channel
) -> None:
    question = mastodon_double.status_as("alice", "@oyez when do the bins go out?")
    (item,) = (
        _listener(mastodon_channel).mentions(None, datetime.now(UTC) - timedelta(minutes=1)).items
    )

    receipt = mastodon_channel.publish(Rendered("a-1", "Saturday.", reply_to=item.remote_id))

    answer = mastodon_double.find_status(receipt.remote_id)
    assert answer is not None
    assert answer.reply_to == question.id
