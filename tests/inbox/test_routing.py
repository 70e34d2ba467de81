"""Route rules tag, assign and flag items as they arrive; a burst raises one spike alert."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from publisher.context import Context
from publisher.context.settings import GuidelineSettings, InboxSettings
from publisher.guidelines import PackError, loads_pack
from publisher.service import inbox, listening, posts, streams
from queue_db import events
from queue_db.states import StreamKind
from tests.fakes.webhook import WebhookDouble
from tests.fakes.x import XDouble
from tests.helpers import make_context
from tests.inbox.helpers import add_network

PACK = """
[pack]
name = "council"
extends = "default"

[[route]]
keyword = ["food poisoning", "phishing"]
tag = "csirt"
assign = "csirt"
urgent = true

[[route]]
regex = "\\\\bbins?\\\\b"
tag = "waste"
"""


def test_route_tables_are_validated_with_the_pack() -> None:
    pack = loads_pack(PACK)
    assert [r.tag for r in pack.routes] == ["csirt", "waste"]
    with pytest.raises(PackError, match="keyword or a regex"):
        loads_pack('[[route]]\ntag = "x"\n')
    with pytest.raises(PackError, match="tag, assign or urgent"):
        loads_pack('[[route]]\nkeyword = "x"\n')
    with pytest.raises(PackError, match="regular expression"):
        loads_pack('[[route]]\nregex = "("\ntag = "x"\n')


def test_matching_items_are_tagged_assigned_and_marked_urgent(
    db_url: str, tmp_path: Path, x_double: XDouble, monkeypatch: pytest.MonkeyPatch
) -> None:
    pack = tmp_path / "council.toml"
    pack.write_text(PACK, encoding="utf-8")
    ctx = make_context(db_url, guidelines=GuidelineSettings(pack=str(pack)))
    add_network(ctx, x_double, monkeypatch)
    streams.add_stream(ctx, "mentions", "net", StreamKind.MENTIONS)
    x_double.tweet_as("alice", "@oyez_test I got Food Poisoning at the market")
    x_double.tweet_as("bob", "@oyez_test the bin was not emptied")
    x_double.tweet_as("carol", "@oyez_test thanks!")

    listening.poll(ctx)

    by_author = {i.author_handle: i for i in inbox.list_items(ctx)}
    urgent = by_author["@alice"]
    assert (urgent.tags, urgent.assignee, urgent.urgent, urgent.state) == (
        ["csirt"],
        "csirt",
        True,
        "assigned",
    )
    assert by_author["@bob"].tags == ["waste"]
    assert not by_author["@bob"].urgent
    assert by_author["@carol"].tags == []
    assert by_author["@carol"].state == "new"
    assert [i.author_handle for i in inbox.list_items(ctx, tag="waste")] == ["@bob"]
    with ctx.tx() as tx:
        (routed,) = events.of_actions(tx, ["inbox_routed"])
    assert routed.detail["assignee"] == "csirt"
    ctx.close()


def test_an_hour_far_above_the_average_raises_one_spike_alert(
    db_url: str, x_double: XDouble, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = make_context(db_url, inbox=InboxSettings(spike_factor=3, spike_min=10))
    add_network(ctx, x_double, monkeypatch)
    streams.add_stream(ctx, "mentions", "net", StreamKind.MENTIONS, every_minutes=1)
    now = time.time()
    for hour in range(2, 20):  # one an hour through the day before
        x_double.tweet_as("steady", f"@oyez_test hour {hour}", created_at=now - hour * 3600)
    listening.poll(ctx)
    assert listening.recent_spikes(ctx) == []

    for n in range(12):
        x_double.tweet_as(f"user{n}", f"@oyez_test the road is flooded {n}")
    ctx.clock = lambda: datetime.now(UTC) + timedelta(minutes=2)
    (round_,) = listening.poll(ctx).streams
    assert round_.spike
    (spike,) = listening.recent_spikes(ctx)
    assert spike.stream == "mentions"
    with ctx.tx() as tx:
        (event,) = events.of_actions(tx, ["inbox_spike"])
    assert event.detail["last_hour"] == 12

    x_double.tweet_as("late", "@oyez_test still flooded")
    ctx.clock = lambda: datetime.now(UTC) + timedelta(minutes=4)
    assert not listening.poll(ctx).streams[0].spike  # one alert an hour
    ctx.close()


def _burst(ctx: Context, x_double: XDouble) -> listening.StreamRound:
    now = time.time()
    for hour in range(2, 20):
        x_double.tweet_as("steady", f"@oyez_test hour {hour}", created_at=now - hour * 3600)
    listening.poll(ctx)
    for n in range(12):
        x_double.tweet_as(f"user{n}", f"@oyez_test the road is flooded {n}")
    ctx.clock = lambda: datetime.now(UTC) + timedelta(minutes=2)
    (round_,) = listening.poll(ctx).streams
    return round_


def test_a_spike_is_posted_once_to_the_webhook_channel_the_setting_names(
    db_url: str, x_double: XDouble, webhook_double: WebhookDouble, monkeypatch: pytest.MonkeyPatch
) -> None:
    from publisher.engine.runner import Dispatcher
    from publisher.service import pause

    settings = InboxSettings(spike_factor=3, spike_min=10, spike_channel="alerts")
    ctx = make_context(db_url, inbox=settings)
    add_network(ctx, x_double, monkeypatch)
    add_network(ctx, webhook_double, monkeypatch, name="alerts")
    streams.add_stream(ctx, "mentions", "net", StreamKind.MENTIONS, every_minutes=1)
    pause.pause_all(ctx, "storm response")  # a crisis pause holds no alert

    assert _burst(ctx, x_double).spike
    (alert,) = posts.list_posts(ctx, source="alert")
    assert (alert.state, alert.urgent) == ("scheduled", True)
    Dispatcher(ctx).run(once=True)
    Dispatcher(ctx).run(once=True)

    (sent,) = webhook_double.posts
    assert sent.text.startswith("Inbox spike on stream mentions: 12 items in the last hour")
    x_double.tweet_as("late", "@oyez_test still flooded")
    ctx.clock = lambda: datetime.now(UTC) + timedelta(minutes=4)
    listening.poll(ctx)
    assert len(posts.list_posts(ctx, source="alert")) == 1  # one alert an hour
    ctx.close()


def test_a_spike_channel_that_is_not_a_webhook_posts_nothing_but_the_spike_is_kept(
    db_url: str, x_double: XDouble, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = make_context(
        db_url, inbox=InboxSettings(spike_factor=3, spike_min=10, spike_channel="net")
    )
    add_network(ctx, x_double, monkeypatch)
    streams.add_stream(ctx, "mentions", "net", StreamKind.MENTIONS, every_minutes=1)

    assert _burst(ctx, x_double).spike
    assert posts.list_posts(ctx, source="alert") == []
    assert [s.stream for s in listening.recent_spikes(ctx)] == ["mentions"]
    ctx.close()
