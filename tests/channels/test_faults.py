"""Every fault a network can throw comes back from its channel as one typed error."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from channels.base import Channel, Rendered
from channels.errors import (
    AuthError,
    ChannelError,
    DuplicateContent,
    OutcomeUnknown,
    PermanentError,
    RateLimited,
    Retryable,
)
from tests.fakes.fixtures import impatient
from tests.fakes.server import FakeAPI

#: What each fault on the post-creating call must become, on every network.
#: (Hangs become OutcomeUnknown: the hang tests below pin that with a short timeout.)
EXPECTED: dict[str, type[ChannelError]] = {
    "429": RateLimited,
    "500": Retryable,
    "503": Retryable,
    "401": AuthError,
    "duplicate": PermanentError,
    "reset_before": OutcomeUnknown,
    "reset_after": OutcomeUnknown,
    "html_502": Retryable,
}
#: Networks whose duplicate refusal is already the finer DuplicateContent.
DUPLICATE_CONTENT = {"x", "linkedin"}


def _publish(channel: Channel, text: str = "Backups: test a restore this week.") -> None:
    channel.publish(Rendered(delivery_key="fault-1", text=text))


@pytest.mark.parametrize("fault", sorted(EXPECTED))
def test_a_fault_while_posting_becomes_its_typed_error(
    network: tuple[FakeAPI, Channel], fault: str
) -> None:
    double, channel = network
    double.faults.push(fault, path=double.post_path)

    with pytest.raises(ChannelError) as raised:
        _publish(channel)

    expected = EXPECTED[fault]
    if fault == "duplicate" and double.kind in DUPLICATE_CONTENT:
        expected = DuplicateContent
    assert type(raised.value) is expected


def test_a_429_carries_the_reset_time_from_the_headers(network: tuple[FakeAPI, Channel]) -> None:
    double, channel = network
    double.rate_limit_seconds = 120
    double.faults.push("429", path=double.post_path)

    with pytest.raises(RateLimited) as raised:
        _publish(channel)

    reset = raised.value.reset_at
    assert reset is not None
    expected = datetime.now(UTC) + timedelta(seconds=120)
    # Facebook announces minutes to regain access; the others an epoch or a delay.
    assert abs((reset - expected).total_seconds()) < (300 if double.kind == "facebook" else 5)


def test_a_hang_after_the_post_was_made_is_an_unknown_outcome_and_the_post_exists(
    network: tuple[FakeAPI, Channel],
) -> None:
    double, _ = network
    double.faults.push("hang_after", path=double.post_path)

    with impatient(double) as channel, pytest.raises(OutcomeUnknown):
        _publish(channel)

    assert double.texts() == ["Backups: test a restore this week."]


def test_a_hang_before_the_post_was_made_is_an_unknown_outcome_and_nothing_exists(
    network: tuple[FakeAPI, Channel],
) -> None:
    double, _ = network
    double.faults.push("hang_before", path=double.post_path)

    with impatient(double) as channel, pytest.raises(OutcomeUnknown):
        _publish(channel)

    assert double.texts() == []


def test_a_refused_connection_is_retryable_because_nothing_was_sent(
    network: tuple[FakeAPI, Channel],
) -> None:
    double, channel = network
    channel.check_credentials()  # log in first where the network needs a session
    double.stop()

    with pytest.raises(Retryable) as raised:
        _publish(channel)

    assert not isinstance(raised.value, OutcomeUnknown)


def test_a_failed_lookup_is_retryable_not_unknown(network: tuple[FakeAPI, Channel]) -> None:
    double, channel = network
    if double.kind == "webhook":
        pytest.skip("a webhook has no lookup")
    channel.check_credentials()
    double.faults.push("reset_after")

    with pytest.raises(Retryable) as raised:
        channel.find_existing(Rendered(delivery_key="k", text="anything"))

    assert not isinstance(raised.value, OutcomeUnknown)


def test_a_2xx_answer_without_content_type_after_posting_is_an_unknown_outcome(
    network: tuple[FakeAPI, Channel],
) -> None:
    double, channel = network
    if double.kind == "webhook":
        pytest.skip("a webhook's answer body carries nothing we need")
    double.faults.push("no_content_type", path=double.post_path)

    with pytest.raises(OutcomeUnknown):
        _publish(channel)
