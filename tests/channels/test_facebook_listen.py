"""Listening on a Facebook Page: comments on its recent posts, through facebook-sdk."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from channels.base import Channel, Listens, Rendered
from channels.errors import OutcomeUnknown, PermanentError, RateLimited, Retryable
from tests.fakes.facebook import FacebookDouble
from tests.fakes.fixtures import build_channel, impatient

POSTS = f"/{FacebookDouble.page_id}/published_posts"


def _listener(channel: Channel) -> Listens:
    assert isinstance(channel, Listens)
    return channel


def _comment_reads(double: FacebookDouble) -> list[tuple[str, dict[str, list[str]]]]:
    return [
        (r.path, r.query)
        for r in double.requests
        if r.method == "GET" and r.path.endswith("/comments")
    ]


def test_facebook_listens_to_comments_only_and_says_search_is_not_there(
    facebook_channel: Channel,
) -> None:
    listener = _listener(facebook_channel)
    assert listener.listen_kinds == {"mentions"}

    with pytest.raises(PermanentError, match="no search"):
        listener.search("library", None, datetime.now(UTC))


def test_the_first_round_takes_comments_since_the_window_as_comment_items(
    facebook_double: FacebookDouble, facebook_channel: Channel
) -> None:
    ours = facebook_channel.publish(Rendered("k", "Library hours change on Monday."))
    facebook_double.comment_as(
        "Early Bird", "from before", on=ours.remote_id, created_at=time.time() - 7200
    )
    since = datetime.now(UTC) - timedelta(minutes=30)
    question = facebook_double.comment_as("Alice Example", "Which library? <b>", on=ours.remote_id)
    answer = facebook_double.comment_as("Bob Example", "Market Street", on=question.id)
    facebook_channel.publish(Rendered("k2", "Market Street, Alice.", reply_to=ours.remote_id))

    page = _listener(facebook_channel).mentions(None, since)

    by_id = {item.remote_id: item for item in page.items}
    assert set(by_id) == {question.id, answer.id}  # not the Page's own comment
    item = by_id[question.id]
    assert item.kind == "comment"
    assert item.text == "Which library? <b>"
    assert item.author_name == "Alice Example"
    assert item.author_handle == question.extra["from_id"]
    assert item.in_reply_to == ours.remote_id
    assert item.url == f"https://www.facebook.com/{question.id}"
    assert by_id[answer.id].in_reply_to == ours.remote_id  # a reply to a comment, on that post
    assert all(item.created_at >= since.replace(microsecond=0) for item in page.items)
    assert page.complete
    assert page.cursor is not None
    ((path, call),) = _comment_reads(facebook_double)
    assert path.endswith(f"/{ours.remote_id}/comments")
    assert call["filter"] == ["stream"]
    assert call["order"] == ["reverse_chronological"]


def test_the_cursor_is_the_newest_created_time_and_the_next_round_brings_only_newer(
    facebook_double: FacebookDouble, facebook_channel: Channel
) -> None:
    listener = _listener(facebook_channel)
    ours = facebook_channel.publish(Rendered("k", "Roadworks on Bridge Road."))
    since = datetime.now(UTC) - timedelta(minutes=5)
    first_comment = facebook_double.comment_as("Alice Example", "How long?", on=ours.remote_id)
    first = listener.mentions(None, since)
    newer = facebook_double.comment_as("Bob Example", "Two weeks, I heard", on=ours.remote_id)

    second = listener.mentions(first.cursor, since)
    third = listener.mentions(second.cursor, since)

    assert [item.remote_id for item in first.items] == [first_comment.id]
    assert first.cursor is not None
    assert first.cursor.split(" ")[0] == str(int(first_comment.created_at))
    assert [item.remote_id for item in second.items] == [newer.id]
    assert third.items == ()
    assert third.cursor is None  # nothing new: keep the old cursor


def test_posts_without_comments_since_the_cursor_are_not_read(
    facebook_double: FacebookDouble, facebook_channel: Channel
) -> None:
    day_ago = time.time() - 86400
    quiet = facebook_double.post_as_page("A quiet post.", created_at=day_ago)
    busy = facebook_double.post_as_page("A busy post.", created_at=day_ago + 60)
    facebook_double.comment_as("Old Timer", "long ago", on=quiet.id, created_at=day_ago + 120)
    since = datetime.now(UTC) - timedelta(minutes=5)
    facebook_double.comment_as("Alice Example", "Busy indeed", on=busy.id)

    page = _listener(facebook_channel).mentions(None, since)

    assert len(page.items) == 1
    assert [path for path, _ in _comment_reads(facebook_double)] == [f"/v26.0/{busy.id}/comments"]


def test_a_busy_post_is_read_across_pages_of_comments(
    facebook_double: FacebookDouble, facebook_channel: Channel
) -> None:
    ours = facebook_channel.publish(Rendered("k", "Consultation open."))
    since = datetime.now(UTC) - timedelta(minutes=5)
    made = [
        facebook_double.comment_as(f"Person {n % 7}", f"View {n}", on=ours.remote_id)
        for n in range(250)
    ]

    page = _listener(facebook_channel).mentions(None, since)

    assert sorted(item.remote_id for item in page.items) == sorted(c.id for c in made)
    reads = _comment_reads(facebook_double)
    assert len(reads) == 3
    assert "after" not in reads[0][1]
    assert all(q.get("after") for _, q in reads[1:])


def test_a_round_cut_short_by_its_budget_is_incomplete_and_keeps_the_cursor(
    facebook_double: FacebookDouble,
) -> None:
    channel = build_channel(facebook_double, listen_pages=2)
    try:
        ours = channel.publish(Rendered("k", "Consultation open."))
        since = datetime.now(UTC) - timedelta(minutes=5)
        for n in range(250):
            facebook_double.comment_as("Alice Example", f"View {n}", on=ours.remote_id)
        page = _listener(channel).mentions(None, since)
    finally:
        channel.close()

    assert len(page.items) == 100  # the posts call and one page of comments
    assert not page.complete
    assert page.cursor is None


def test_two_posts_commented_in_the_same_second_are_both_kept_and_never_repeated(
    facebook_double: FacebookDouble, facebook_channel: Channel
) -> None:
    listener = _listener(facebook_channel)
    ours = facebook_channel.publish(Rendered("k", "Same second."))
    second = float(int(time.time()))
    since = datetime.now(UTC) - timedelta(minutes=5)
    a = facebook_double.comment_as("Alice Example", "one", on=ours.remote_id, created_at=second)
    first = listener.mentions(None, since)
    b = facebook_double.comment_as("Bob Example", "two", on=ours.remote_id, created_at=second + 0.5)

    again = listener.mentions(first.cursor, since)

    assert [i.remote_id for i in first.items] == [a.id]
    assert [i.remote_id for i in again.items] == [b.id]


@pytest.mark.parametrize("code", [4, 17, 32, 613])
def test_a_rate_limit_while_listening_is_rate_limited_with_the_reset(
    facebook_double: FacebookDouble, facebook_channel: Channel, code: int
) -> None:
    ours = facebook_channel.publish(Rendered("k", "Busy."))
    facebook_double.comment_as("Alice Example", "hello", on=ours.remote_id)
    facebook_double.rate_limit_code = code
    facebook_double.faults.push("429", path="/comments")

    with pytest.raises(RateLimited) as raised:
        _listener(facebook_channel).mentions(None, datetime.now(UTC) - timedelta(minutes=5))

    assert raised.value.reset_at is not None


@pytest.mark.parametrize("fault", ["500", "503", "reset_after"])
def test_a_failed_listening_call_is_retryable(
    facebook_double: FacebookDouble, facebook_channel: Channel, fault: str
) -> None:
    facebook_double.faults.push(fault, path=POSTS)

    with pytest.raises(Retryable) as raised:
        _listener(facebook_channel).mentions(None, datetime.now(UTC))

    assert not isinstance(raised.value, OutcomeUnknown)


def test_a_hang_while_listening_is_retryable_not_unknown(facebook_double: FacebookDouble) -> None:
    facebook_double.faults.push("hang_before", path=POSTS)

    with impatient(facebook_double) as channel, pytest.raises(Retryable) as raised:
        _listener(channel).mentions(None, datetime.now(UTC))

    assert not isinstance(raised.value, OutcomeUnknown)


def test_a_reply_to_an_item_is_a_reply_under_that_comment(
    facebook_double: FacebookDouble, facebook_channel: Channel
) -> None:
    ours = facebook_channel.publish(Rendered("k", "Bins move to Saturday."))
    question = facebook_double.comment_as("Alice Example", "Which bins?", on=ours.remote_id)
    (item,) = (
        _listener(facebook_channel).mentions(None, datetime.now(UTC) - timedelta(minutes=1)).items
    )

    receipt = facebook_channel.publish(
        Rendered("answer-1", "All of them.", reply_to=item.remote_id)
    )

    answer = facebook_double.find(receipt.remote_id)
    assert answer is not None
    assert answer.reply_to == question.id


def test_a_comment_in_the_same_second_as_since_is_kept(
    facebook_double: FacebookDouble, facebook_channel: Channel
) -> None:
    ours = facebook_channel.publish(Rendered("k", "Whole seconds."))
    second = float(int(time.time()) - 10)
    comment = facebook_double.comment_as(
        "Alice Example", "just in time", on=ours.remote_id, created_at=second + 0.2
    )
    since = datetime.fromtimestamp(second + 0.7, UTC)

    page = _listener(facebook_channel).mentions(None, since)

    assert [item.remote_id for item in page.items] == [comment.id]
