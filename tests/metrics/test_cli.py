"""``oyez metrics collect``, the figures in ``post show --json`` and in the export."""

from __future__ import annotations

import csv
import io
import json

import pytest

from publisher.context import Context
from publisher.service.metrics import collect_now
from tests.fakes.x import XDouble
from tests.helpers import oyez
from tests.metrics.conftest import Clock, connect, publish, remote_ids


@pytest.fixture
def measured_post(
    ctx: Context, db_url: str, x_double: XDouble, monkeypatch: pytest.MonkeyPatch
) -> int:
    """A post sent to ``x`` and ``news`` whose tweet has 7 likes and no impressions."""
    connect(ctx, x_double)
    for key, value in x_double.environ().items():
        monkeypatch.setenv(key, value)
    post = publish(ctx, "The library reopens on Monday.", ["x", "news"])
    x_double.impressions = False
    x_double.set_metrics(remote_ids(ctx, post)["x"], like_count=7, reply_count=2)
    return post


def test_metrics_collect_json_says_what_each_channel_answered(
    db_url: str, measured_post: int
) -> None:
    code, out, err = oyez(db_url, "metrics", "collect", "--json")

    assert code == 0, err
    body = json.loads(out)
    assert [
        (c["channel"], c["asked"], c["measured"], c["gone"], c["calls"]) for c in body["channels"]
    ] == [("x", 1, 1, 0, 1)]
    assert body["channels"][0]["rate_limited_until"] is None


def test_post_show_json_gives_each_delivery_its_metrics_with_null_for_absent(
    db_url: str, measured_post: int
) -> None:
    assert oyez(db_url, "metrics", "collect")[0] == 0

    code, out, err = oyez(db_url, "post", "show", str(measured_post), "--json")

    assert code == 0, err
    metrics = {d["channel"]: d["metrics"] for d in json.loads(out)["deliveries"]}
    assert set(metrics["x"]) == {
        "likes",
        "reposts",
        "replies",
        "quotes",
        "impressions",
        "collected_at",
    }
    assert (metrics["x"]["likes"], metrics["x"]["replies"], metrics["x"]["reposts"]) == (7, 2, 0)
    assert metrics["x"]["impressions"] is None
    assert metrics["x"]["collected_at"] is not None
    assert set(metrics["news"].values()) == {None}  # an outbox cannot measure


def test_the_export_carries_the_latest_metrics(db_url: str, measured_post: int) -> None:
    assert oyez(db_url, "metrics", "collect")[0] == 0

    code, out, err = oyez(db_url, "export", "--format", "csv")

    assert code == 0, err
    rows = [r for r in csv.DictReader(io.StringIO(out)) if r["record"] == "delivery"]
    by_channel = {r["channel"]: r for r in rows}
    assert by_channel["x"]["metrics_likes"] == "7"
    assert by_channel["x"]["metrics_impressions"] == ""
    assert by_channel["news"]["metrics_collected_at"] == ""


def test_metrics_collect_with_nothing_sent_says_so(db_url: str, ctx: Context) -> None:
    code, out, _ = oyez(db_url, "metrics", "collect")

    assert code == 0
    assert "no sent posts" in out


def test_post_show_prints_the_reach_of_each_measured_delivery(
    db_url: str, measured_post: int
) -> None:
    assert oyez(db_url, "metrics", "collect")[0] == 0

    code, out, err = oyez(db_url, "post", "show", str(measured_post))

    assert code == 0, err
    assert "reach: likes 7, reposts 0, replies 2, quotes 0 (at " in out
    assert out.count("reach:") == 1  # the outbox delivery has none


def test_post_show_gives_each_deliverys_figures_over_its_life_oldest_first(
    db_url: str, ctx: Context, clock: Clock, x_double: XDouble
) -> None:
    connect(ctx, x_double)
    x_double.impressions = False
    post = publish(ctx, "The library reopens on Monday.", ["x", "news"])
    tweet = remote_ids(ctx, post)["x"]
    x_double.set_metrics(tweet, like_count=3)
    clock.advance(hours=1)
    collect_now(ctx)
    x_double.set_metrics(tweet, like_count=40, reply_count=5)
    clock.advance(hours=23)
    collect_now(ctx)

    code, out, err = oyez(db_url, "post", "show", str(post), "--json")

    assert code == 0, err
    deliveries = {d["channel"]: d for d in json.loads(out)["deliveries"]}
    history = deliveries["x"]["metrics_history"]
    assert [(h["likes"], h["replies"], h["impressions"]) for h in history] == [
        (3, 0, None),
        (40, 5, None),
    ]
    assert [h["collected_at"] for h in history] == sorted(h["collected_at"] for h in history)
    assert history[-1] == deliveries["x"]["metrics"]
    assert deliveries["news"]["metrics_history"] == []  # an outbox cannot measure

    code, out, err = oyez(db_url, "post", "show", str(post))

    assert code == 0, err
    lines = out.splitlines()
    start = lines.index("    over time (UTC):")
    assert [line.split("  ")[-1] for line in lines[start + 1 : start + 3]] == [
        "likes 3, reposts 0, replies 0, quotes 0",
        "likes 40, reposts 0, replies 5, quotes 0",
    ]


def test_post_list_json_carries_the_same_metrics_history(db_url: str, measured_post: int) -> None:
    assert oyez(db_url, "metrics", "collect")[0] == 0

    code, out, err = oyez(db_url, "post", "list", "--json")

    assert code == 0, err
    (post,) = json.loads(out)
    history = {d["channel"]: d["metrics_history"] for d in post["deliveries"]}
    assert [h["likes"] for h in history["x"]] == [7]
    assert history["news"] == []
