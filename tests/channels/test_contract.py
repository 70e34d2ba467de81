"""The Channel contract, checked for every registered channel kind."""

from __future__ import annotations

import pytest

from channels.base import Channel, Rendered
from channels.errors import OutcomeUnknown, PermanentError
from tests.fakes.fixtures import Harness


def _rendered(key: str, text: str) -> Rendered:
    return Rendered(delivery_key=key, text=text)


def test_every_kind_satisfies_the_channel_protocol(harness: Harness) -> None:
    assert isinstance(harness.channel, Channel)
    assert harness.channel.limits.max_length > 0


def test_publish_returns_a_receipt_and_the_network_records_the_post(harness: Harness) -> None:
    receipt = harness.channel.publish(_rendered("post-1", "Patch day: update your browsers."))

    assert receipt.remote_id
    assert harness.published() == ["Patch day: update your browsers."]
    if harness.kind not in ("webhook", "outbox"):
        assert receipt.remote_url
        assert receipt.remote_url.startswith(("https://", "http://"))


def test_find_existing_finds_a_published_post(harness: Harness) -> None:
    rendered = _rendered("post-2", "Phishing mails claim to be from IT & ask for passwords.")
    receipt = harness.channel.publish(rendered)
    if not harness.can_find:
        with pytest.raises(OutcomeUnknown):
            harness.channel.find_existing(rendered)
        return

    assert harness.channel.find_existing(rendered) == receipt


def test_find_existing_returns_none_when_nothing_was_published(harness: Harness) -> None:
    harness.channel.publish(_rendered("other", "An unrelated post."))
    rendered = _rendered("post-3", "Never sent.")
    if not harness.can_find:
        with pytest.raises(OutcomeUnknown):
            harness.channel.find_existing(rendered)
        return

    assert harness.channel.find_existing(rendered) is None


def test_delete_removes_the_post_and_is_idempotent(harness: Harness) -> None:
    receipt = harness.channel.publish(_rendered("post-4", "Posted by mistake."))
    if not harness.can_delete:
        with pytest.raises(PermanentError):
            harness.channel.delete(receipt)
        return

    harness.channel.delete(receipt)
    harness.channel.delete(receipt)

    assert harness.published() == []


def test_check_credentials_names_the_account(harness: Harness) -> None:
    assert harness.channel.check_credentials()


def test_a_post_longer_than_the_limit_is_refused_before_any_call(harness: Harness) -> None:
    limits = harness.channel.limits
    too_long = "a" * (limits.max_length + 1)
    if limits.threads:
        pytest.skip(
            "this channel threads long posts: test_a_long_post_becomes_a_thread_of_numbered_parts_that_each_fit"
        )

    with pytest.raises(PermanentError):
        harness.channel.publish(_rendered("post-5", too_long))
    assert harness.published() == []


def test_a_long_post_becomes_a_thread_of_numbered_parts_that_each_fit(harness: Harness) -> None:
    limits = harness.channel.limits
    if not limits.threads:
        pytest.skip("this channel refuses long posts (its limits say it does not thread)")
    words = " ".join(f"word{n}." for n in range(limits.max_length // 3))

    harness.channel.publish(_rendered("post-6", words))

    parts = harness.published()
    assert len(parts) > 1
    assert all(limits.fits(part) for part in parts)
    assert [part.rsplit(" ", 1)[1] for part in parts] == [
        f"{n}/{len(parts)}" for n in range(1, len(parts) + 1)
    ]
    assert " ".join(part.rsplit(" ", 1)[0] for part in parts) == words
