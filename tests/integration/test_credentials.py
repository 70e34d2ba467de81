"""Credentials that warn before they expire: `channels check`, `status`, the daily re-check."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest

from channels.base import CredentialReport
from channels.facebook import FacebookChannel
from publisher.context import open_context
from publisher.service import credentials
from tests.fakes.facebook import FacebookDouble
from tests.fakes.fixtures import start_double
from tests.fakes.linkedin import LinkedInDouble
from tests.helpers import oyez


@pytest.fixture
def linkedin(monkeypatch: pytest.MonkeyPatch) -> Iterator[LinkedInDouble]:
    double = start_double("linkedin")
    assert isinstance(double, LinkedInDouble)
    for name, value in double.environ().items():
        monkeypatch.setenv(name, value)
    try:
        yield double
    finally:
        double.stop()


def _add(db: str, name: str, kind: str, url: str, prefix: str) -> None:
    code, _, err = oyez(
        db,
        "channels",
        "add",
        name,
        "--kind",
        kind,
        "--set",
        f"api_base_url={url}",
        "--set",
        f"credentials=env:{prefix}",
        *(["--set", f"oauth_base_url={url}"] if kind == "linkedin" else []),
    )
    assert code == 0, err


def test_check_shows_the_page_the_expiry_and_the_version_and_records_it(
    db_url: str, linkedin: LinkedInDouble
) -> None:
    _add(db_url, "council-li", "linkedin", linkedin.url, linkedin.default_prefix)

    code, out, err = oyez(db_url, "channels", "check", "council-li")
    assert code == 0, err
    assert "credentials work (as Oyez Test Council)" in out
    expires = datetime.fromtimestamp(linkedin.token_expires_at, UTC)
    assert f"token expires {expires:%Y-%m-%d}" in out
    assert "API version 202611" in out

    code, out, _ = oyez(db_url, "channels", "check", "council-li", "--json")
    shown = json.loads(out)
    assert code == 0
    assert shown["ok"] is True
    assert shown["account"] == "Oyez Test Council"
    assert shown["api_version"] == "202611"
    assert shown["api_version_date"] == "2026-11-01"
    assert datetime.fromisoformat(shown["expires_at"]) == expires
    assert linkedin.token not in out


def test_status_warns_two_weeks_before_a_linkedin_token_expires(
    db_url: str, linkedin: LinkedInDouble
) -> None:
    _add(db_url, "council-li", "linkedin", linkedin.url, linkedin.default_prefix)
    linkedin.token_expires_at = int(time.time()) + 5 * 86400 + 60
    assert oyez(db_url, "channels", "check", "council-li")[0] == 0

    code, out, _ = oyez(db_url, "status")
    assert code == 0
    assert "credentials council-li: the token expires on" in out
    assert "(in 5 days)" in out
    code, out, _ = oyez(db_url, "status", "--json")
    warned = json.loads(out)["credential_warnings"]["council-li"]
    assert any("expires on" in w for w in warned)
    assert any("keyring" in w for w in warned)  # from the environment it cannot renew


def test_a_wrong_token_is_one_clear_line_that_never_echoes_it(
    db_url: str, linkedin: LinkedInDouble, monkeypatch: pytest.MonkeyPatch
) -> None:
    _add(db_url, "council-li", "linkedin", linkedin.url, linkedin.default_prefix)
    monkeypatch.setenv("OYEZ_TEST_LINKEDIN_ACCESS_TOKEN", "not-the-token-xyz")

    code, out, err = oyez(db_url, "channels", "check", "council-li")

    assert code != 0
    assert len(err.strip().splitlines()) == 1
    assert "401" in err
    assert "not-the-token-xyz" not in out + err
    code, out, _ = oyez(db_url, "status", "--json")
    warned = json.loads(out)["credential_warnings"]["council-li"]
    assert warned[0].startswith("credentials do not work: LinkedIn answered 401")


def test_status_warns_about_a_facebook_token_and_an_old_graph_version(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Any channel implementing InspectsCredentials: here, Facebook as debug_token reports it.
    now = datetime.now(UTC)

    def inspect(self: FacebookChannel) -> CredentialReport:
        return CredentialReport(
            account=self.check_credentials(),
            expires_at=now + timedelta(days=40),
            data_access_expires_at=now + timedelta(days=10, hours=1),
            api_version="v18.0",
            api_version_date=date(2023, 9, 12),
        )

    monkeypatch.setattr(FacebookChannel, "inspect_credentials", inspect, raising=False)
    double = start_double("facebook")
    assert isinstance(double, FacebookDouble)
    for name, value in double.environ().items():
        monkeypatch.setenv(name, value)
    try:
        _add(db_url, "council-fb", "facebook", double.url, double.default_prefix)
        assert oyez(db_url, "channels", "check", "council-fb")[0] == 0
    finally:
        double.stop()

    code, out, _ = oyez(db_url, "status", "--json")
    assert code == 0
    warned = json.loads(out)["credential_warnings"]["council-fb"]
    assert len(warned) == 2
    assert warned[0].startswith("data access expires on")
    assert "API version v18.0 is" in warned[1]


def test_the_daily_recheck_checks_each_channel_once_a_day(
    db_url: str, linkedin: LinkedInDouble
) -> None:
    _add(db_url, "council-li", "linkedin", linkedin.url, linkedin.default_prefix)
    ctx = open_context(db_url, actor="oyez")
    clock = [datetime.now(UTC)]
    ctx.clock = lambda: clock[0]
    try:
        assert [c.channel for c in credentials.recheck_due(ctx)] == ["council-li"]
        assert credentials.recheck_due(ctx) == []
        clock[0] += timedelta(hours=23)
        assert credentials.recheck_due(ctx) == []
        clock[0] += timedelta(hours=1)
        assert [c.ok for c in credentials.recheck_due(ctx)] == [True]
    finally:
        ctx.close()
    introspections = [r for r in linkedin.requests if "introspect" in r.path]
    assert len(introspections) == 2


def test_the_daemons_recheck_thread_checks_and_records_then_stops(
    db_url: str, linkedin: LinkedInDouble
) -> None:
    _add(db_url, "council-li", "linkedin", linkedin.url, linkedin.default_prefix)
    ctx = open_context(db_url, actor="oyez")
    recheck = credentials.DailyRecheck(ctx, every=0.05, first_after=0.0)
    try:
        recheck.start()
        deadline = time.monotonic() + 30
        while "council-li" not in credentials.latest(ctx) and time.monotonic() < deadline:
            time.sleep(0.05)
        recheck.stop()
        assert credentials.latest(ctx)["council-li"].ok
        time.sleep(0.2)
    finally:
        recheck.stop()
        ctx.close()
    # Within the day, later rounds found nothing due: one check, one introspection.
    assert len([r for r in linkedin.requests if "introspect" in r.path]) == 1
