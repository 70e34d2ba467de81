"""Reach on Facebook: reactions, comments and shares via fields=, 50 ids a call."""

from __future__ import annotations

import pytest

from channels.base import Channel, Figures, Measures, Rendered
from channels.errors import RateLimited, Retryable
from tests.fakes.facebook import FacebookDouble


def _measures(channel: Channel) -> Measures:
    assert isinstance(channel, Measures)
    return channel


def _batch_reads(double: FacebookDouble) -> list[dict[str, list[str]]]:
    return [r.query for r in double.requests if r.method == "GET" and r.arg("ids")]


def test_figures_are_read_from_the_summaries_and_shares(
    facebook_double: FacebookDouble, facebook_channel: Channel
) -> None:
    receipt = facebook_channel.publish(Rendered("k", "Leisure centre reopens."))
    facebook_double.set_figures(receipt.remote_id, reactions=12, comments=4, shares=3)

    figures = _measures(facebook_channel).metrics([receipt.remote_id])

    assert figures == {receipt.remote_id: Figures(likes=12, reposts=3, replies=4)}
    (call,) = _batch_reads(facebook_double)
    assert call["fields"] == [
        "reactions.summary(total_count).limit(0),comments.summary(total_count).limit(0),shares"
    ]


def test_comments_are_counted_from_the_posts_comments(
    facebook_double: FacebookDouble, facebook_channel: Channel
) -> None:
    receipt = facebook_channel.publish(Rendered("k", "Leisure centre reopens."))
    facebook_double.set_figures(receipt.remote_id, shares=1)
    facebook_double.comment_as("Alice Example", "Great", on=receipt.remote_id)
    facebook_double.comment_as("Bob Example", "When?", on=receipt.remote_id)

    (figures,) = _measures(facebook_channel).metrics([receipt.remote_id]).values()

    assert (figures.likes, figures.replies, figures.reposts) == (0, 2, 1)
    # Facebook gives neither to a Page token without insights.
    assert (figures.quotes, figures.impressions) == (None, None)


@pytest.mark.parametrize(
    ("omitted", "expected"),
    [
        ({"shares"}, Figures(likes=5, replies=0, reposts=None)),
        ({"reactions"}, Figures(likes=None, replies=0, reposts=2)),
        ({"reactions", "comments", "shares"}, Figures()),
    ],
)
def test_a_field_graph_leaves_out_is_none_not_zero(
    facebook_double: FacebookDouble,
    facebook_channel: Channel,
    omitted: set[str],
    expected: Figures,
) -> None:
    receipt = facebook_channel.publish(Rendered("k", "Leisure centre reopens."))
    facebook_double.set_figures(receipt.remote_id, reactions=5, shares=2)
    facebook_double.omitted = omitted

    assert _measures(facebook_channel).metrics([receipt.remote_id]) == {receipt.remote_id: expected}


def test_a_post_never_shared_has_no_share_figure(
    facebook_double: FacebookDouble, facebook_channel: Channel
) -> None:
    # Graph leaves "shares" out until a post is shared.
    receipt = facebook_channel.publish(Rendered("k", "Fresh post."))

    (figures,) = _measures(facebook_channel).metrics([receipt.remote_id]).values()

    assert figures.reposts is None


def test_a_deleted_post_is_left_out_and_the_rest_still_read(
    facebook_double: FacebookDouble, facebook_channel: Channel
) -> None:
    kept = facebook_channel.publish(Rendered("k1", "Still here."))
    gone = facebook_channel.publish(Rendered("k2", "Posted by mistake."))
    facebook_channel.delete(gone)

    figures = _measures(facebook_channel).metrics([kept.remote_id, gone.remote_id])

    assert set(figures) == {kept.remote_id}
    calls = _batch_reads(facebook_double)
    assert [c["ids"] for c in calls] == [
        [f"{kept.remote_id},{gone.remote_id}"],
        [kept.remote_id],
    ]


def test_only_deleted_posts_give_an_empty_answer(facebook_channel: Channel) -> None:
    gone = facebook_channel.publish(Rendered("k", "Posted by mistake."))
    facebook_channel.delete(gone)

    assert _measures(facebook_channel).metrics([gone.remote_id]) == {}


def test_120_ids_take_3_calls_of_at_most_50(
    facebook_double: FacebookDouble, facebook_channel: Channel
) -> None:
    ids = [facebook_double.post_as_page(f"Post {n}.").id for n in range(120)]

    figures = _measures(facebook_channel).metrics(ids + ids[:5])

    assert set(figures) == set(ids)
    sizes = [len(c["ids"][0].split(",")) for c in _batch_reads(facebook_double)]
    assert sizes == [50, 50, 20]
    assert _measures(facebook_channel).metrics_batch == 50


def test_no_ids_make_no_call(facebook_double: FacebookDouble, facebook_channel: Channel) -> None:
    assert _measures(facebook_channel).metrics([]) == {}
    assert _batch_reads(facebook_double) == []


@pytest.mark.parametrize("code", [4, 17, 32, 613])
def test_a_rate_limit_while_measuring_is_rate_limited(
    facebook_double: FacebookDouble, facebook_channel: Channel, code: int
) -> None:
    ids = [facebook_double.post_as_page(f"Post {n}.").id for n in range(80)]
    facebook_double.rate_limit_code = code
    facebook_double.faults.push("429", method="GET", after=1)

    with pytest.raises(RateLimited) as raised:
        _measures(facebook_channel).metrics(ids)

    assert raised.value.reset_at is not None


def test_a_5xx_while_measuring_is_retryable(
    facebook_double: FacebookDouble, facebook_channel: Channel
) -> None:
    ids = [facebook_double.post_as_page("Post.").id]
    facebook_double.faults.push("503", method="GET")

    with pytest.raises(Retryable):
        _measures(facebook_channel).metrics(ids)


def test_many_deleted_posts_in_one_batch_are_all_dropped(
    facebook_double: FacebookDouble, facebook_channel: Channel
) -> None:
    posts = [facebook_double.post_as_page(f"Post {n}.") for n in range(50)]
    for post in posts[::2]:
        post.deleted = True  # 25 gone: more than Graph's message shows in 200 characters

    figures = _measures(facebook_channel).metrics([p.id for p in posts])

    assert set(figures) == {p.id for p in posts[1::2]}
    assert len(_batch_reads(facebook_double)) <= 10


def test_when_graph_does_not_name_the_gone_ids_the_batch_is_read_one_by_one(
    facebook_double: FacebookDouble, facebook_channel: Channel
) -> None:
    posts = [facebook_double.post_as_page(f"Post {n}.") for n in range(4)]
    posts[1].deleted = True
    facebook_double.names_missing_ids = False

    figures = _measures(facebook_channel).metrics([p.id for p in posts])

    assert set(figures) == {posts[0].id, posts[2].id, posts[3].id}
    assert len(_batch_reads(facebook_double)) == 5  # the batch, then each of the four
