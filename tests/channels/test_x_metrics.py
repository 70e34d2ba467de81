"""Reach on X: public_metrics of published tweets, 100 ids a call, deleted ones left out."""

from __future__ import annotations

import pytest

from channels.base import Channel, Figures, Measures, Rendered
from channels.errors import RateLimited
from tests.fakes.x import XDouble


def _measures(channel: Channel) -> Measures:
    assert isinstance(channel, Measures)
    return channel


def _lookups(double: XDouble) -> list[dict[str, list[str]]]:
    return [r.query for r in double.requests if r.method == "GET" and r.path == "/2/tweets"]


def test_figures_are_read_from_public_metrics(x_double: XDouble, x_channel: Channel) -> None:
    receipt = x_channel.publish(Rendered("k", "Leisure centre reopens."))
    x_double.set_metrics(
        receipt.remote_id,
        like_count=12,
        retweet_count=3,
        reply_count=2,
        quote_count=1,
        impression_count=480,
    )

    figures = _measures(x_channel).metrics([receipt.remote_id])

    assert figures == {
        receipt.remote_id: Figures(likes=12, reposts=3, replies=2, quotes=1, impressions=480)
    }
    (call,) = _lookups(x_double)
    assert call["tweet.fields"] == ["public_metrics"]


def test_impressions_are_none_where_the_tier_gives_none(
    x_double: XDouble, x_channel: Channel
) -> None:
    receipt = x_channel.publish(Rendered("k", "Leisure centre reopens."))
    x_double.set_metrics(receipt.remote_id, like_count=4)
    x_double.impressions = False

    (figures,) = _measures(x_channel).metrics([receipt.remote_id]).values()

    assert figures.impressions is None
    assert figures.likes == 4
    assert figures.reposts == 0  # X counts it, so it is a real zero


def test_a_deleted_tweet_is_absent_from_the_answer(x_double: XDouble, x_channel: Channel) -> None:
    kept = x_channel.publish(Rendered("k1", "Still here."))
    gone = x_channel.publish(Rendered("k2", "Posted by mistake."))
    x_channel.delete(gone)

    figures = _measures(x_channel).metrics([kept.remote_id, gone.remote_id])

    assert set(figures) == {kept.remote_id}


def test_only_deleted_tweets_give_an_empty_answer(x_channel: Channel) -> None:
    gone = x_channel.publish(Rendered("k", "Posted by mistake."))
    x_channel.delete(gone)

    assert _measures(x_channel).metrics([gone.remote_id]) == {}


def test_250_ids_take_3_calls_of_at_most_100(x_double: XDouble, x_channel: Channel) -> None:
    ids = [x_double.post_as_account(f"Post {n}.").id for n in range(250)]

    figures = _measures(x_channel).metrics(ids)

    assert set(figures) == set(ids)
    sizes = [len(call["ids"][0].split(",")) for call in _lookups(x_double)]
    assert sizes == [100, 100, 50]
    assert _measures(x_channel).metrics_batch == 100


def test_no_ids_make_no_call(x_double: XDouble, x_channel: Channel) -> None:
    assert _measures(x_channel).metrics([]) == {}
    assert _lookups(x_double) == []


def test_a_429_while_measuring_is_rate_limited_with_the_reset(
    x_double: XDouble, x_channel: Channel
) -> None:
    ids = [x_double.post_as_account(f"Post {n}.").id for n in range(150)]
    x_double.faults.push("429", path="/2/tweets", method="GET", after=1)

    with pytest.raises(RateLimited) as raised:
        _measures(x_channel).metrics(ids)

    assert raised.value.reset_at is not None
