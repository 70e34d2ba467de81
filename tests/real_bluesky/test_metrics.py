"""Reach against the reference stack: the AppView's counts of our posts (getPosts)."""

from __future__ import annotations

import pytest

from channels.base import Channel, Figures, Measures, Rendered
from tests.real_bluesky.others import eventually, like, post_as, repost, strong_ref
from tests.real_bluesky.stack import Account, Stack, new_account

pytestmark = pytest.mark.real_bluesky


def test_likes_reposts_replies_and_quotes_are_counted_and_deleted_posts_left_out(
    real_stack: Stack, account: Account, channel: Channel
) -> None:
    assert isinstance(channel, Measures)
    fans = [new_account(real_stack, f"f{n}") for n in range(2)]
    ours = strong_ref(real_stack, channel.publish(Rendered("k", "Pool reopens.")).remote_id)
    gone = channel.publish(Rendered("k2", "Posted by mistake."))
    for fan in fans:
        like(real_stack, fan, ours)
    repost(real_stack, fans[0], ours)
    post_as(real_stack, fans[0], "Great news", reply_to=ours)
    post_as(real_stack, fans[1], "Finally", quote_of=ours)
    channel.delete(gone)
    wanted = Figures(likes=2, reposts=1, replies=1, quotes=1)

    figures = eventually(
        lambda: channel.metrics([ours["uri"], gone.remote_id]),
        # The AppView indexes the likes and the delete a moment after the PDS.
        lambda f: f.get(ours["uri"]) == wanted and gone.remote_id not in f,
    )

    assert figures == {ours["uri"]: wanted}
