"""The Facebook Page channel against the Graph API double."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from channels.base import Channel, Media, Rendered
from channels.errors import (
    AuthError,
    ConfigError,
    OutcomeUnknown,
    PermanentError,
    RateLimited,
    Retryable,
)
from channels.facebook import FacebookChannel
from channels.facebook_graph import graph_error
from channels.facebook_versions import NEWEST
from tests.fakes.facebook import FacebookDouble
from tests.fakes.fixtures import build_channel


def test_every_call_uses_the_configured_graph_version(facebook_double: FacebookDouble) -> None:
    channel = build_channel(facebook_double, graph_version="v24.0")
    try:
        channel.check_credentials()
        channel.publish(Rendered("k", "Versioned."))
        channel.find_existing(Rendered("k", "Versioned."), since=datetime.now(UTC))
    finally:
        channel.close()

    assert set(facebook_double.versions) == {"v24.0"}


def test_the_default_graph_version_is_the_newest_known(facebook_channel: Channel) -> None:
    assert isinstance(facebook_channel, FacebookChannel)
    assert facebook_channel.settings.graph_version == NEWEST == "v26.0"


def test_the_page_token_travels_in_a_header_never_in_the_url(
    facebook_double: FacebookDouble, facebook_channel: Channel
) -> None:
    facebook_channel.publish(Rendered("k", "No token in URLs."))
    facebook_channel.find_existing(Rendered("k", "No token in URLs."))

    for request in facebook_double.requests:
        assert "access_token" not in request.query
        assert b"access_token" not in request.body
        assert request.headers["Authorization"] == f"Bearer {facebook_double.token}"


def test_a_link_is_attached_to_a_feed_post(
    facebook_double: FacebookDouble, facebook_channel: Channel
) -> None:
    facebook_channel.publish(Rendered("k", "Read the advisory.", link="https://example.com/a"))

    assert facebook_double.posts[-1].extra["link"] == "https://example.com/a"


def test_one_image_becomes_a_photo_post_with_its_alt_text(
    facebook_double: FacebookDouble, facebook_channel: Channel, tmp_path: Path
) -> None:
    image = tmp_path / "map.png"
    image.write_bytes(b"\x89PNG fake")

    receipt = facebook_channel.publish(Rendered("k", "Outage map.", media=(Media(image, "Map"),)))

    post = facebook_double.posts[-1]
    assert receipt.remote_id == post.id
    assert post.text == "Outage map."
    assert [p["alt"] for p in post.extra["photos"]] == ["Map"]


def test_several_images_are_uploaded_unpublished_then_attached_to_one_post(
    facebook_double: FacebookDouble, facebook_channel: Channel, tmp_path: Path
) -> None:
    images = []
    for name in ("a.png", "b.png"):
        (tmp_path / name).write_bytes(b"\x89PNG fake")
        images.append(Media(tmp_path / name, f"alt {name}"))

    facebook_channel.publish(Rendered("k", "Two pictures.", media=tuple(images)))

    assert facebook_double.texts() == ["Two pictures."]
    assert [p["alt"] for p in facebook_double.posts[0].extra["photos"]] == [
        "alt a.png",
        "alt b.png",
    ]


def test_a_reply_is_a_comment_and_is_found_among_the_comments(
    facebook_double: FacebookDouble, facebook_channel: Channel
) -> None:
    parent = facebook_channel.publish(Rendered("k1", "Ticket 7: investigating."))
    reply = Rendered("k2", "Ticket 7: fixed.", reply_to=parent.remote_id)

    receipt = facebook_channel.publish(reply)

    assert facebook_double.posts[-1].reply_to == parent.remote_id
    assert facebook_channel.find_existing(reply) == receipt


def test_a_usage_header_sets_the_rate_limit_reset(
    facebook_double: FacebookDouble, facebook_channel: Channel
) -> None:
    facebook_double.faults.push("429")
    with pytest.raises(RateLimited) as raised:
        facebook_channel.publish(Rendered("k", "Busy."))

    assert raised.value.reset_at is not None


def test_a_user_token_instead_of_a_page_token_is_a_config_error(
    facebook_double: FacebookDouble, facebook_channel: Channel
) -> None:
    facebook_double.page_id = "999"  # the token now answers for another object

    with pytest.raises(ConfigError, match="Page access token"):
        facebook_channel.check_credentials()


def test_an_answer_without_content_type_never_reaches_facebook_sdk(
    facebook_double: FacebookDouble, facebook_channel: Channel
) -> None:
    facebook_double.faults.push("no_content_type")

    with pytest.raises(OutcomeUnknown):
        facebook_channel.publish(Rendered("k", "Headers matter."))


def test_graph_errors_are_read_from_their_json_body() -> None:
    def error(code: int, status: int = 400) -> object:
        return graph_error(status, {"error": {"code": code, "message": "m"}}, {})

    assert type(error(613)) is RateLimited
    assert type(error(17)) is RateLimited
    assert type(error(102)) is AuthError
    assert type(error(368)) is PermanentError
    assert type(error(1, 500)) is Retryable
    assert type(graph_error(503, None, {"retry-after": "30"})) is Retryable
