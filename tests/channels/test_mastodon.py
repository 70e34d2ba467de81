"""The Mastodon channel against the Mastodon double."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from channels.base import Channel, Media, Rendered
from channels.errors import OutcomeUnknown, RateLimited
from channels.mastodon import idempotency_key
from tests.fakes.fixtures import build_channel, impatient
from tests.fakes.mastodon import MastodonDouble


def test_a_retry_of_the_same_delivery_never_posts_twice(
    mastodon_double: MastodonDouble, mastodon_channel: Channel
) -> None:
    rendered = Rendered("delivery-42", "Once only.")
    mastodon_double.faults.push("hang_after", path=mastodon_double.post_path)
    with impatient(mastodon_double) as channel, pytest.raises(OutcomeUnknown):
        channel.publish(rendered)

    receipt = mastodon_channel.publish(rendered)

    assert mastodon_double.texts() == ["Once only."]
    assert receipt.remote_id == mastodon_double.posts[0].id


def test_the_idempotency_key_is_stable_and_reveals_nothing_of_the_delivery_key() -> None:
    key = idempotency_key("post-7:channel-3")

    assert key == idempotency_key("post-7:channel-3")
    assert key != idempotency_key("post-7:channel-4")
    assert "post-7" not in key


def test_limits_come_from_the_instance(mastodon_double: MastodonDouble) -> None:
    mastodon_double.max_characters = 1000
    channel = build_channel(mastodon_double)
    try:
        assert channel.limits.max_length == 1000
    finally:
        channel.close()


def test_limits_fall_back_to_500_when_the_instance_cannot_say(
    mastodon_double: MastodonDouble,
) -> None:
    mastodon_double.max_characters = 1000
    mastodon_double.faults.push("503", path="/api/v2/instance")
    channel = build_channel(mastodon_double)
    try:
        assert channel.limits.max_length == 500
        assert channel.limits.max_length == 1000  # asked again, not cached
    finally:
        channel.close()


def test_a_rate_limit_is_raised_at_once_never_slept_through(
    mastodon_double: MastodonDouble, mastodon_channel: Channel
) -> None:
    mastodon_double.rate_limit_seconds = 300
    mastodon_double.faults.push("429", path=mastodon_double.post_path)
    started = time.monotonic()

    with pytest.raises(RateLimited):
        mastodon_channel.publish(Rendered("k", "Wait for it."))

    assert time.monotonic() - started < 2


def test_media_goes_up_with_its_description_and_replies_thread(
    mastodon_double: MastodonDouble, mastodon_channel: Channel, tmp_path: Path
) -> None:
    image = tmp_path / "poster.jpg"
    image.write_bytes(b"\xff\xd8 fake jpeg")
    first = mastodon_channel.publish(Rendered("k1", "Event poster."))

    mastodon_channel.publish(
        Rendered("k2", "Details.", media=(Media(image, "Poster"),), reply_to=first.remote_id)
    )

    reply = mastodon_double.posts[-1]
    assert reply.reply_to == first.remote_id
    assert [m["description"] for m in reply.extra["media"]] == ["Poster"]


def test_find_existing_reads_the_html_the_instance_returns(mastodon_channel: Channel) -> None:
    rendered = Rendered("k", "Line one & <two>\nline three\n\nNew paragraph https://example.com")
    receipt = mastodon_channel.publish(rendered)

    assert mastodon_channel.find_existing(rendered) == receipt
