"""The reach section of the report and slot suggestions, from figures collected off the doubles."""

from __future__ import annotations

import json
from typing import Any

from publisher.context import Context
from publisher.service.metrics import collect_now
from publisher.service.reach import build_reach, suggest_slots
from publisher.tui.app import OyezApp
from tests.fakes.x import XDouble
from tests.helpers import oyez
from tests.metrics.conftest import Clock, remote_ids
from tests.tui.conftest import drive


def test_reach_sums_and_medians_per_channel_in_each_networks_own_names(measured: Context) -> None:
    reach = build_reach(measured)

    channels = {g.name: g for g in reach.channels}
    x, mastodon = channels["x"], channels["mastodon"]
    assert (x.posts_sent, x.measured, mastodon.posts_sent) == (3, 3, 2)
    x_likes = next(f for f in x.figures if f.name == "likes")
    assert (x_likes.label, x_likes.total, x_likes.median) == ("likes", 15, 4.0)
    favourites = next(f for f in mastodon.figures if f.name == "likes")
    assert (favourites.label, favourites.total) == ("favourites", 8)
    boosts = next(f for f in mastodon.figures if f.name == "reposts")
    assert boosts.label == "boosts"
    for group in (x, mastodon):  # neither network reported impressions here
        assert next(f for f in group.figures if f.name == "impressions").total is None
    assert next(f for f in mastodon.figures if f.name == "quotes").total is None
    assert (x.engagement, mastodon.engagement) == (13 + 1 + 5, 9 + 2)


def test_reach_per_source_top_posts_and_a_silent_week_shows_as_a_gap(measured: Context) -> None:
    reach = build_reach(measured)

    sources = {g.name: (g.posts_sent, g.engagement) for g in reach.sources}
    assert sources == {"manual": (2, 13 + 9), "tip": (1, 1), "feed": (2, 5 + 2)}
    assert [(p.channel, p.engagement) for p in reach.top[:2]] == [("x", 13), ("mastodon", 9)]
    posts = [w.posts for w in reach.weeks]
    assert sum(posts) == 5
    assert posts[-1] == 2
    assert 0 in posts[1:-1]  # the holiday week is there, empty


def test_slots_are_suggested_from_the_hours_that_drew_most_engagement(measured: Context) -> None:
    suggestion = suggest_slots(measured, "x")

    assert suggestion.measured == 3
    best_time, best_mean, _ = suggestion.times[0]
    best_post = next(p for p in build_reach(measured).top if p.channel == "x")
    assert best_time == f"{best_post.sent_at.hour:02d}:00"  # the channel's zone is UTC
    assert best_mean >= 13 / 2


def test_report_json_and_text_carry_the_reach_section(db_url: str, measured: Context) -> None:
    code, out, err = oyez(db_url, "report", "--json")
    assert code == 0, err
    reach = json.loads(out)["reach"]
    labels = {g["name"]: [f["label"] for f in g["figures"]] for g in reach["channels"]}
    assert labels["mastodon"][:3] == ["favourites", "boosts", "replies"]
    assert {g["name"] for g in reach["sources"]} == {"manual", "tip", "feed"}

    code, out, err = oyez(db_url, "report")
    assert code == 0, err
    assert "Reach" in out
    assert "favourites" in out


def test_report_html_has_the_reach_charts_inline_and_nothing_external(
    db_url: str, measured: Context
) -> None:
    code, out, err = oyez(db_url, "report", "--format", "html")

    assert code == 0, err
    assert "<h2>Reach</h2>" in out
    assert "<polyline" in out  # the weekly engagement line
    assert "favourites" in out
    for external in ("<script", "<link", "src=", "@import", "url("):
        assert external not in out


def test_slots_suggest_cli_names_times_and_refuses_an_unknown_channel(
    db_url: str, measured: Context
) -> None:
    code, out, err = oyez(db_url, "slots", "suggest", "x", "--json")
    assert code == 0, err
    assert len(json.loads(out)["times"]) >= 1

    code, out, err = oyez(db_url, "slots", "suggest", "nowhere")
    assert code != 0
    assert len(err.strip().splitlines()) == 1


def test_the_tui_report_screen_shows_the_reach_section(measured: Context) -> None:
    app = OyezApp(measured, poll_seconds=0)

    async def scenario(pilot: Any) -> None:
        await pilot.press("7")
        await app.workers.wait_for_complete()
        await pilot.pause()
        shown = str(app.screen.query_one("#report").render())
        assert "Reach" in shown
        assert "favourites 2" in shown  # the last 7 days: the third post only

    drive(app, scenario, (140, 60))


def test_each_top_post_has_a_sparkline_of_its_engagement_over_its_collections(
    db_url: str, measured: Context, clock: Clock, x_double: XDouble
) -> None:
    best = build_reach(measured).top[0]  # the first post on X: 13
    tweet = remote_ids(measured, best.post_id)["x"]
    x_double.set_metrics(tweet, like_count=30, retweet_count=5, reply_count=1)
    clock.advance(hours=23)
    collect_now(measured)

    top = build_reach(measured).top[0]
    code, page, err = oyez(db_url, "report", "--format", "html")

    assert [p.engagement for p in top.engagement_history] == [13, 36]
    assert code == 0, err
    assert page.count('class="spark"') == len(build_reach(measured).top)
    assert page.count("engagement 36</title></circle>") == 1
    code, out, err = oyez(db_url, "report", "--json")
    assert code == 0, err
    history = json.loads(out)["reach"]["top"][0]["engagement_history"]
    assert [p["engagement"] for p in history] == [13, 36]
