"""The engine tells a channel when the lost attempt began, so it pages back that far.

A lost answer followed by 250 posts made by people or other tools on the
account: the engine finds the post by time and marks it sent, never sends it
again. Real client libraries against the API doubles, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from channels.base import Channel
from publisher.engine.delivery import Deliverer
from queue_db.deliveries import read
from queue_db.tables import Channel as ChannelRow
from tests.fakes.facebook import FacebookDouble
from tests.fakes.server import FakeAPI
from tests.fakes.x import XDouble
from tests.helpers import add_outbox
from tests.integration.engine.conftest import Engine

TEXT = "Water main repair on Elm Street: expect low pressure."


def _post_elsewhere(double: FakeAPI) -> Callable[[str], object]:
    """How "another tool" posts on the account of each kind that pages by time."""
    if isinstance(double, XDouble):
        return double.post_as_account
    if isinstance(double, FacebookDouble):
        return double.post_as_page
    raise AssertionError(double.kind)


def _state(engine: Engine, post_id: int) -> tuple[str, datetime | None]:
    with engine.ctx.tx() as tx:
        ((delivery, _),) = read.of_post(tx, post_id)
        return delivery.state, delivery.next_attempt_at


@pytest.mark.parametrize("network", ["x", "facebook"], indirect=True)
def test_a_lost_answer_buried_under_250_newer_posts_is_found_and_sent_once(
    engine: Engine, network: tuple[FakeAPI, Channel]
) -> None:
    double, channel = network
    engine.clock.now = datetime.now(UTC)  # the double stamps posts with the real time
    add_outbox(engine.ctx, "net", engine.folder / "net")

    def build(row: ChannelRow) -> Channel:
        return channel if row.name == "net" else engine.build(row)

    deliverer = Deliverer(engine.ctx, "worker-a", build=build)
    double.faults.push("reset_after", path=double.post_path)  # made, but the answer is lost
    view = engine.post(TEXT, ["net"])
    deliverer.run_once()
    state, due = _state(engine, view.id)
    assert state == "unknown"
    post_elsewhere = _post_elsewhere(double)
    for n in range(250):
        post_elsewhere(f"Posted from the web, number {n}.")

    assert due is not None
    engine.clock.now = max(due, datetime.now(UTC))
    deliverer.run_once()

    assert _state(engine, view.id)[0] == "sent"
    assert double.texts().count(TEXT) == 1
