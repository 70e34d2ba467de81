"""Credentials: missing ones are named, wrong ones refused, and none ever leaks."""

from __future__ import annotations

import logging
from contextlib import nullcontext
from urllib.parse import quote, urlsplit

import pytest

from channels import registry
from channels.base import Rendered
from channels.credentials import Secret
from channels.errors import AuthError, ChannelError, ConfigError, PermanentError
from channels.transport import shorten
from tests.fakes.fixtures import DOUBLES, build_channel, impatient, start_double

#: Credential names that identify an account but are not secret.
NOT_SECRET = {"HANDLE", "PAGE_ID", "ORGANIZATION"}


@pytest.mark.parametrize("kind", sorted(DOUBLES))
def test_missing_credentials_are_one_config_error_naming_every_variable(kind: str) -> None:
    with DOUBLES[kind]() as double:
        names = list(double.credentials())
    settings = {"credentials": "env:OYEZ_MISSING", "api_base_url": "http://127.0.0.1:9"}
    if kind == "webhook":
        settings.pop("api_base_url")

    with pytest.raises(ConfigError) as raised:
        registry.build(kind, settings, {})

    for name in names:
        assert f"OYEZ_MISSING_{name}" in str(raised.value)


@pytest.mark.parametrize("kind", sorted(DOUBLES))
def test_wrong_credentials_are_an_auth_error_at_check_time(kind: str) -> None:
    double = start_double(kind)
    environ = {
        key: (value + "-wrong" if key.rsplit("_", 1)[-1] not in NOT_SECRET else value)
        for key, value in double.environ().items()
    }
    channel = registry.build(kind, double.channel_settings(), environ)
    try:
        with pytest.raises(AuthError):
            channel.check_credentials()
    finally:
        channel.close()
        double.stop()


@pytest.mark.parametrize("kind", sorted(DOUBLES))
def test_no_secret_appears_in_errors_reprs_or_logs(
    kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    double = start_double(kind)
    secrets = [v for k, v in double.credentials().items() if k not in NOT_SECRET]
    channel = build_channel(double)
    seen: list[str] = [repr(channel), str(channel)]
    try:
        channel.check_credentials()
        channel.publish(Rendered(delivery_key="s-1", text="Hello"))
        for fault in ("401", "500", "429", "reset_after", "hang_after"):
            double.faults.push(fault)
            try:
                with impatient(double) if fault.startswith("hang") else nullcontext(channel) as c:
                    c.publish(Rendered(delivery_key=f"s-{fault}", text=f"Fault {fault}"))
            except ChannelError as exc:
                seen += [str(exc), repr(exc), repr(exc.__cause__), repr(exc.__context__)]
        double.stop()
        try:
            channel.publish(Rendered(delivery_key="s-down", text="Network down"))
        except ChannelError as exc:
            seen += [str(exc), repr(exc)]
    finally:
        channel.close()
        double.stop()
    seen += [record.getMessage() for record in caplog.records]

    leaks = [s for s in secrets for text in seen if s in text]
    assert leaks == []


@pytest.mark.parametrize("kind", sorted(DOUBLES))
def test_a_receiver_that_echoes_the_request_gets_no_secret_into_the_error(kind: str) -> None:
    double = start_double(kind)
    secrets = [v for k, v in double.credentials().items() if k not in NOT_SECRET]
    # A hook URL's secret part is its path, which is all a receiver sees of it.
    secrets += [urlsplit(s).path for s in secrets if s.startswith("http")]
    channel = build_channel(double)
    errors: list[ChannelError] = []
    try:
        double.faults.push("echo", times=100)
        for call in (
            channel.check_credentials,
            lambda: channel.publish(Rendered(delivery_key="echo-1", text="Echo me")),
        ):
            try:
                call()
            except ChannelError as exc:
                errors.append(exc)
    finally:
        channel.close()
        double.stop()

    assert errors, "the echoing receiver was not asked"
    sent = [f"{r.path} {r.query} {r.headers.items()} {r.body.decode()}" for r in double.requests]
    echoed = [text for text in sent if any(s in text for s in secrets)]
    assert echoed, "no request carried a secret for the receiver to echo"
    texts = [str(e) for e in errors] + [repr(e) for e in errors]
    leaks = [s for s in secrets for text in texts if s in text or s[: len(s) // 2] in text]
    assert leaks == []


def test_a_secret_hides_itself_from_str_format_and_repr_but_not_from_reveal() -> None:
    secret = Secret("hunter2-very-secret")
    percent = "%s" % secret  # noqa: UP031  (the old way must hide it too)
    shown = [str(secret), f"{secret}", f"{secret!s}", f"{secret:>20}", percent, repr(secret)]
    assert all("hunter2" not in text for text in shown)
    assert str(secret) == "***"
    assert secret.reveal() == "hunter2-very-secret"


def test_an_error_text_that_quotes_a_known_secret_in_any_wire_form_is_redacted() -> None:
    Secret("https://hooks.example/services/T0/B0/abc+def/ghi")
    raw = "https://hooks.example/services/T0/B0/abc+def/ghi"
    for form in (raw, quote(raw, safe=""), raw.replace("/", "\\/"), "/services/T0/B0/abc+def/ghi"):
        error = PermanentError(f"receiver said: {form} is wrong")
        assert "abc+def" not in str(error), form
        assert "abc%2Bdef" not in str(error), form
        assert "***" in shorten(f"body {form} " * 20, 60)


def test_a_webhook_refuses_an_api_base_url_where_a_hook_url_would_sit_in_plain_text() -> None:
    with pytest.raises(ConfigError, match="takes no api_base_url"):
        registry.build(
            "webhook",
            {"api_base_url": "https://hooks.example/services/T0/B0/XXXX"},
            {"OYEZ_WEBHOOK_URL": "https://hooks.example/services/T0/B0/XXXX"},
        )


@pytest.mark.parametrize("kind", sorted(DOUBLES))
def test_an_account_identifier_stays_readable_in_errors_while_its_secrets_are_hidden(
    kind: str,
) -> None:
    """A Page id is part of every Facebook post id: hiding it would hide which post failed."""
    double = start_double(kind)
    environ = double.environ()
    channel = registry.build(kind, double.channel_settings(), environ)
    try:
        for key, value in environ.items():
            text = shorten(f"post {value}_17 is gone")
            if any(key.endswith(f"_{name}") for name in NOT_SECRET):
                assert value in text
            else:
                assert value not in text
    finally:
        channel.close()
        double.stop()
