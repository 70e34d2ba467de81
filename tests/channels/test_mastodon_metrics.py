"""Reach on Mastodon: favourites, reblogs and replies, 40 statuses a call, one each before 4.3."""

from __future__ import annotations

import pytest

from channels.base import Channel, Figures, Measures, Rendered
from channels.errors import RateLimited
from tests.fakes.fixtures import build_channel
from tests.fakes.mastodon import MastodonDouble


def _measures(channel: Channel) -> Measures:
    assert isinstance(channel, Measures)
    return channel


def _lookups(double: MastodonDouble) -> list[dict[str, list[str]]]:
    return [r.query for r in double.requests if r.method == "GET" and r.path == "/api/v1/statuses"]


def _singles(double: MastodonDouble) -> int:
    return sum(
        1 for r in double.requests if r.method == "GET" and r.path.startswith("/api/v1/statuses/")
    )


def test_figures_are_the_statuses_counts_and_mastodon_has_no_quotes_or_impressions(
    mastodon_double: MastodonDouble, mastodon_channel: Channel
) -> None:
    receipt = mastodon_channel.publish(Rendered("k", "Leisure centre reopens."))
    mastodon_double.set_counts(
        receipt.remote_id, favourites_count=12, reblogs_count=3, replies_count=2
    )

    figures = _measures(mastodon_channel).metrics([receipt.remote_id])

    assert figures == {receipt.remote_id: Figures(likes=12, reposts=3, replies=2)}
    assert figures[receipt.remote_id].quotes is None
    assert figures[receipt.remote_id].impressions is None


def test_100_ids_take_3_calls_of_at_most_40_and_deleted_ones_are_left_out(
    mastodon_double: MastodonDouble, mastodon_channel: Channel
) -> None:
    ids = [mastodon_double.post_as_account(f"Post {n}.").id for n in range(100)]
    gone = mastodon_channel.publish(Rendered("k", "Posted by mistake."))
    mastodon_channel.delete(gone)

    figures = _measures(mastodon_channel).metrics([*ids, gone.remote_id])

    assert set(figures) == set(ids)
    assert [len(call["id[]"]) for call in _lookups(mastodon_double)] == [40, 40, 21]
    assert _measures(mastodon_channel).metrics_batch == 40


def test_an_instance_before_4_3_is_asked_one_status_at_a_time(
    mastodon_double: MastodonDouble,
) -> None:
    mastodon_double.multi_get = False
    ids = [mastodon_double.post_as_account(f"Post {n}.").id for n in range(5)]
    mastodon_double.set_counts(ids[0], favourites_count=4)
    gone = mastodon_double.post_as_account("Gone.")
    gone.deleted = True
    channel = build_channel(mastodon_double)
    try:
        first = _measures(channel).metrics([*ids, gone.id])
        _measures(channel).metrics(ids[:2])
    finally:
        channel.close()

    assert set(first) == set(ids)
    assert first[ids[0]].likes == 4
    assert len(_lookups(mastodon_double)) == 1  # the 404 is remembered
    assert _singles(mastodon_double) == 6 + 2


def test_no_ids_make_no_call(mastodon_double: MastodonDouble, mastodon_channel: Channel) -> None:
    assert _measures(mastodon_channel).metrics([]) == {}
    assert _lookups(mastodon_double) == []


def test_a_429_while_measuring_is_rate_limited_with_the_reset(
    mastodon_double: MastodonDouble, mastodon_channel: Channel
) -> None:
    ids = [mastodon_double.post_as_account(f"Post {n}.").id for n in range(50)]
    mastodon_double.faults.push("429", path="/api/v1/statuses", method="GET", after=1)

    with pytest.raises(RateLimited) as raised:
        _measures(mastodon_channel).metrics(ids)

    assert raised.value.reset_at is not None
