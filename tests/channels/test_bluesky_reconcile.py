"""Reconciliation on Bluesky: the account's records on the PDS, paged back by
cursor to the attempt's time, found by the mark each post carries."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from channels.base import Channel, Rendered
from channels.errors import OutcomeUnknown
from tests.fakes.bluesky import BlueskyDouble
from tests.fakes.fixtures import build_channel

LIST = "/xrpc/com.atproto.repo.listRecords"


def _pages(double: BlueskyDouble) -> list[dict[str, list[str]]]:
    return [r.query for r in double.requests if r.path == LIST]


def test_a_post_behind_250_newer_ones_is_found_by_paging_back_to_the_attempt(
    bluesky_double: BlueskyDouble, bluesky_channel: Channel
) -> None:
    since = datetime.now(UTC)
    rendered = Rendered("k-1", "Council meeting moved to Thursday.")
    receipt = bluesky_channel.publish(rendered)
    for n in range(250):
        bluesky_double.own_post(f"Made in another app {n}.")

    found = bluesky_channel.find_existing(rendered, since)

    assert found == receipt
    pages = _pages(bluesky_double)
    assert len(pages) == 3
    assert all(p["limit"] == ["100"] for p in pages)
    assert "cursor" not in pages[0]
    assert pages[1]["cursor"]
    assert pages[2]["cursor"]


def test_without_a_time_only_the_newest_lookback_records_are_read(
    bluesky_double: BlueskyDouble,
) -> None:
    channel = build_channel(bluesky_double, lookback=7)
    try:
        rendered = Rendered("k-1", "Old news.")
        channel.publish(rendered)
        for n in range(10):
            bluesky_double.own_post(f"Newer {n}.")

        assert channel.find_existing(rendered) is None
    finally:
        channel.close()
    assert [p["limit"] for p in _pages(bluesky_double)] == [["7"]]


def test_not_published_is_told_once_the_pages_reach_before_the_attempt(
    bluesky_double: BlueskyDouble, bluesky_channel: Channel
) -> None:
    for n in range(150):
        bluesky_double.own_post(f"Last week {n}.", created_at=time.time() - 7 * 86400)
    for n in range(150):
        bluesky_double.own_post(f"Today {n}.")

    found = bluesky_channel.find_existing(Rendered("k", "Never sent."), datetime.now(UTC))

    assert found is None
    assert len(_pages(bluesky_double)) == 2


def test_more_posts_since_the_attempt_than_the_budget_reads_is_unknown(
    bluesky_double: BlueskyDouble,
) -> None:
    channel = build_channel(bluesky_double, reconcile_pages=2)
    since = datetime.now(UTC) - timedelta(minutes=5)
    try:
        for n in range(250):
            bluesky_double.own_post(f"Busy {n}.")
        with pytest.raises(OutcomeUnknown, match="more than 200 posts since"):
            channel.find_existing(Rendered("k", "Lost in the crowd."), since)
    finally:
        channel.close()


def test_the_same_words_from_another_delivery_are_not_this_post(
    bluesky_channel: Channel,
) -> None:
    since = datetime.now(UTC)
    bluesky_channel.publish(Rendered("first", "Bins go out on Friday."))

    assert (
        bluesky_channel.find_existing(Rendered("second", "Bins go out on Friday."), since) is None
    )


def test_a_post_made_before_posts_carried_their_mark_is_found_by_its_words(
    bluesky_double: BlueskyDouble, bluesky_channel: Channel
) -> None:
    since = datetime.now(UTC)
    old = bluesky_double.own_post("Posted by an older oyez.")

    found = bluesky_channel.find_existing(Rendered("k", "Posted by an older oyez."), since)

    assert found is not None
    assert found.remote_id == old.id
