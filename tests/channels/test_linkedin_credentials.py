"""A LinkedIn token's expiry by introspection, and its renewal into the keyring."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import keyring
import pytest
from keyring.backend import KeyringBackend

from channels import registry
from channels.base import Channel, InspectsCredentials, Rendered
from channels.errors import AuthError
from tests.fakes.fixtures import build_channel
from tests.fakes.linkedin import LinkedInDouble


class MemoryKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.values.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.values[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.values.pop((service, username), None)


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    before = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(before)


def test_inspection_names_the_page_the_token_expiry_and_the_version(
    linkedin_double: LinkedInDouble, linkedin_channel: Channel
) -> None:
    assert isinstance(linkedin_channel, InspectsCredentials)
    report = linkedin_channel.inspect_credentials()

    assert report.account == "Oyez Test Council"
    assert report.expires_at == datetime.fromtimestamp(linkedin_double.token_expires_at, UTC)
    assert report.api_version == "202611"
    assert report.api_version_date == date(2026, 11, 1)
    assert report.warnings == ()
    introspect = next(r for r in linkedin_double.requests if "introspect" in r.path)
    assert introspect.field("token") == linkedin_double.token


def test_without_client_credentials_the_expiry_is_unknown_and_it_says_how_to_learn_it(
    linkedin_double: LinkedInDouble,
) -> None:
    environ = {
        k: v
        for k, v in linkedin_double.environ().items()
        if k.endswith(("ACCESS_TOKEN", "ORGANIZATION"))
    }
    channel = registry.build("linkedin", linkedin_double.channel_settings(), environ)
    assert isinstance(channel, InspectsCredentials)
    report = channel.inspect_credentials()
    channel.close()

    assert report.expires_at is None
    assert "PREFIX_CLIENT_ID" in report.warnings[0]


def test_a_token_near_expiry_from_the_environment_is_warned_about_not_renewed(
    linkedin_double: LinkedInDouble, linkedin_channel: Channel
) -> None:
    linkedin_double.token_expires_at = int(time.time()) + 3 * 86400
    old = linkedin_double.token
    assert isinstance(linkedin_channel, InspectsCredentials)

    report = linkedin_channel.inspect_credentials()

    assert linkedin_double.token == old
    assert "keyring" in report.warnings[0]
    assert old not in " ".join(report.warnings)


def test_a_token_near_expiry_in_the_keyring_is_renewed_and_kept_there(
    linkedin_double: LinkedInDouble, memory_keyring: MemoryKeyring
) -> None:
    every = {**linkedin_double.credentials(), **linkedin_double.oauth_credentials()}
    for name, value in every.items():
        memory_keyring.set_password("oyez-linkedin", name, value)
    linkedin_double.token_expires_at = int(time.time()) + 3 * 86400
    settings = {**linkedin_double.channel_settings(), "credentials": "keyring:oyez-linkedin"}
    channel = registry.build("linkedin", settings, {})
    assert isinstance(channel, InspectsCredentials)

    report = channel.inspect_credentials()

    renewed = memory_keyring.get_password("oyez-linkedin", "ACCESS_TOKEN")
    assert renewed == linkedin_double.token != "li-fake-access-token"
    assert report.expires_at is not None
    assert report.expires_at > datetime.now(UTC) + timedelta(days=59)
    assert report.warnings == ()
    channel.publish(Rendered("k1", "Posted with the renewed token."))  # type: ignore[attr-defined]
    assert linkedin_double.texts() == ["Posted with the renewed token."]
    channel.close()  # type: ignore[attr-defined]


def test_a_revoked_token_is_an_auth_error(linkedin_double: LinkedInDouble) -> None:
    channel = build_channel(linkedin_double)
    linkedin_double.token_expires_at = int(time.time()) - 10
    assert isinstance(channel, InspectsCredentials)

    with pytest.raises(AuthError, match="no longer active"):
        channel.inspect_credentials()
    channel.close()


def test_introspection_goes_to_the_oauth_host_not_the_api_host(
    linkedin_double: LinkedInDouble,
) -> None:
    """LinkedIn serves OAuth from www.linkedin.com and the API from api.linkedin.com."""
    oauth = LinkedInDouble()
    oauth.start()
    try:
        settings = {**linkedin_double.channel_settings(), "oauth_base_url": oauth.url}
        channel = registry.build("linkedin", settings, linkedin_double.environ())
        assert isinstance(channel, InspectsCredentials)
        channel.inspect_credentials()
        channel.close()
    finally:
        oauth.stop()
    assert any("introspect" in r.path for r in oauth.requests)
    assert not any(r.path.startswith("/oauth/") for r in linkedin_double.requests)


def test_the_oauth_host_defaults_to_www_linkedin_com() -> None:
    from channels.linkedin import LinkedInSettings

    assert LinkedInSettings().oauth_base_url == "https://www.linkedin.com"
    with pytest.raises(ValueError, match="http"):
        LinkedInSettings(oauth_base_url="ftp://example.org")
