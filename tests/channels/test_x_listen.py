"""Listening on X: mentions and recent search through tweepy against the X double."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from channels.base import Channel, Listens, Rendered
from channels.errors import OutcomeUnknown, RateLimited, Retryable
from tests.fakes.fixtures import build_channel, impatient
from tests.fakes.x import XDouble

MENTIONS = f"/2/users/{XDouble.user_id}/mentions"
SEARCH = "/2/tweets/search/recent"


def _listener(channel: Channel) -> Listens:
    assert isinstance(channel, Listens)
    return channel


def _calls(double: XDouble, path: str) -> list[dict[str, list[str]]]:
    return [r.query for r in double.requests if r.method == "GET" and r.path == path]


def test_x_listens_to_mentions_and_queries(x_channel: Channel) -> None:
    assert _listener(x_channel).listen_kinds == {"mentions", "query"}


def test_the_first_round_takes_only_the_window_since_and_tells_each_kind(
    x_double: XDouble, x_channel: Channel
) -> None:
    ours = x_channel.publish(Rendered("k", "Library hours change on Monday."))
    x_double.tweet_as("early", "@oyez_test from before the window", created_at=time.time() - 7200)
    since = datetime.now(UTC) - timedelta(minutes=30)
    mention = x_double.tweet_as("alice", "@oyez_test Q&A tonight? <3")
    reply = x_double.tweet_as("bob", "Which library?", reply_to=ours.remote_id)
    quote = x_double.tweet_as("carol", "Good news", quote_of=ours.remote_id)

    page = _listener(x_channel).mentions(None, since)

    by_id = {item.remote_id: item for item in page.items}
    assert set(by_id) == {mention.id, reply.id, quote.id}
    assert by_id[mention.id].kind == "mention"
    assert by_id[mention.id].text == "@oyez_test Q&A tonight? <3"  # X's &amp; undone
    assert by_id[mention.id].author_handle == "@alice"
    assert by_id[mention.id].author_name == "Alice"
    assert by_id[mention.id].url == f"https://x.com/alice/status/{mention.id}"
    assert by_id[mention.id].in_reply_to is None
    assert by_id[reply.id].kind == "reply"
    assert by_id[reply.id].in_reply_to == ours.remote_id
    assert by_id[quote.id].kind == "quote"
    assert all(item.created_at >= since for item in page.items)
    assert page.cursor == quote.id  # the newest id seen
    (call,) = _calls(x_double, MENTIONS)
    assert call["start_time"] == [since.strftime("%Y-%m-%dT%H:%M:%SZ")]
    assert "since_id" not in call
    assert call["expansions"] == ["author_id,referenced_tweets.id"]
    assert set(call["tweet.fields"][0].split(",")) >= {
        "created_at",
        "conversation_id",
        "referenced_tweets",
        "author_id",
    }
    assert call["user.fields"] == ["username,name"]


def test_a_mention_that_replies_to_someone_else_is_a_mention_answering_that_post(
    x_double: XDouble, x_channel: Channel
) -> None:
    since = datetime.now(UTC) - timedelta(minutes=1)
    theirs = x_double.tweet_as("dave", "Is the pool open?")
    answer = x_double.tweet_as("erin", "@oyez_test do you know?", reply_to=theirs.id)

    (item,) = _listener(x_channel).mentions(None, since).items

    assert (item.remote_id, item.kind, item.in_reply_to) == (answer.id, "mention", theirs.id)


def test_the_second_round_with_the_cursor_returns_only_newer_items(
    x_double: XDouble, x_channel: Channel
) -> None:
    listener = _listener(x_channel)
    since = datetime.now(UTC) - timedelta(minutes=5)
    x_double.tweet_as("alice", "@oyez_test first")
    first = listener.mentions(None, since)
    newer = x_double.tweet_as("bob", "@oyez_test second")

    second = listener.mentions(first.cursor, since)
    third = listener.mentions(second.cursor, since)

    assert [item.remote_id for item in second.items] == [newer.id]
    assert second.cursor == newer.id
    assert third.items == ()
    assert third.cursor is None  # nothing new: keep the old cursor
    later = _calls(x_double, MENTIONS)[1]
    assert later["since_id"] == [first.cursor]
    assert "start_time" not in later


def test_a_busy_stream_is_read_across_three_pages(x_double: XDouble, x_channel: Channel) -> None:
    since = datetime.now(UTC) - timedelta(minutes=5)
    made = [x_double.tweet_as(f"user{n % 7}", f"@oyez_test number {n}") for n in range(250)]

    page = _listener(x_channel).mentions(None, since)

    assert sorted(item.remote_id for item in page.items) == sorted(t.id for t in made)
    calls = _calls(x_double, MENTIONS)
    assert len(calls) == 3
    assert [c["max_results"] for c in calls] == [["100"]] * 3
    assert "pagination_token" not in calls[0]
    assert all(c.get("pagination_token") for c in calls[1:])
    assert page.cursor == made[-1].id


def test_a_round_reads_no_more_than_its_page_budget(x_double: XDouble) -> None:
    channel = build_channel(x_double, listen_pages=2)
    since = datetime.now(UTC) - timedelta(minutes=5)
    made = [x_double.tweet_as("alice", f"@oyez_test number {n}") for n in range(250)]
    try:
        page = _listener(channel).mentions(None, since)
    finally:
        channel.close()

    assert len(_calls(x_double, MENTIONS)) == 2
    assert {item.remote_id for item in page.items} == {t.id for t in made[-200:]}
    assert not page.complete  # 50 older ones are left for the next round


def test_a_busy_stream_is_read_across_pages_within_the_budget_and_resumed_without_a_gap(
    x_double: XDouble,
) -> None:
    channel = build_channel(x_double, listen_pages=2)
    listener = _listener(channel)
    since = datetime.now(UTC) - timedelta(minutes=5)
    try:
        x_double.tweet_as("alice", "@oyez_test before")
        cursor = listener.mentions(None, since).cursor
        made = [x_double.tweet_as(f"user{n % 7}", f"@oyez_test number {n}") for n in range(450)]

        cut = listener.mentions(cursor, since)
        more = listener.mentions(cut.cursor, since)
        rest = listener.mentions(more.cursor, since)
        later = x_double.tweet_as("carol", "@oyez_test after the gap")
        after = listener.mentions(rest.cursor, since)
    finally:
        channel.close()

    assert (cut.complete, more.complete, rest.complete) == (False, False, True)
    assert [len(cut.items), len(more.items), len(rest.items)] == [200, 200, 50]
    seen = [i.remote_id for page in (cut, more, rest) for i in page.items]
    assert sorted(seen) == sorted(t.id for t in made)  # each once, none lost
    assert rest.cursor == made[-1].id  # the gap is closed: newer ones next
    assert [i.remote_id for i in after.items] == [later.id]
    calls = _calls(x_double, MENTIONS)
    assert calls[3]["since_id"] == [cursor]
    assert calls[3]["until_id"] == [cut.items[-1].remote_id]


def test_a_gap_on_the_first_round_is_read_back_to_since() -> None:
    from channels.gap_cursor import GapCursor
    from channels.x_listen import window

    since = datetime.now(UTC) - timedelta(hours=1)
    gap = str(GapCursor(900, None, 500))
    assert gap == "900:0:500"
    assert window(gap, since) == {"start_time": since, "until_id": "500"}
    assert window("900:300:500", since) == {"since_id": "300", "until_id": "500"}
    assert window("900", since) == {"since_id": "900"}


def test_a_429_while_listening_is_rate_limited_with_the_reset(
    x_double: XDouble, x_channel: Channel
) -> None:
    for n in range(150):
        x_double.tweet_as("alice", f"@oyez_test number {n}")
    x_double.rate_limit_seconds = 900
    x_double.faults.push("429", path=MENTIONS, after=1)

    with pytest.raises(RateLimited) as raised:
        _listener(x_channel).mentions(None, datetime.now(UTC) - timedelta(minutes=5))

    reset = raised.value.reset_at
    assert reset is not None
    assert abs((reset - (datetime.now(UTC) + timedelta(seconds=900))).total_seconds()) < 5


@pytest.mark.parametrize("fault", ["500", "503", "reset_after"])
def test_a_failed_listening_call_is_retryable(
    x_double: XDouble, x_channel: Channel, fault: str
) -> None:
    x_double.faults.push(fault, path=SEARCH)

    with pytest.raises(Retryable) as raised:
        _listener(x_channel).search("library", None, datetime.now(UTC))

    assert not isinstance(raised.value, OutcomeUnknown)


def test_a_hang_while_listening_is_retryable_not_unknown(x_double: XDouble) -> None:
    x_double.faults.push("hang_before", path=MENTIONS)

    with impatient(x_double) as channel, pytest.raises(Retryable) as raised:
        _listener(channel).mentions(None, datetime.now(UTC))

    assert not isinstance(raised.value, OutcomeUnknown)


def test_a_reply_to_an_item_threads_under_it(x_double: XDouble, x_channel: Channel) -> None:
    question = x_double.tweet_as("alice", "@oyez_test when do the bins go out?")
    (item,) = _listener(x_channel).mentions(None, datetime.now(UTC) - timedelta(minutes=1)).items

    receipt = x_channel.publish(
        Rendered("answer-1", "Saturday this week.", reply_to=item.remote_id)
    )

    answer = x_double.find_tweet(receipt.remote_id)
    assert answer is not None
    assert answer.reply_to == question.id
    assert answer.extra["conversation_id"] == question.extra["conversation_id"]


def test_search_finds_matching_recent_posts_but_not_the_accounts_own(
    x_double: XDouble, x_channel: Channel
) -> None:
    since = datetime.now(UTC) - timedelta(minutes=5)
    hit = x_double.tweet_as("alice", "The Market Street library is lovely")
    x_double.tweet_as("bob", "Nothing to see here")
    own = x_channel.publish(Rendered("k", "Visit the library this weekend"))

    page = _listener(x_channel).search("library", None, since)

    assert [(item.remote_id, item.kind) for item in page.items] == [(hit.id, "search")]
    assert page.cursor == own.remote_id  # seen, so not read again
    (call,) = _calls(x_double, SEARCH)
    assert call["query"] == ["library"]
    assert "next_token" not in call


def test_search_pages_with_next_token_and_polls_with_since_id(
    x_double: XDouble, x_channel: Channel
) -> None:
    listener = _listener(x_channel)
    since = datetime.now(UTC) - timedelta(minutes=5)
    for n in range(120):
        x_double.tweet_as("alice", f"#roadworks update {n}")
    first = listener.search("#roadworks", None, since)
    newer = x_double.tweet_as("bob", "#roadworks Bridge Road reopened")

    second = listener.search("#roadworks", first.cursor, since)

    assert len(first.items) == 120
    assert [item.remote_id for item in second.items] == [newer.id]
    calls = _calls(x_double, SEARCH)
    assert calls[1]["next_token"]
    assert calls[2]["since_id"] == [first.cursor]


def test_search_never_asks_further_back_than_seven_days(
    x_double: XDouble, x_channel: Channel
) -> None:
    listener = _listener(x_channel)
    week_ago = time.time() - 8 * 86400
    stale = x_double.tweet_as("alice", "library from long ago", created_at=week_ago)
    fresh = x_double.tweet_as("bob", "library today")

    from_since = listener.search("library", None, datetime.now(UTC) - timedelta(days=30))
    from_cursor = listener.search("library", stale.id, datetime.now(UTC) - timedelta(days=30))

    assert [item.remote_id for item in from_since.items] == [fresh.id]
    assert [item.remote_id for item in from_cursor.items] == [fresh.id]
    assert all("since_id" not in call for call in _calls(x_double, SEARCH))
