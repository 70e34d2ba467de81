"""The LinkedIn channel against its double: what it sends, threads as comments, errors."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from channels import errors
from channels.base import Channel, Media, Receipt, Rendered
from channels.linkedin_api import escape_little_text, unescape_little_text
from tests.fakes.fixtures import build_channel
from tests.fakes.linkedin import ORG, LinkedInDouble

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _posts(double: LinkedInDouble) -> list[dict[str, object]]:
    return [r.json() for r in double.requests if r.method == "POST" and r.path == "/rest/posts"]


def test_every_call_carries_the_token_the_version_and_the_restli_protocol(
    linkedin_double: LinkedInDouble, linkedin_channel: Channel
) -> None:
    linkedin_channel.publish(Rendered("k1", "Open data day on Friday."))
    linkedin_channel.find_existing(Rendered("k1", "Open data day on Friday."))

    rest = [r for r in linkedin_double.requests if r.path.startswith("/rest/")]
    assert len(rest) == 2
    for request in rest:
        assert request.headers["Authorization"] == f"Bearer {linkedin_double.token}"
        assert request.headers["LinkedIn-Version"] == "202611"
        assert request.headers["X-Restli-Protocol-Version"] == "2.0.0"


def test_a_post_is_published_as_the_organization_and_its_urn_is_the_remote_id(
    linkedin_double: LinkedInDouble, linkedin_channel: Channel
) -> None:
    receipt = linkedin_channel.publish(Rendered("k1", "Council meeting tonight."))

    body = _posts(linkedin_double)[0]
    assert body["author"] == ORG
    assert body["visibility"] == "PUBLIC"
    assert body["lifecycleState"] == "PUBLISHED"
    assert body["distribution"] == {
        "feedDistribution": "MAIN_FEED",
        "targetEntities": [],
        "thirdPartyDistributionChannels": [],
    }
    assert receipt.remote_id == linkedin_double.posts[0].id
    assert receipt.remote_url == f"https://www.linkedin.com/feed/update/{receipt.remote_id}/"


def test_reserved_characters_are_escaped_and_hashtags_stay_hashtags(
    linkedin_double: LinkedInDouble, linkedin_channel: Channel
) -> None:
    text = "Agenda (draft) for @members: see [item 3] #OpenData; costs <5% ~ £2 * 3_4 {x} # 1"
    linkedin_channel.publish(Rendered("k1", text))

    commentary = str(_posts(linkedin_double)[0]["commentary"])
    assert "\\(draft\\)" in commentary
    assert "\\@members" in commentary
    assert "{hashtag|\\#|OpenData}" in commentary
    assert "\\# 1" in commentary
    assert linkedin_double.texts() == [text]
    assert unescape_little_text(escape_little_text(text)) == text


def test_the_length_limit_counts_the_escapes_linkedin_will_see(linkedin_channel: Channel) -> None:
    limits = linkedin_channel.limits

    assert limits.max_length == 3000
    assert limits.fits("a" * 3000)
    assert not limits.fits("(" * 1501)


def test_a_link_goes_out_as_an_article(
    linkedin_double: LinkedInDouble, linkedin_channel: Channel
) -> None:
    link = "https://council.example/news/budget"
    linkedin_channel.publish(Rendered("k1", f"Our budget {link}", link=link))

    article = _posts(linkedin_double)[0]["content"]["article"]  # type: ignore[index]
    assert article["source"] == link
    assert article["title"] == "council.example/news/budget"


def test_images_are_uploaded_as_the_organization_with_their_alt_text(
    linkedin_double: LinkedInDouble, linkedin_channel: Channel, tmp_path: Path
) -> None:
    first, second = tmp_path / "a.png", tmp_path / "b.png"
    first.write_bytes(PNG)
    second.write_bytes(PNG + b"2")
    media = (Media(first, alt="A chart of spending"), Media(second, alt="A map of wards"))

    linkedin_channel.publish(Rendered("k1", "Two pictures", media=media))

    images = _posts(linkedin_double)[0]["content"]["multiImage"]["images"]  # type: ignore[index]
    assert [i["altText"] for i in images] == ["A chart of spending", "A map of wards"]
    assert sorted(linkedin_double.images.values()) == sorted([PNG, PNG + b"2"])
    init = [r for r in linkedin_double.requests if r.path == "/rest/images"]
    assert init[0].json() == {"initializeUploadRequest": {"owner": ORG}}


def test_a_ticket_thread_is_comments_on_the_first_post_and_retract_deletes_them(
    linkedin_double: LinkedInDouble, linkedin_channel: Channel
) -> None:
    first = linkedin_channel.publish(Rendered("t1", "Road closed on Elm Street."))
    update = linkedin_channel.publish(
        Rendered("t2", "Update: open again.", reply_to=first.remote_id)
    )
    second = linkedin_channel.publish(Rendered("t3", "Resolved.", reply_to=update.remote_id))

    assert linkedin_double.texts() == ["Road closed on Elm Street."]
    assert linkedin_double.comment_texts() == ["Update: open again.", "Resolved."]
    assert all(c.reply_to == first.remote_id for c in linkedin_double.comments)
    assert update.remote_id.startswith(f"urn:li:comment:({first.remote_id},")
    found = linkedin_channel.find_existing(Rendered("t3", "Resolved.", reply_to=update.remote_id))
    assert found == Receipt(second.remote_id, second.remote_url)

    for receipt in (second, update, first):
        linkedin_channel.delete(receipt)
        linkedin_channel.delete(receipt)
    assert linkedin_double.comment_texts() == []
    assert linkedin_double.texts() == []


def test_a_urn_in_a_path_is_encoded(
    linkedin_double: LinkedInDouble, linkedin_channel: Channel
) -> None:
    receipt = linkedin_channel.publish(Rendered("k1", "Posted by mistake."))
    linkedin_channel.delete(receipt)

    delete = next(r for r in linkedin_double.requests if r.method == "DELETE")
    assert delete.path == "/rest/posts/urn%3Ali%3Ashare%3A1"


def test_find_existing_pages_back_by_time_past_many_newer_posts(
    linkedin_double: LinkedInDouble,
) -> None:
    channel = build_channel(linkedin_double, lookback=10)
    attempt = datetime.now(UTC)
    rendered = Rendered("lost", "Water main repair on Elm Street.")
    receipt = channel.publish(rendered)
    for n in range(35):
        channel.publish(Rendered(f"o{n}", f"Another post, number {n}."))

    assert channel.find_existing(rendered, since=attempt) == receipt
    assert channel.find_existing(rendered) is None  # the newest page only
    channel.close()


def test_find_existing_stops_at_the_attempt_and_says_when_it_cannot_reach_it(
    linkedin_double: LinkedInDouble,
) -> None:
    channel = build_channel(linkedin_double, lookback=5, reconcile_pages=2)
    for n in range(12):
        channel.publish(Rendered(f"o{n}", f"Another post, number {n}."))
    for post in linkedin_double.posts:
        post.created_at = time.time() - 3600  # all an hour old
    never = Rendered("never", "Never sent.")

    assert channel.find_existing(never, since=datetime.now(UTC)) is None
    pages = [r for r in linkedin_double.requests if r.method == "GET" and r.path == "/rest/posts"]
    assert len(pages) == 1
    with pytest.raises(errors.OutcomeUnknown, match="more than 10 posts since"):
        channel.find_existing(never, since=datetime.now(UTC) - timedelta(hours=2))
    channel.close()


def test_metrics_count_likes_and_comments_and_leave_out_deleted_posts(
    linkedin_double: LinkedInDouble, linkedin_channel: Channel
) -> None:
    kept = linkedin_channel.publish(Rendered("k1", "Kept."))
    gone = linkedin_channel.publish(Rendered("k2", "Gone."))
    linkedin_channel.publish(Rendered("k3", "A comment.", reply_to=kept.remote_id))
    linkedin_double.likes[kept.remote_id] = 7
    linkedin_channel.delete(gone)

    figures = linkedin_channel.metrics([kept.remote_id, gone.remote_id])  # type: ignore[attr-defined]

    assert set(figures) == {kept.remote_id}
    assert figures[kept.remote_id].likes == 7
    assert figures[kept.remote_id].replies == 1
    assert figures[kept.remote_id].reposts is None


def test_a_wrong_token_is_one_clear_auth_error_that_never_echoes_it(
    linkedin_double: LinkedInDouble,
) -> None:
    environ = linkedin_double.environ()
    environ["OYEZ_TEST_LINKEDIN_ACCESS_TOKEN"] = "wrong-secret-token-value"
    settings = linkedin_double.channel_settings()
    from channels import registry

    channel = registry.build("linkedin", settings, environ)
    with pytest.raises(errors.AuthError) as raised:
        channel.publish(Rendered("k1", "Hello"))
    channel.close()

    message = str(raised.value)
    assert "\n" not in message
    assert "wrong-secret-token-value" not in message
    assert "401" in message
    assert "PREFIX_ACCESS_TOKEN" in message


def test_a_retired_version_is_a_config_error_that_says_how_to_set_another(
    linkedin_double: LinkedInDouble,
) -> None:
    channel = build_channel(linkedin_double, version="202301")
    with pytest.raises(errors.ConfigError, match=r"retired API version 202301.*version=YYYYMM"):
        channel.publish(Rendered("k1", "Hello"))
    channel.close()
    assert linkedin_double.texts() == []


def test_a_429_without_retry_after_waits_until_midnight_utc(
    linkedin_double: LinkedInDouble, linkedin_channel: Channel
) -> None:
    linkedin_double.faults.push("429_daily", path="/rest/posts")

    with pytest.raises(errors.RateLimited) as raised:
        linkedin_channel.publish(Rendered("k1", "Hello"))

    reset = raised.value.reset_at
    assert reset is not None
    assert (reset.hour, reset.minute, reset.second) == (0, 0, 0)
    assert timedelta(0) < reset - datetime.now(UTC) <= timedelta(days=1)


def test_a_422_is_permanent_with_linkedins_message(
    linkedin_double: LinkedInDouble,
) -> None:
    channel = build_channel(linkedin_double)
    linkedin_double.faults.push("duplicate", path="/rest/posts")
    with pytest.raises(errors.PermanentError, match="duplicate of urn:li:share"):
        channel.publish(Rendered("k1", "Hello"))
    channel.close()


def test_a_bad_version_or_organization_is_refused_before_any_call(
    linkedin_double: LinkedInDouble,
) -> None:
    with pytest.raises(errors.ConfigError, match="version: must be a LinkedIn-Version as YYYYMM"):
        build_channel(linkedin_double, version="2026-11")
    from channels import registry

    environ = {**linkedin_double.environ(), "OYEZ_TEST_LINKEDIN_ORGANIZATION": "acme"}
    with pytest.raises(errors.ConfigError, match="numeric id or urn:li:organization:ID"):
        registry.build("linkedin", linkedin_double.channel_settings(), environ)
    assert linkedin_double.requests == []


def test_a_426_sunset_pauses_as_a_config_error_whatever_the_call(
    linkedin_double: LinkedInDouble, linkedin_channel: Channel
) -> None:
    linkedin_double.faults.push("426")
    with pytest.raises(errors.ConfigError, match="retired API version 202611"):
        linkedin_channel.find_existing(Rendered("k1", "Hello"))
    linkedin_double.faults.push("500", path="/rest/posts")
    with pytest.raises(errors.Retryable):
        linkedin_channel.publish(Rendered("k1", "Hello"))
    assert linkedin_double.texts() == []
