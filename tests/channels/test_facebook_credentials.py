"""What a Facebook channel learns about its token: debug_token, the Page, the Graph version."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime

import pytest

from channels import registry
from channels.base import Channel, InspectsCredentials
from channels.errors import AuthError, ConfigError, RateLimited
from channels.facebook_versions import GRAPH_VERSIONS, NEWEST, version_warnings
from tests.fakes.facebook import FacebookDouble
from tests.fakes.facebook_reads import epoch_days
from tests.fakes.fixtures import build_channel


def _inspector(channel: Channel) -> InspectsCredentials:
    assert isinstance(channel, InspectsCredentials)
    return channel


def test_the_report_gives_the_page_the_expiries_and_the_pinned_version(
    facebook_double: FacebookDouble, facebook_channel: Channel
) -> None:
    facebook_double.token_expires_at = epoch_days(10)
    facebook_double.data_access_expires_at = epoch_days(80)

    report = _inspector(facebook_channel).inspect_credentials()

    assert report.account == "Oyez Test Page"
    assert report.expires_at == datetime.fromtimestamp(facebook_double.token_expires_at, UTC)
    assert report.data_access_expires_at == datetime.fromtimestamp(
        facebook_double.data_access_expires_at, UTC
    )
    assert report.api_version == NEWEST == "v26.0"
    assert report.api_version_date == date(2026, 7, 29)
    assert report.warnings == ()
    (call,) = [r for r in facebook_double.requests if r.path.endswith("/debug_token")]
    assert call.arg("input_token") == facebook_double.token


def test_an_expiry_of_zero_means_never(
    facebook_double: FacebookDouble, facebook_channel: Channel
) -> None:
    facebook_double.token_expires_at = 0
    facebook_double.data_access_expires_at = 0

    report = _inspector(facebook_channel).inspect_credentials()

    assert report.expires_at is None
    assert report.data_access_expires_at is None


def test_an_old_pinned_version_reports_its_release_date_and_a_retired_one_warns(
    facebook_double: FacebookDouble,
) -> None:
    channel = build_channel(facebook_double, graph_version="v19.0")
    try:
        report = _inspector(channel).inspect_credentials()
    finally:
        channel.close()

    assert report.api_version == "v19.0"
    assert report.api_version_date == date(2024, 1, 23)
    (warning,) = report.warnings
    assert "retired on 21 May 2026" in warning
    assert f"graph_version={NEWEST}" in warning


def test_a_version_oyez_does_not_know_has_no_date_and_says_so(
    facebook_double: FacebookDouble,
) -> None:
    channel = build_channel(facebook_double, graph_version="v99.0")
    try:
        report = _inspector(channel).inspect_credentials()
    finally:
        channel.close()

    assert report.api_version_date is None
    assert any("not in oyez's table" in w for w in report.warnings)


def test_the_version_table_is_ordered_and_every_retirement_follows_its_release() -> None:
    releases = [v.released for v in GRAPH_VERSIONS.values()]
    assert releases == sorted(releases, reverse=True)
    assert all(v.retires is None or v.retires > v.released for v in GRAPH_VERSIONS.values())
    assert version_warnings("v24.0", date(2026, 12, 2)) == ()


def test_a_token_debug_token_calls_invalid_is_an_auth_error_that_never_echoes_it(
    facebook_double: FacebookDouble, facebook_channel: Channel
) -> None:
    # /me still answers (say, the token was revoked a moment ago), but debug_token says no.
    facebook_double.token_is_valid = False

    with pytest.raises(AuthError) as raised:
        _inspector(facebook_channel).inspect_credentials()

    assert "not valid" in str(raised.value)
    assert facebook_double.token not in str(raised.value)


def test_a_wrong_token_is_one_clear_auth_error(facebook_double: FacebookDouble) -> None:
    environ = facebook_double.environ() | {"OYEZ_TEST_FACEBOOK_PAGE_TOKEN": "EAAB-wrong"}
    channel = registry.build("facebook", facebook_double.channel_settings(), environ)
    try:
        with pytest.raises(AuthError) as raised:
            _inspector(channel).inspect_credentials()
    finally:
        channel.close()

    assert "EAAB-wrong" not in str(raised.value)
    assert "\n" not in str(raised.value)


def test_a_user_token_is_refused_before_debug_token(facebook_double: FacebookDouble) -> None:
    channel = build_channel(facebook_double)
    facebook_double.page_id = "999"
    try:
        with pytest.raises(ConfigError, match="Page access token"):
            _inspector(channel).inspect_credentials()
    finally:
        channel.close()


def test_missing_scopes_are_warned_about(
    facebook_double: FacebookDouble, facebook_channel: Channel
) -> None:
    facebook_double.scopes = ("pages_show_list",)

    report = _inspector(facebook_channel).inspect_credentials()

    (warning,) = report.warnings
    assert "pages_manage_posts, pages_read_engagement" in warning


def test_a_rate_limit_on_debug_token_is_rate_limited(
    facebook_double: FacebookDouble, facebook_channel: Channel
) -> None:
    facebook_double.faults.push("429", path="/debug_token")

    with pytest.raises(RateLimited):
        _inspector(facebook_channel).inspect_credentials()


def test_the_token_never_reaches_the_logs_even_in_debug_tokens_url(
    facebook_double: FacebookDouble, facebook_channel: Channel, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        _inspector(facebook_channel).inspect_credentials()

    assert any("debug_token" in record.getMessage() for record in caplog.records)
    assert all(facebook_double.token not in record.getMessage() for record in caplog.records)
