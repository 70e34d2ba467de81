"""Reconciliation on Facebook pages back by time: a lost answer cannot outrun the look-back."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from channels.base import Channel, Rendered
from channels.errors import OutcomeUnknown, RateLimited, Retryable
from tests.fakes.facebook import FacebookDouble
from tests.fakes.fixtures import build_channel, impatient

POSTS = f"/{FacebookDouble.page_id}/published_posts"


def _post_reads(double: FacebookDouble) -> list[dict[str, list[str]]]:
    return [r.query for r in double.requests if r.method == "GET" and r.path.endswith(POSTS)]


def _publish_then_bury(
    double: FacebookDouble, channel: Channel, others: int
) -> tuple[Rendered, datetime]:
    """Publish a post, then let "other tools" post ``others`` more on the Page."""
    attempt = datetime.now(UTC)
    rendered = Rendered("k-lost", "Water main repair on Elm Street: expect low pressure.")
    channel.publish(rendered)
    for n in range(others):
        double.post_as_page(f"Posted from Business Suite, number {n}.")
    return rendered, attempt


def test_find_existing_pages_back_past_250_newer_posts_and_finds_it_once(
    facebook_double: FacebookDouble, facebook_channel: Channel
) -> None:
    rendered, attempt = _publish_then_bury(facebook_double, facebook_channel, 250)
    (published,) = [p for p in facebook_double.posts if p.text == rendered.text]

    receipt = facebook_channel.find_existing(rendered, since=attempt)

    assert receipt is not None
    assert receipt.remote_id == published.id
    calls = _post_reads(facebook_double)
    assert len(calls) == 3  # 100 + 100 + the page holding it
    assert [c["limit"] for c in calls] == [["100"]] * 3
    since = str(int((attempt - timedelta(seconds=60)).timestamp()))
    assert all(c["since"] == [since] for c in calls)
    assert "__paging_token" not in calls[0]
    assert all(c.get("__paging_token") and c.get("until") for c in calls[1:])
    assert [p.text for p in facebook_double.posts].count(rendered.text) == 1


def test_with_too_small_a_budget_find_existing_says_why_it_cannot_tell(
    facebook_double: FacebookDouble,
) -> None:
    channel = build_channel(facebook_double, reconcile_pages=2)
    try:
        rendered, attempt = _publish_then_bury(facebook_double, channel, 250)

        with pytest.raises(OutcomeUnknown) as raised:
            channel.find_existing(rendered, since=attempt)
    finally:
        channel.close()

    message = str(raised.value)
    assert "could not look back to" in message
    assert "more than 200 posts since" in message
    assert "look at the Page" in message
    assert len(_post_reads(facebook_double)) == 2


def test_find_existing_reads_no_further_than_the_attempt_and_then_says_not_found(
    facebook_double: FacebookDouble, facebook_channel: Channel
) -> None:
    long_ago = time.time() - 3 * 86400
    # The same words posted days before the attempt are another post.
    facebook_double.post_as_page("Bins move to Saturday this week.", created_at=long_ago)
    for n in range(120):
        facebook_double.post_as_page(f"Later post {n}.", created_at=long_ago + 3600 + n)
    attempt = datetime.now(UTC)
    facebook_double.post_as_page("Something else, after the attempt.")

    found = facebook_channel.find_existing(
        Rendered("k", "Bins move to Saturday this week."), since=attempt
    )

    assert found is None
    assert len(_post_reads(facebook_double)) == 1  # Graph kept to since: one short page


@pytest.mark.parametrize("code", [4, 17, 32, 613])
def test_a_rate_limit_code_while_paging_back_is_rate_limited(
    facebook_double: FacebookDouble, facebook_channel: Channel, code: int
) -> None:
    rendered, attempt = _publish_then_bury(facebook_double, facebook_channel, 250)
    facebook_double.rate_limit_code = code
    facebook_double.faults.push("429", path=POSTS, after=1)

    with pytest.raises(RateLimited) as raised:
        facebook_channel.find_existing(rendered, since=attempt)

    assert f"code {code}" in str(raised.value)
    reset = raised.value.reset_at
    assert reset is not None  # the usage header's estimated_time_to_regain_access: 5 minutes
    assert abs((reset - (datetime.now(UTC) + timedelta(minutes=5))).total_seconds()) < 60
    assert len(_post_reads(facebook_double)) == 2


@pytest.mark.parametrize("fault", ["500", "503", "html_502", "reset_after"])
def test_a_failed_page_while_paging_back_is_retryable_not_unknown(
    facebook_double: FacebookDouble, facebook_channel: Channel, fault: str
) -> None:
    rendered, attempt = _publish_then_bury(facebook_double, facebook_channel, 150)
    facebook_double.faults.push(fault, path=POSTS, after=1)

    with pytest.raises(Retryable) as raised:
        facebook_channel.find_existing(rendered, since=attempt)

    assert not isinstance(raised.value, OutcomeUnknown)


def test_a_hang_while_paging_back_is_retryable_not_unknown(
    facebook_double: FacebookDouble,
) -> None:
    rendered = Rendered("k", "Anything at all.")
    facebook_double.faults.push("hang_before", path=POSTS)

    with impatient(facebook_double) as channel, pytest.raises(Retryable) as raised:
        channel.find_existing(rendered, since=datetime.now(UTC))

    assert not isinstance(raised.value, OutcomeUnknown)


def test_without_a_time_find_existing_reads_the_newest_page_only(
    facebook_double: FacebookDouble,
) -> None:
    channel = build_channel(facebook_double, lookback=7)
    try:
        rendered, _ = _publish_then_bury(facebook_double, channel, 10)
        assert channel.find_existing(rendered) is None
    finally:
        channel.close()

    (call,) = _post_reads(facebook_double)
    assert call["limit"] == ["7"]
    assert "since" not in call


def test_a_facebook_channel_reports_no_fixed_look_back(facebook_channel: Channel) -> None:
    assert facebook_channel.lookback is None


def test_a_reply_is_found_under_its_parent_past_150_newer_comments(
    facebook_double: FacebookDouble, facebook_channel: Channel
) -> None:
    parent = facebook_channel.publish(Rendered("k1", "Ticket 12: investigating."))
    attempt = datetime.now(UTC)
    reply = facebook_channel.publish(Rendered("k2", "Fixed.", reply_to=parent.remote_id))
    for n in range(150):
        facebook_double.comment_as("Alice Example", f"Thanks {n}", on=parent.remote_id)

    found = facebook_channel.find_existing(
        Rendered("k2", "Fixed.", reply_to=parent.remote_id), since=attempt
    )

    assert found == reply
    reads = [r.query for r in facebook_double.requests if r.path.endswith("/comments")]
    reads = [q for q in reads if q.get("order")]
    assert len(reads) == 2
    assert all(q["order"] == ["reverse_chronological"] for q in reads)
    assert reads[1].get("after")


def test_the_same_words_under_another_parent_are_not_the_reply(
    facebook_double: FacebookDouble, facebook_channel: Channel
) -> None:
    attempt = datetime.now(UTC)
    first = facebook_channel.publish(Rendered("k1", "Ticket 12: investigating."))
    other = facebook_channel.publish(Rendered("k2", "Ticket 13: investigating."))
    facebook_channel.publish(Rendered("k3", "Fixed.", reply_to=first.remote_id))

    found = facebook_channel.find_existing(
        Rendered("k4", "Fixed.", reply_to=other.remote_id), since=attempt
    )

    assert found is None
