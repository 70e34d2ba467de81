"""Reach on Bluesky: likes, reposts, replies and quotes from getPosts, 25 posts a call."""

from __future__ import annotations

import pytest

from channels.base import Channel, Figures, Measures, Rendered
from channels.errors import RateLimited, Retryable
from tests.fakes.bluesky import BlueskyDouble

GET_POSTS = "/xrpc/app.bsky.feed.getPosts"


def _measures(channel: Channel) -> Measures:
    assert isinstance(channel, Measures)
    return channel


def _lookups(double: BlueskyDouble) -> list[list[str]]:
    return [r.query.get("uris", []) for r in double.requests if r.path == GET_POSTS]


def test_figures_are_the_posts_counts_and_bluesky_has_no_impressions(
    bluesky_double: BlueskyDouble, bluesky_channel: Channel
) -> None:
    receipt = bluesky_channel.publish(Rendered("k", "Leisure centre reopens."))
    bluesky_double.catch_up()
    bluesky_double.set_counts(
        receipt.remote_id, likeCount=12, repostCount=3, replyCount=2, quoteCount=1
    )

    figures = _measures(bluesky_channel).metrics([receipt.remote_id])

    assert figures == {receipt.remote_id: Figures(likes=12, reposts=3, replies=2, quotes=1)}
    assert figures[receipt.remote_id].impressions is None


def test_60_posts_take_3_calls_of_at_most_25_and_deleted_ones_are_left_out(
    bluesky_double: BlueskyDouble, bluesky_channel: Channel
) -> None:
    uris = [bluesky_channel.publish(Rendered(f"k{n}", f"Post {n}.")).remote_id for n in range(59)]
    gone = bluesky_channel.publish(Rendered("gone", "Posted by mistake."))
    bluesky_double.catch_up()
    bluesky_channel.delete(gone)

    figures = _measures(bluesky_channel).metrics([*uris, gone.remote_id, uris[0]])

    assert set(figures) == set(uris)
    assert [len(call) for call in _lookups(bluesky_double)] == [25, 25, 10]
    assert _measures(bluesky_channel).metrics_batch == 25


def test_a_post_the_appview_has_not_indexed_yet_is_there_without_figures(
    bluesky_double: BlueskyDouble, bluesky_channel: Channel
) -> None:
    receipt = bluesky_channel.publish(Rendered("k", "Just posted."))  # not indexed yet

    figures = _measures(bluesky_channel).metrics([receipt.remote_id])

    assert figures == {receipt.remote_id: Figures()}


@pytest.mark.parametrize(("fault", "error"), [("429", RateLimited), ("503", Retryable)])
def test_a_failed_measuring_call_is_rate_limited_or_retryable(
    bluesky_double: BlueskyDouble, bluesky_channel: Channel, fault: str, error: type[Exception]
) -> None:
    receipt = bluesky_channel.publish(Rendered("k", "Measured."))
    bluesky_double.faults.push(fault, path=GET_POSTS)

    with pytest.raises(error):
        _measures(bluesky_channel).metrics([receipt.remote_id])
