"""Reconciliation on X pages back by time: a lost answer cannot outrun the look-back."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from channels.base import Channel, Rendered
from channels.errors import DuplicateContent, OutcomeUnknown, PermanentError, RateLimited
from tests.fakes.fixtures import build_channel, publish_then_bury
from tests.fakes.x import XDouble

TIMELINE = f"/2/users/{XDouble.user_id}/tweets"


def _timeline_calls(double: XDouble) -> list[dict[str, list[str]]]:
    return [r.query for r in double.requests if r.method == "GET" and r.path == TIMELINE]


def test_find_existing_pages_back_past_250_newer_posts(x_double: XDouble) -> None:
    channel = build_channel(x_double)
    rendered, attempt = publish_then_bury(x_double, channel, 250)
    published = x_double.posts[0]

    receipt = channel.find_existing(rendered, since=attempt)

    assert receipt is not None
    assert receipt.remote_id == published.id
    calls = _timeline_calls(x_double)
    assert len(calls) == 3  # 100 + 100 + the page holding it
    assert [c.get("max_results") for c in calls] == [["100"]] * 3
    start = (attempt - timedelta(seconds=60)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert all(c["start_time"] == [start] for c in calls)
    assert "pagination_token" not in calls[0]
    assert all("pagination_token" in c for c in calls[1:])


def test_find_existing_with_too_small_a_budget_says_why_it_cannot_tell(x_double: XDouble) -> None:
    channel = build_channel(x_double, reconcile_pages=2)
    rendered, attempt = publish_then_bury(x_double, channel, 250)

    with pytest.raises(OutcomeUnknown) as raised:
        channel.find_existing(rendered, since=attempt)

    message = str(raised.value)
    assert "could not look back to" in message
    assert "more than 200 posts since" in message
    assert "look at the account" in message
    assert len(_timeline_calls(x_double)) == 2


def test_find_existing_reads_no_further_than_the_attempt_and_then_says_not_found(
    x_double: XDouble,
) -> None:
    channel = build_channel(x_double)
    long_ago = time.time() - 3 * 86400
    # The same words posted days before the attempt are another post.
    x_double.post_as_account("Bins move to Saturday this week.", created_at=long_ago)
    for n in range(120):
        x_double.post_as_account(f"Later post {n}.", created_at=long_ago + 3600 + n)
    attempt = datetime.now(UTC)
    x_double.post_as_account("Something else, after the attempt.")

    found = channel.find_existing(Rendered("k", "Bins move to Saturday this week."), since=attempt)

    assert found is None
    assert len(_timeline_calls(x_double)) == 1  # X kept to start_time: one short page


def test_a_429_while_paging_back_is_rate_limited_with_the_reset(x_double: XDouble) -> None:
    channel = build_channel(x_double)
    rendered, attempt = publish_then_bury(x_double, channel, 250)
    x_double.rate_limit_seconds = 600
    x_double.faults.push("429", path=TIMELINE, after=1)

    with pytest.raises(RateLimited) as raised:
        channel.find_existing(rendered, since=attempt)

    reset = raised.value.reset_at
    assert reset is not None
    assert abs((reset - (datetime.now(UTC) + timedelta(seconds=600))).total_seconds()) < 5
    assert len(_timeline_calls(x_double)) == 2


def test_without_a_time_find_existing_reads_the_newest_page_only(x_double: XDouble) -> None:
    channel = build_channel(x_double, lookback=7)
    rendered, _ = publish_then_bury(x_double, channel, 10)

    assert channel.find_existing(rendered) is None
    (call,) = _timeline_calls(x_double)
    assert call["max_results"] == ["7"]
    assert "start_time" not in call


def test_an_x_channel_reports_no_fixed_look_back(x_channel: Channel) -> None:
    assert x_channel.lookback is None


def test_a_reply_is_found_only_under_its_own_parent(x_double: XDouble, x_channel: Channel) -> None:
    attempt = datetime.now(UTC)
    first = x_channel.publish(Rendered("k1", "Ticket 12: investigating."))
    other = x_channel.publish(Rendered("k2", "Ticket 13: investigating."))
    reply = x_channel.publish(Rendered("k3", "Fixed.", reply_to=first.remote_id))

    assert x_channel.find_existing(Rendered("k3", "Fixed.", reply_to=first.remote_id), attempt) == (
        reply
    )
    assert (
        x_channel.find_existing(Rendered("k4", "Fixed.", reply_to=other.remote_id), attempt) is None
    )


def test_posting_the_same_text_twice_is_refused_as_duplicate_content() -> None:
    with XDouble(refuse_duplicates=True) as double:
        channel = build_channel(double)
        try:
            attempt = datetime.now(UTC)
            rendered = Rendered("k", "Our offices close at 3pm on Friday.")
            first = channel.publish(rendered)

            with pytest.raises(DuplicateContent) as raised:
                channel.publish(rendered)

            # A permanent refusal on a first attempt; on a retry, a reason to look.
            assert isinstance(raised.value, PermanentError)
            assert "duplicate content" in str(raised.value)
            assert channel.find_existing(rendered, since=attempt) == first
        finally:
            channel.close()


def test_a_post_older_than_the_newest_3200_cannot_be_told_found_or_not(x_double: XDouble) -> None:
    channel = build_channel(x_double, reconcile_pages=40)
    rendered, attempt = publish_then_bury(x_double, channel, 3200)

    with pytest.raises(OutcomeUnknown) as raised:
        channel.find_existing(rendered, since=attempt)

    assert "newest 3,200 posts" in str(raised.value)
    assert len(_timeline_calls(x_double)) == 32
