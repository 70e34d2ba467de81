"""The X channel against the X API v2 double."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from channels.base import Channel, Media, Rendered
from channels.errors import RateLimited
from tests.fakes.fixtures import build_channel
from tests.fakes.x import XDouble


def test_requests_go_to_the_configured_host_signed_for_it(
    x_double: XDouble, x_channel: Channel
) -> None:
    x_channel.publish(Rendered("k", "Signed for the host it reaches."))

    # The double checks every OAuth 1.0a signature against its own address.
    assert x_double.seen == [("POST", "/2/tweets")]
    assert x_double.requests[0].headers["Authorization"].startswith("OAuth ")


def test_a_reply_and_a_quote_carry_their_parent_ids(x_double: XDouble, x_channel: Channel) -> None:
    first = x_channel.publish(Rendered("k1", "First."))
    x_channel.publish(Rendered("k2", "Second.", reply_to=first.remote_id, quote_of=first.remote_id))

    second = x_double.posts[-1]
    assert second.reply_to == first.remote_id
    assert second.extra["quote_tweet_id"] == first.remote_id


def test_images_are_uploaded_with_their_alt_text(
    x_double: XDouble, x_channel: Channel, tmp_path: Path
) -> None:
    image = tmp_path / "chart.png"
    image.write_bytes(b"\x89PNG fake")

    x_channel.publish(Rendered("k", "With a chart.", media=(Media(image, "Bar chart of patches"),)))

    (media,) = x_double.posts[-1].extra["media"]
    assert media["alt"] == "Bar chart of patches"
    assert media["category"] == "tweet_image"
    assert media["type"] == "image/png"


def test_find_existing_sees_through_tco_links_and_escaped_ampersands(
    x_channel: Channel,
) -> None:
    rendered = Rendered("k", "Q&A <live> at https://example.com/qa?x=1&y=2")
    receipt = x_channel.publish(rendered)

    assert x_channel.find_existing(rendered) == receipt


def test_a_spent_24_hour_quota_sets_the_reset_to_its_later_time(
    x_double: XDouble, x_channel: Channel
) -> None:
    x_double.faults.push("429_daily")

    with pytest.raises(RateLimited) as raised:
        x_channel.publish(Rendered("k", "Too many today."))

    reset = raised.value.reset_at
    assert reset is not None
    assert reset > datetime.now(UTC) + timedelta(hours=23)


def test_the_api_host_defaults_to_x_and_posts_link_to_x(x_double: XDouble) -> None:
    channel = build_channel(x_double)
    try:
        receipt = channel.publish(Rendered("k", "Where does it link?"))
    finally:
        channel.close()

    assert receipt.remote_url == f"https://x.com/i/web/status/{receipt.remote_id}"


def test_check_credentials_returns_the_handle(x_channel: Channel) -> None:
    assert x_channel.check_credentials() == "@oyez_test"
