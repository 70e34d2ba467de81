"""The engine and the Bluesky channel: a lost answer found by paging back to the
attempt, and a long post's thread finished after its second part's answer was lost,
every part made once. The real atproto client against the Bluesky double."""

from __future__ import annotations

from datetime import UTC, datetime

from channels.base import Channel
from publisher.engine.delivery import Deliverer
from queue_db.deliveries import read
from queue_db.tables import Channel as ChannelRow
from tests.fakes.bluesky import BlueskyDouble
from tests.fakes.fixtures import build_channel, start_double
from tests.helpers import add_outbox
from tests.integration.engine.conftest import Engine

CREATE = "com.atproto.repo.createRecord"
LONG = " ".join(f"Sentence number {n} of the notice." for n in range(22))


def _run_past_a_lost_answer(
    engine: Engine, text: str, *, after: int, elsewhere: int
) -> tuple[str, list[str]]:
    """Deliver ``text`` with the answer to create call ``after`` lost, ``elsewhere`` posts
    made on the account before reconciliation: the delivery's state and the texts made."""
    double = start_double("bluesky")
    assert isinstance(double, BlueskyDouble)
    channel = build_channel(double)
    try:
        engine.clock.now = datetime.now(UTC)  # the double stamps records with the real time
        add_outbox(engine.ctx, "net", engine.folder / "net")

        def build(row: ChannelRow) -> Channel:
            return channel if row.name == "net" else engine.build(row)

        deliverer = Deliverer(engine.ctx, "worker-a", build=build)
        double.faults.push("reset_after", path=CREATE, after=after)
        view = engine.post(text, ["net"])
        deliverer.run_once()
        with engine.ctx.tx() as tx:
            ((delivery, _),) = read.of_post(tx, view.id)
            assert delivery.state == "unknown"
            due = delivery.next_attempt_at
        for n in range(elsewhere):
            double.own_post(f"Posted from the app, number {n}.")
        assert due is not None
        engine.clock.now = max(due, datetime.now(UTC))
        deliverer.run_once()
        engine.clock.now = max(engine.clock.now, datetime.now(UTC))
        deliverer.run_once()
        with engine.ctx.tx() as tx:
            ((delivery, _),) = read.of_post(tx, view.id)
            return str(delivery.state), double.texts()
    finally:
        channel.close()
        double.stop()


def test_a_lost_answer_buried_under_250_newer_posts_is_found_and_sent_once(
    engine: Engine,
) -> None:
    text = "Water main repair on Elm Street: expect low pressure."

    state, texts = _run_past_a_lost_answer(engine, text, after=0, elsewhere=250)

    assert state == "sent"
    assert texts.count(text) == 1


def test_a_thread_whose_second_part_lost_its_answer_is_finished_with_each_part_once(
    engine: Engine,
) -> None:
    state, texts = _run_past_a_lost_answer(engine, LONG, after=1, elsewhere=30)

    assert state == "sent"
    parts = [t for t in texts if t.startswith("Sentence")]
    assert [t.rsplit(" ", 1)[1] for t in parts] == ["1/3", "2/3", "3/3"]
