"""The engine tells a channel when the lost attempt began, so it pages back that far.

A lost answer followed by 250 posts made by people or other tools on the
account (far beyond the newest 100 of X, 40 of Mastodon, 25 of Facebook the
old look-back read): the engine finds the post by time and marks it sent,
never sends it again. A channel whose page budget cannot reach back that far
says so, and the delivery waits for a person with that reason. Real client
libraries against the API doubles, on SQLite and PostgreSQL.
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
from tests.fakes.fixtures import build_channel
from tests.fakes.mastodon import MastodonDouble
from tests.fakes.server import FakeAPI
from tests.fakes.x import XDouble
from tests.helpers import add_outbox
from tests.integration.engine.conftest import Engine

TEXT = "Water main repair on Elm Street: expect low pressure."


#: Posts made on the account by others after the lost answer.
BURIED_UNDER = 250
#: Every kind whose find_existing pages back by time (Bluesky has its own tests).
PAGING = ["x", "mastodon", "facebook"]


def _post_elsewhere(double: FakeAPI) -> Callable[[str], object]:
    """How "another tool" posts on the account of each kind that pages by time."""
    if isinstance(double, XDouble | MastodonDouble):
        return double.post_as_account
    if isinstance(double, FacebookDouble):
        return double.post_as_page
    raise AssertionError(double.kind)


def _state(engine: Engine, post_id: int) -> tuple[str, datetime | None]:
    with engine.ctx.tx() as tx:
        ((delivery, _),) = read.of_post(tx, post_id)
        return delivery.state, delivery.next_attempt_at


def _lose_and_bury(engine: Engine, double: FakeAPI, channel: Channel) -> tuple[Deliverer, int]:
    """Publish through ``channel`` with the answer lost, then bury it under others' posts."""
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
    for n in range(BURIED_UNDER):
        post_elsewhere(f"Posted from the web, number {n}.")
    assert due is not None
    engine.clock.now = max(due, datetime.now(UTC))
    return deliverer, view.id


@pytest.mark.parametrize("network", PAGING, indirect=True)
def test_a_lost_answer_buried_under_250_newer_posts_is_found_and_sent_once(
    engine: Engine, network: tuple[FakeAPI, Channel]
) -> None:
    double, channel = network
    deliverer, post_id = _lose_and_bury(engine, double, channel)
    deliverer.run_once()

    assert _state(engine, post_id)[0] == "sent"
    assert double.texts().count(TEXT) == 1
    with engine.ctx.tx() as tx:
        ((delivery, _),) = read.of_post(tx, post_id)
    assert delivery.attempts == 1  # found, never sent again


@pytest.mark.parametrize("network", PAGING, indirect=True)
def test_a_look_back_its_page_budget_cannot_cover_asks_a_person_with_the_reason(
    engine: Engine, network: tuple[FakeAPI, Channel]
) -> None:
    double, _ = network
    short = build_channel(double, reconcile_pages=1)  # one page: 100, 40 or 100 posts
    try:
        deliverer, post_id = _lose_and_bury(engine, double, short)
        deliverer.run_once()
    finally:
        short.close()
    with engine.ctx.tx() as tx:
        ((delivery, _),) = read.of_post(tx, post_id)
    assert delivery.state == "needs_attention"
    assert delivery.last_error is not None
    assert "cannot tell whether it was published" in delivery.last_error
    assert "look" in delivery.last_error
    assert double.texts().count(TEXT) == 1  # never sent again on a guess
