"""The Bluesky channel where the reference stack showed the old double was too kind.

Each test here failed before the fix it names (issue #18, defects 1-4 and 6);
the same behaviours run against the real stack in tests/real_bluesky.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from channels.base import Channel, Media, Receipt, Rendered
from channels.errors import AuthError, PermanentError
from channels.length import default_limits
from tests.fakes.bluesky import BlueskyDouble
from tests.fakes.server import Reply, Request

#: 300 graphemes (नि + anusvara + visarga: one cluster of 4 code points) in 3,600 bytes.
DEVANAGARI_300 = "निंः" * 300


def _calls(double: BlueskyDouble, nsid: str) -> list[Request]:
    return [r for r in double.requests if r.path == f"/xrpc/{nsid}"]


def test_a_reply_right_after_its_parent_threads_under_it(
    bluesky_double: BlueskyDouble, bluesky_channel: Channel
) -> None:
    # Defect 1: the parent is on the PDS but the AppView has not indexed it yet.
    parent = bluesky_channel.publish(Rendered("k1", "Ticket 12 opened."))
    bluesky_channel.publish(Rendered("k2", "Ticket 12 update.", reply_to=parent.remote_id))

    reply = bluesky_double.posts[-1].extra["record"]["reply"]
    assert reply["parent"]["uri"] == parent.remote_id
    assert reply["parent"]["cid"] == bluesky_double.posts[0].extra["cid"]


def test_a_revoked_app_password_is_an_auth_failure(
    bluesky_double: BlueskyDouble, bluesky_channel: Channel
) -> None:
    # Defect 2: the PDS answers 400 InvalidToken/ExpiredToken, never 401 (logging in
    # again once on 400: test_bluesky.py::test_an_expired_session_logs_in_again_once).
    bluesky_channel.publish(Rendered("k1", "Before."))
    bluesky_double._tokens.clear()
    bluesky_double.app_password = "revoked-revoked-revoked"

    with pytest.raises(AuthError):
        bluesky_channel.publish(Rendered("k2", "After."))
    assert bluesky_double.texts() == ["Before."]


@pytest.mark.parametrize("status", [400, 404, 501])
def test_log_in_needs_no_profile_from_the_appview(
    bluesky_double: BlueskyDouble, bluesky_channel: Channel, status: int
) -> None:
    # Defect 3: a profile lookup that fails must not break log-in.
    def no_profile(request: Request) -> Reply:
        return Reply(status, {"error": "NotFound", "message": "Profile not found"})

    bluesky_double._app_bsky_actor_getProfile = no_profile  # type: ignore[method-assign]

    assert bluesky_channel.check_credentials() == "@oyez.test"
    assert bluesky_channel.publish(Rendered("k", "Logged in.")).remote_id


def test_300_graphemes_over_3000_bytes_become_a_thread_of_parts_within_both_limits(
    bluesky_double: BlueskyDouble, bluesky_channel: Channel
) -> None:
    # Defect 4: the limit is graphemes and bytes (and defect 5: too long is split, not failed).
    limits = bluesky_channel.limits
    assert limits.count(DEVANAGARI_300) == 300
    assert not limits.fits(DEVANAGARI_300)
    assert not default_limits("bluesky").fits(DEVANAGARI_300)

    bluesky_channel.publish(Rendered("k", DEVANAGARI_300))

    parts = bluesky_double.texts()
    assert len(parts) == 2
    assert all(len(p.encode()) <= 3000 and limits.count(p) <= 300 for p in parts)
    assert "".join(p.rsplit(" ", 1)[0] for p in parts) == DEVANAGARI_300


def test_the_double_refuses_what_the_pds_refuses(bluesky_double: BlueskyDouble) -> None:
    from tests.fakes.bluesky import _invalid_post

    assert "maximum 3000" in str(_invalid_post({"text": DEVANAGARI_300}))
    assert "maximum 300," in str(_invalid_post({"text": "a" * 301}))


def _png(path: Path, width: int, height: int) -> Path:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(buffer, "PNG")
    path.write_bytes(buffer.getvalue())
    return path


def test_images_carry_their_aspect_ratio_and_sniffed_type(
    bluesky_double: BlueskyDouble, bluesky_channel: Channel, tmp_path: Path
) -> None:
    image = _png(tmp_path / "chart.jpg", 40, 30)  # a PNG named .jpg

    bluesky_channel.publish(Rendered("k", "A chart.", media=(Media(image, "Chart"),)))

    sent = bluesky_double.posts[-1].extra["record"]["embed"]["images"][0]
    assert (sent["aspectRatio"]["width"], sent["aspectRatio"]["height"]) == (40, 30)
    assert sent["image"]["mimeType"] == "image/png"


def test_an_image_over_2000000_bytes_is_refused_before_any_upload(
    bluesky_double: BlueskyDouble, bluesky_channel: Channel, tmp_path: Path
) -> None:
    image = tmp_path / "big.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 2_000_000)

    with pytest.raises(PermanentError, match="2,000,000"):
        bluesky_channel.publish(Rendered("k", "Big.", media=(Media(image, "Big"),)))
    assert _calls(bluesky_double, "com.atproto.repo.uploadBlob") == []


def test_a_file_that_is_no_image_is_refused_before_any_upload(
    bluesky_double: BlueskyDouble, bluesky_channel: Channel, tmp_path: Path
) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("not an image")

    with pytest.raises(PermanentError, match="not an image"):
        bluesky_channel.publish(Rendered("k", "Notes.", media=(Media(notes, ""),)))
    assert _calls(bluesky_double, "com.atproto.repo.uploadBlob") == []


def test_deleting_a_post_in_another_repo_is_not_an_auth_failure(
    bluesky_channel: Channel,
) -> None:
    other = "at://did:plc:someoneelse000000000000/app.bsky.feed.post/3n3ploqfgzk2i"

    with pytest.raises(PermanentError) as raised:
        bluesky_channel.delete(Receipt(remote_id=other))
    assert not isinstance(raised.value, AuthError)


def test_the_main_account_password_is_accepted_with_a_warning(
    bluesky_double: BlueskyDouble, bluesky_channel: Channel, monkeypatch: pytest.MonkeyPatch
) -> None:
    bluesky_double.main_password = True

    assert "app password" in bluesky_channel.check_credentials()
