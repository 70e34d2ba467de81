"""Collecting reach through the real clients against the doubles: schedule, refresh, 429, gone."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from publisher.context import Context
from publisher.service.metrics import ReachCollector, collect_due, collect_now
from queue_db import metrics as metric_db
from queue_db.deliveries import read
from tests.fakes.facebook import FacebookDouble
from tests.fakes.mastodon import MastodonDouble
from tests.fakes.x import XDouble
from tests.metrics.conftest import Clock, connect, publish, remote_ids


def _delivery(ctx: Context, post_id: int, channel: str) -> int:
    with ctx.tx() as tx:
        return next(d.id for d, c in read.of_post(tx, post_id) if c.name == channel)


def _lookups(x: XDouble) -> int:
    return sum(1 for r in x.requests if r.method == "GET" and r.path == "/2/tweets")


def test_figures_are_collected_after_an_hour_refreshed_after_a_day_and_a_week_then_never(
    ctx: Context, clock: Clock, x_double: XDouble
) -> None:
    connect(ctx, x_double)
    post = publish(ctx, "The library reopens on Monday.", ["x", "news"])
    tweet = remote_ids(ctx, post)["x"]
    x_double.set_metrics(tweet, like_count=3, retweet_count=1, impression_count=90)

    clock.advance(minutes=30)
    assert collect_due(ctx).measured == 0
    clock.advance(minutes=31)
    first = collect_due(ctx)
    x_double.set_metrics(tweet, like_count=40, impression_count=1200)
    clock.advance(hours=2)
    between = collect_due(ctx)
    clock.advance(hours=22)
    second = collect_due(ctx)
    clock.advance(days=6, minutes=1)
    third = collect_due(ctx)
    clock.advance(days=1)
    after = collect_due(ctx)

    assert [c.measured for c in (first, between, second, third, after)] == [1, 0, 1, 1, 0]
    assert [c.channel for c in first.channels] == ["x"]  # the outbox cannot measure
    delivery = _delivery(ctx, post, "x")
    with ctx.tx() as tx:
        series = metric_db.samples(tx, delivery)
        latest = metric_db.latest(tx, [delivery])[delivery]
    assert [(s.likes, s.impressions) for s in series] == [(3, 90), (40, 1200), (40, 1200)]
    assert (latest.likes, latest.reposts, latest.impressions) == (40, 1, 1200)
    assert latest.next_due_at is None
    assert _lookups(x_double) == 3


def test_figures_a_network_does_not_give_are_null_not_zero(
    ctx: Context, clock: Clock, x_double: XDouble, mastodon_double: MastodonDouble
) -> None:
    connect(ctx, x_double)
    connect(ctx, mastodon_double)
    x_double.impressions = False
    post = publish(ctx, "Roadworks on Bridge Road start tomorrow.", ["x", "mastodon"])
    mastodon_double.set_counts(remote_ids(ctx, post)["mastodon"], favourites_count=5)
    clock.advance(minutes=61)

    collect_due(ctx)

    ids = [_delivery(ctx, post, "x"), _delivery(ctx, post, "mastodon")]
    with ctx.tx() as tx:
        on_x, on_mastodon = (metric_db.latest(tx, ids)[i] for i in ids)
    assert (on_x.likes, on_x.impressions) == (0, None)
    assert (on_mastodon.likes, on_mastodon.quotes, on_mastodon.impressions) == (5, None, None)


def test_a_429_stops_that_channel_until_its_reset_and_the_others_carry_on(
    ctx: Context, clock: Clock, x_double: XDouble, mastodon_double: MastodonDouble
) -> None:
    connect(ctx, x_double)
    connect(ctx, mastodon_double)
    publish(ctx, "Bins move to Saturday this week.", ["x", "mastodon"])
    clock.advance(minutes=61)
    x_double.faults.push("429", path="/2/tweets", method="GET")
    rests: dict[int, datetime] = {}

    limited = collect_due(ctx, rests)
    clock.advance(seconds=10)
    waiting = collect_due(ctx, rests)
    reset = {c.channel: c for c in limited.channels}["x"].rate_limited_until
    assert reset is not None
    clock.now = reset + timedelta(seconds=1)
    resumed = collect_due(ctx, rests)

    by_channel = {c.channel: c for c in limited.channels}
    assert (by_channel["x"].measured, by_channel["mastodon"].measured) == (0, 1)
    assert [(c.channel, c.calls, c.measured) for c in waiting.channels] == [("x", 0, 0)]
    assert [(c.channel, c.measured) for c in resumed.channels] == [("x", 1)]
    assert _lookups(x_double) == 2  # the refused call and the one after the reset


def test_a_post_deleted_on_the_network_is_marked_gone_and_never_asked_for_again(
    ctx: Context, clock: Clock, x_double: XDouble
) -> None:
    connect(ctx, x_double)
    kept = publish(ctx, "Still here.", ["x"])
    gone = publish(ctx, "Posted by mistake.", ["x"])
    x_double.find_tweet(remote_ids(ctx, gone)["x"]).deleted = True  # type: ignore[union-attr]
    clock.advance(minutes=61)

    first = collect_now(ctx)
    again = collect_now(ctx)

    assert [(c.asked, c.measured, c.gone) for c in first.channels] == [(2, 1, 1)]
    assert [(c.asked, c.measured, c.gone) for c in again.channels] == [(1, 1, 0)]
    with ctx.tx() as tx:
        latest = metric_db.latest(tx, [_delivery(ctx, gone, "x"), _delivery(ctx, kept, "x")])
    assert latest[_delivery(ctx, gone, "x")].gone_at == first.collected_at
    assert latest[_delivery(ctx, kept, "x")].gone_at is None


def test_collect_now_asks_for_every_post_in_the_window_whatever_the_schedule(
    ctx: Context, clock: Clock, x_double: XDouble
) -> None:
    connect(ctx, x_double)
    publish(ctx, "Eight days old.", ["x"])
    clock.advance(days=8)
    publish(ctx, "Ten minutes old.", ["x"])
    clock.advance(minutes=10)
    ticks: list[tuple[int, int]] = []

    assert collect_due(ctx).measured == 0  # not yet due by the schedule
    done = collect_now(ctx, progress=lambda n, total: ticks.append((n, total)))

    assert [(c.asked, c.measured, c.calls) for c in done.channels] == [(1, 1, 1)]
    assert ticks[0] == (0, 1)
    assert ticks[-1] == (1, 1)


def test_the_daemon_collects_due_figures_on_its_own(
    ctx: Context, clock: Clock, x_double: XDouble
) -> None:
    connect(ctx, x_double)
    post = publish(ctx, "The pool is open late on Fridays.", ["x"])
    clock.advance(minutes=61)
    collector = ReachCollector(ctx, every=0.05, first_after=0)
    delivery = _delivery(ctx, post, "x")

    collector.start()
    try:
        for _ in range(400):  # up to 20 s on a starved machine; usually the first look
            with ctx.tx() as tx:
                if metric_db.latest(tx, [delivery]):
                    break
            time.sleep(0.05)
    finally:
        collector.stop()

    with ctx.tx() as tx:
        assert len(metric_db.samples(tx, delivery)) == 1  # due once, asked once


def test_facebook_reactions_comments_and_shares_are_stored_as_likes_replies_reposts(
    ctx: Context, clock: Clock, facebook_double: FacebookDouble
) -> None:
    connect(ctx, facebook_double)
    post = publish(ctx, "Council tax bills go out next week.", ["facebook"])
    facebook_double.set_figures(remote_ids(ctx, post)["facebook"], reactions=12, comments=4)
    clock.advance(minutes=61)

    done = collect_due(ctx)

    assert [(c.channel, c.measured) for c in done.channels] == [("facebook", 1)]
    delivery = _delivery(ctx, post, "facebook")
    with ctx.tx() as tx:
        latest = metric_db.latest(tx, [delivery])[delivery]
    assert (latest.likes, latest.replies) == (12, 4)
    assert latest.quotes is None  # Facebook has no quotes
    assert latest.impressions is None


def test_a_failing_network_is_reported_and_rested_while_its_figures_wait(
    ctx: Context, clock: Clock, x_double: XDouble
) -> None:
    connect(ctx, x_double)
    publish(ctx, "Bins move to Saturday this week.", ["x"])
    clock.advance(minutes=61)
    x_double.faults.push("401", path="/2/tweets", method="GET")
    rests: dict[int, datetime] = {}

    failed = collect_due(ctx, rests)
    clock.advance(minutes=20)
    later = collect_due(ctx, rests)

    (result,) = failed.channels
    assert (result.measured, result.gone) == (0, 0)
    assert result.error is not None
    assert [c.measured for c in later.channels] == [1]  # still due, asked after the rest
