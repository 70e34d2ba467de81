"""The webhook channel: one payload shape per receiver, and honest reconciliation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from channels.base import Channel, Media, Rendered
from channels.errors import OutcomeUnknown, PermanentError
from tests.fakes.fixtures import build_channel, impatient, start_double
from tests.fakes.webhook import WebhookDouble

STYLES = ["slack", "teams", "matrix", "discord", "json"]


@pytest.fixture(params=STYLES)
def styled(request: pytest.FixtureRequest) -> Iterator[tuple[WebhookDouble, Channel]]:
    double = start_double("webhook", style=request.param)
    channel = build_channel(double)
    yield double, channel
    channel.close()
    double.stop()


def test_each_style_sends_the_payload_its_receiver_reads(
    styled: tuple[WebhookDouble, Channel],
) -> None:
    double, channel = styled

    channel.publish(Rendered("k", "Maintenance at 22:00 <UTC> & after."))

    assert double.texts() == ["Maintenance at 22:00 <UTC> & after."]


def test_slack_text_is_escaped_as_slack_requires() -> None:
    with start_double("webhook", style="slack") as double:
        channel = build_channel(double)
        channel.publish(Rendered("k", "a < b & c"))
        channel.close()

    assert double.posts[0].extra["payload"]["text"] == "a &lt; b &amp; c"


def test_discord_mentions_are_never_pinged() -> None:
    with start_double("webhook", style="discord") as double:
        channel = build_channel(double)
        receipt = channel.publish(Rendered("k", "@everyone maintenance"))
        channel.close()

    assert double.posts[0].extra["payload"]["allowed_mentions"] == {"parse": []}
    assert receipt.remote_id == double.posts[0].id


def test_a_webhook_cannot_tell_whether_it_received_a_post(webhook_channel: Channel) -> None:
    with pytest.raises(OutcomeUnknown):
        webhook_channel.find_existing(Rendered("k", "Did it arrive?"))


def test_a_receiver_that_dedupes_lets_a_retry_go_ahead_without_a_duplicate() -> None:
    with start_double("webhook", style="json", dedupe=True) as double:
        channel = build_channel(double)
        rendered = Rendered("delivery-1", "Exactly once.")
        double.faults.push("hang_after")
        with impatient(double) as hasty, pytest.raises(OutcomeUnknown):
            hasty.publish(rendered)

        assert channel.find_existing(rendered) is None
        channel.publish(rendered)
        channel.close()

    assert double.texts() == ["Exactly once."]


def test_media_is_refused_rather_than_silently_dropped(
    webhook_channel: Channel, tmp_path: Path
) -> None:
    image = tmp_path / "x.png"
    image.write_bytes(b"png")

    with pytest.raises(PermanentError):
        webhook_channel.publish(Rendered("k", "With media", media=(Media(image, "alt"),)))


def test_discord_limits_posts_to_2000_characters() -> None:
    with start_double("webhook", style="discord") as double:
        channel = build_channel(double)
        assert channel.limits.max_length == 2000
        channel.close()


def test_the_hook_url_stays_out_of_the_repr(webhook_double: WebhookDouble) -> None:
    channel = build_channel(webhook_double)
    try:
        assert webhook_double.token not in repr(channel)
    finally:
        channel.close()
