"""The Bluesky channel against the PDS double."""

from __future__ import annotations

from pathlib import Path

from channels.base import Channel, Media, Rendered
from tests.fakes.bluesky import BlueskyDouble


def test_links_and_hashtags_are_stored_as_byte_range_facets(
    bluesky_double: BlueskyDouble, bluesky_channel: Channel
) -> None:
    text = "Café ☕ advice: https://example.com/tips #Sécurité"
    bluesky_channel.publish(Rendered("k", text))

    record = bluesky_double.posts[-1].extra["record"]
    covered = [
        text.encode()[f["index"]["byteStart"] : f["index"]["byteEnd"]].decode()
        for f in record["facets"]
    ]
    assert covered == ["https://example.com/tips", "#Sécurité"]
    assert record["facets"][0]["features"][0]["uri"] == "https://example.com/tips"


def test_a_reply_to_a_reply_keeps_the_thread_root(
    bluesky_double: BlueskyDouble, bluesky_channel: Channel
) -> None:
    root = bluesky_channel.publish(Rendered("k1", "Ticket 9 opened."))
    middle = bluesky_channel.publish(Rendered("k2", "Ticket 9 update.", reply_to=root.remote_id))
    bluesky_channel.publish(Rendered("k3", "Ticket 9 closed.", reply_to=middle.remote_id))

    reply = bluesky_double.posts[-1].extra["record"]["reply"]
    assert reply["root"]["uri"] == root.remote_id
    assert reply["parent"]["uri"] == middle.remote_id
    assert reply["root"]["cid"] == bluesky_double.posts[0].extra["cid"]


def test_images_carry_their_alt_text(
    bluesky_double: BlueskyDouble, bluesky_channel: Channel, tmp_path: Path
) -> None:
    image = tmp_path / "tip.png"
    image.write_bytes(b"\x89PNG fake")

    bluesky_channel.publish(Rendered("k", "Tip of the day.", media=(Media(image, "A lock"),)))

    embed = bluesky_double.posts[-1].extra["record"]["embed"]
    assert [i["alt"] for i in embed["images"]] == ["A lock"]
    assert embed["images"][0]["image"]["mimeType"] == "image/png"


def test_the_receipt_links_to_the_post_on_bsky_app(bluesky_channel: Channel) -> None:
    receipt = bluesky_channel.publish(Rendered("k", "Where is it?"))

    rkey = receipt.remote_id.rsplit("/", 1)[1]
    assert receipt.remote_id.startswith("at://did:plc:")
    assert receipt.remote_url == f"https://bsky.app/profile/oyez.test/post/{rkey}"


def test_one_session_serves_many_calls(
    bluesky_double: BlueskyDouble, bluesky_channel: Channel
) -> None:
    for n in range(3):
        bluesky_channel.publish(Rendered(f"k{n}", f"Post {n}."))
    bluesky_channel.find_existing(Rendered("k0", "Post 0."))

    assert bluesky_double.sessions == 1


def test_an_expired_session_logs_in_again_once(
    bluesky_double: BlueskyDouble, bluesky_channel: Channel
) -> None:
    bluesky_channel.publish(Rendered("k1", "Before expiry."))
    bluesky_double._tokens.clear()  # every issued token is now refused

    bluesky_channel.publish(Rendered("k2", "After expiry."))

    assert bluesky_double.sessions == 2
    assert bluesky_double.texts() == ["Before expiry.", "After expiry."]
