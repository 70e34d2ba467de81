"""Reconciliation on Mastodon pages back by time: a lost answer cannot outrun the look-back."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from channels.base import Channel, Rendered
from channels.errors import OutcomeUnknown, RateLimited
from tests.fakes.fixtures import build_channel, publish_then_bury
from tests.fakes.mastodon import MastodonDouble

TIMELINE = f"/api/v1/accounts/{MastodonDouble.account_id}/statuses"


def _timeline_calls(double: MastodonDouble) -> list[dict[str, list[str]]]:
    return [r.query for r in double.requests if r.method == "GET" and r.path == TIMELINE]


def test_find_existing_pages_back_past_250_newer_statuses(mastodon_double: MastodonDouble) -> None:
    channel = build_channel(mastodon_double)
    try:
        rendered, attempt = publish_then_bury(mastodon_double, channel, 250)
        published = mastodon_double.posts[0]

        receipt = channel.find_existing(rendered, since=attempt)
        again = channel.publish(rendered)  # a retry with the same key makes nothing new
    finally:
        channel.close()

    assert receipt is not None
    assert receipt.remote_id == published.id == again.remote_id
    assert mastodon_double.texts().count(rendered.text) == 1
    calls = _timeline_calls(mastodon_double)
    assert len(calls) == 7  # 6 full pages of 40, then the page holding it
    assert all(c["limit"] == ["40"] for c in calls)
    floor = int((attempt - timedelta(seconds=60)).timestamp()) * 1000 << 16
    assert all(c["since_id"] == [str(floor)] for c in calls)
    assert "max_id" not in calls[0]
    assert all("max_id" in c for c in calls[1:])


def test_with_too_small_a_budget_find_existing_says_why_it_cannot_tell(
    mastodon_double: MastodonDouble,
) -> None:
    channel = build_channel(mastodon_double, reconcile_pages=2)
    try:
        rendered, attempt = publish_then_bury(mastodon_double, channel, 250)
        with pytest.raises(OutcomeUnknown) as raised:
            channel.find_existing(rendered, since=attempt)
    finally:
        channel.close()

    message = str(raised.value)
    assert "could not look back to" in message
    assert "more than 80 statuses since" in message
    assert "look at the account" in message
    assert len(_timeline_calls(mastodon_double)) == 2


def test_find_existing_reads_no_further_than_the_attempt_and_then_says_not_found(
    mastodon_double: MastodonDouble, mastodon_channel: Channel
) -> None:
    long_ago = time.time() - 3 * 86400
    mastodon_double.post_as_account("Bins move to Saturday this week.", created_at=long_ago)
    for n in range(120):
        mastodon_double.post_as_account(f"Later post {n}.", created_at=long_ago + 3600 + n)
    attempt = datetime.now(UTC)
    mastodon_double.post_as_account("Something else, after the attempt.")

    found = mastodon_channel.find_existing(
        Rendered("k", "Bins move to Saturday this week."), since=attempt
    )

    assert found is None
    assert len(_timeline_calls(mastodon_double)) == 1  # since_id kept it to one short page


def test_a_429_while_paging_back_is_rate_limited_with_the_reset(
    mastodon_double: MastodonDouble,
) -> None:
    channel = build_channel(mastodon_double)
    try:
        rendered, attempt = publish_then_bury(mastodon_double, channel, 250)
        mastodon_double.rate_limit_seconds = 600
        mastodon_double.faults.push("429", path=TIMELINE, after=1)
        with pytest.raises(RateLimited) as raised:
            channel.find_existing(rendered, since=attempt)
    finally:
        channel.close()

    reset = raised.value.reset_at
    assert reset is not None
    assert abs((reset - (datetime.now(UTC) + timedelta(seconds=600))).total_seconds()) < 5
    assert len(_timeline_calls(mastodon_double)) == 2


def test_without_a_time_find_existing_reads_the_newest_page_only(
    mastodon_double: MastodonDouble,
) -> None:
    channel = build_channel(mastodon_double, lookback=7)
    try:
        rendered, _ = publish_then_bury(mastodon_double, channel, 10)
        assert channel.find_existing(rendered) is None
        assert channel.lookback is None
    finally:
        channel.close()

    (call,) = _timeline_calls(mastodon_double)
    assert call["limit"] == ["7"]
    assert "since_id" not in call


def test_a_reply_is_found_only_under_its_own_parent(mastodon_channel: Channel) -> None:
    attempt = datetime.now(UTC)
    first = mastodon_channel.publish(Rendered("k1", "Ticket 12: investigating."))
    other = mastodon_channel.publish(Rendered("k2", "Ticket 13: investigating."))
    reply = mastodon_channel.publish(Rendered("k3", "Fixed.", reply_to=first.remote_id))

    assert (
        mastodon_channel.find_existing(Rendered("k3", "Fixed.", reply_to=first.remote_id), attempt)
        == reply
    )
    assert (
        mastodon_channel.find_existing(Rendered("k4", "Fixed.", reply_to=other.remote_id), attempt)
        is None
    )
