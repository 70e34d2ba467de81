"""Credentials: missing ones are named, wrong ones refused, and none ever leaks."""

from __future__ import annotations

import logging
from contextlib import nullcontext

import pytest

from channels import registry
from channels.base import Rendered
from channels.errors import AuthError, ChannelError, ConfigError
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
