"""Issue #18's defects, against the reference Bluesky stack (PLC, PDS, AppView).

The fast versions against the double are tests/channels/test_bluesky_reference.py.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import httpx
import pytest
from atproto_client.client.session import Session  # type: ignore[import-untyped]
from PIL import Image

from channels.base import Channel, Media, Receipt, Rendered
from channels.errors import AuthError, PermanentError
from tests.real_bluesky.conftest import real_channel, records
from tests.real_bluesky.stack import Account, Stack, new_account

pytestmark = pytest.mark.real_bluesky

DEVANAGARI_300 = "निंः" * 300


def _xrpc(stack: Stack, nsid: str, account: Account, body: dict[str, Any]) -> httpx.Response:
    return httpx.post(
        f"{stack.pds_url}/xrpc/{nsid}",
        json=body,
        headers={"Authorization": f"Bearer {account.access_jwt}"},
        timeout=30,
    )


def test_a_reply_right_after_its_parent_threads_under_it(
    real_stack: Stack, account: Account, channel: Channel
) -> None:
    parent = channel.publish(Rendered("k1", "Ticket 4 opened."))
    channel.publish(Rendered("k2", "Ticket 4 update.", reply_to=parent.remote_id))

    reply = records(real_stack, account)[-1]["reply"]
    assert reply["parent"]["uri"] == reply["root"]["uri"] == parent.remote_id  # type: ignore[index]


def test_a_revoked_app_password_is_an_auth_failure(
    real_stack: Stack, account: Account, channel: Channel
) -> None:
    channel.publish(Rendered("k1", "Before."))
    revoked = _xrpc(real_stack, "com.atproto.server.revokeAppPassword", account, {"name": "oyez"})
    revoked.raise_for_status()
    # The session's access token lapses (the PDS then answers 400, not 401).
    client = channel._client  # type: ignore[attr-defined]
    session = Session.decode(client.export_session_string())
    session.access_jwt = session.access_jwt.rsplit(".", 1)[0] + ".bm90LWEtc2lnbmF0dXJl"
    client.login(session_string=session.encode(), fetch_bsky_profile=False)

    with pytest.raises(AuthError):
        channel.publish(Rendered("k2", "After."))
    assert [r["text"] for r in records(real_stack, account)] == ["Before."]


def test_log_in_right_after_the_account_is_made(real_stack: Stack) -> None:
    fresh = new_account(real_stack, "fresh")  # the AppView has no profile for it yet
    channel = real_channel(real_stack, fresh)
    try:
        assert channel.check_credentials() == "@" + fresh.handle
    finally:
        channel.close()


def test_300_graphemes_over_3000_bytes_are_refused_by_the_pds_and_threaded_by_oyez(
    real_stack: Stack, account: Account, channel: Channel
) -> None:
    record = {
        "$type": "app.bsky.feed.post",
        "text": DEVANAGARI_300,
        "createdAt": "2026-01-01T00:00:00Z",
    }
    body = {"repo": account.did, "collection": "app.bsky.feed.post", "record": record}
    refused = _xrpc(real_stack, "com.atproto.repo.createRecord", account, body)
    assert refused.status_code == 400
    assert "maximum 3000" in refused.json()["message"]

    channel.publish(Rendered("k", DEVANAGARI_300))  # defect 5: split, each part fits

    texts = [str(r["text"]) for r in records(real_stack, account)]
    assert len(texts) == 2
    assert "".join(t.rsplit(" ", 1)[0] for t in texts) == DEVANAGARI_300


def test_images_carry_their_aspect_ratio_and_sniffed_type(
    real_stack: Stack, account: Account, channel: Channel, tmp_path: Path
) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(buffer, "PNG")
    image = tmp_path / "chart.jpg"  # a PNG named .jpg
    image.write_bytes(buffer.getvalue())

    channel.publish(Rendered("k", "A chart.", media=(Media(image, "Chart"),)))

    sent = records(real_stack, account)[-1]["embed"]["images"][0]  # type: ignore[index]
    assert (sent["aspectRatio"]["width"], sent["aspectRatio"]["height"]) == (40, 30)
    assert sent["image"]["mimeType"] == "image/png"


def test_deleting_a_post_in_another_repo_is_not_an_auth_failure(
    real_stack: Stack, channel: Channel
) -> None:
    other = new_account(real_stack, "other")
    record = {"$type": "app.bsky.feed.post", "text": "Theirs.", "createdAt": "2026-01-01T00:00:00Z"}
    body = {"repo": other.did, "collection": "app.bsky.feed.post", "record": record}
    made = _xrpc(real_stack, "com.atproto.repo.createRecord", other, body)
    made.raise_for_status()

    with pytest.raises(PermanentError) as raised:
        channel.delete(Receipt(remote_id=made.json()["uri"]))
    assert not isinstance(raised.value, AuthError)
    assert [r["text"] for r in records(real_stack, other)] == ["Theirs."]


def test_the_main_account_password_is_accepted_with_a_warning(
    real_stack: Stack, account: Account
) -> None:
    channel = real_channel(real_stack, account, password=account.password)
    try:
        assert "app password" in channel.check_credentials()
    finally:
        channel.close()
