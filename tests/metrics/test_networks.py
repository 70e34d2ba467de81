"""Bluesky and LinkedIn reach, collected through the real clients and shown in the report."""

from __future__ import annotations

import json
from typing import Any

import pytest

from publisher.context import Context
from publisher.service.metrics import collect_now
from publisher.service.reach import build_reach
from tests.fakes.bluesky import BlueskyDouble
from tests.fakes.fixtures import bluesky_double, linkedin_double  # noqa: F401
from tests.fakes.linkedin import LinkedInDouble
from tests.helpers import oyez
from tests.metrics.conftest import Clock, connect, publish, remote_ids


@pytest.fixture
def networks(
    ctx: Context,
    clock: Clock,
    bluesky_double: BlueskyDouble,  # noqa: F811 (the fixture imported above)
    linkedin_double: LinkedInDouble,  # noqa: F811
) -> Context:
    """One post on Bluesky and LinkedIn, measured an hour later."""
    connect(ctx, bluesky_double)
    connect(ctx, linkedin_double)
    post = publish(ctx, "The library reopens on Monday.", ["bluesky", "linkedin"])
    ids = remote_ids(ctx, post)
    bluesky_double.catch_up()
    bluesky_double.set_counts(
        ids["bluesky"], likeCount=12, repostCount=3, replyCount=2, quoteCount=1
    )
    linkedin_double.likes[ids["linkedin"]] = 7
    clock.advance(hours=1)
    done = collect_now(ctx)
    assert sorted((c.channel, c.measured, c.calls) for c in done.channels) == [
        ("bluesky", 1, 1),
        ("linkedin", 1, 1),
    ]
    return ctx


def _figures(group: dict[str, Any]) -> dict[str, tuple[str, int | None]]:
    return {f["name"]: (f["label"], f["total"]) for f in group["figures"]}


def test_bluesky_and_linkedin_figures_reach_the_report_in_their_own_names_nulls_kept(
    db_url: str, networks: Context
) -> None:
    code, out, err = oyez(db_url, "report", "--json")

    assert code == 0, err
    reach = json.loads(out)["reach"]
    channels = {g["name"]: _figures(g) for g in reach["channels"]}
    assert channels["bluesky"] == {
        "likes": ("likes", 12),
        "reposts": ("reposts", 3),
        "replies": ("replies", 2),
        "quotes": ("quotes", 1),
        "impressions": ("impressions", None),  # Bluesky gives none
    }
    linkedin = channels["linkedin"]
    assert (linkedin["likes"], linkedin["replies"]) == (("likes", 7), ("comments", 0))
    assert [linkedin[f][1] for f in ("reposts", "quotes", "impressions")] == [None] * 3
    (manual,) = reach["sources"]
    assert _figures(manual)["impressions"] == ("impressions", None)  # nothing to add up
    assert _figures(manual)["likes"] == ("likes", 19)
    assert {g["name"]: g["engagement"] for g in reach["channels"]} == {
        "bluesky": 18,
        "linkedin": 7,
    }


def test_the_text_and_html_report_name_linkedins_comments_as_linkedin_does(
    db_url: str, networks: Context
) -> None:
    code, out, err = oyez(db_url, "report")
    assert code == 0, err
    assert "linkedin (linkedin) counts comments as replies" in out
    assert "bluesky (bluesky) counts" not in out  # its names are the generic ones

    code, page, err = oyez(db_url, "report", "--format", "html")
    assert code == 0, err
    assert 'title="comments: sum / median over 1"' in page
    assert 'title="quotes: sum / median over 1"' in page  # Bluesky's quotes
    assert 'title="impressions: sum / median over 0">— / —' in page


def test_a_bluesky_post_deleted_there_is_marked_gone_and_linkedin_carries_on(
    networks: Context,
    clock: Clock,
    bluesky_double: BlueskyDouble,  # noqa: F811
) -> None:
    for post in bluesky_double.posts:
        post.deleted = True
    clock.advance(hours=23)

    done = collect_now(networks)

    by_channel = {c.channel: (c.measured, c.gone) for c in done.channels}
    assert by_channel == {"bluesky": (0, 1), "linkedin": (1, 0)}
    reach = build_reach(networks)
    bluesky = next(g for g in reach.channels if g.name == "bluesky")
    likes = next(f for f in bluesky.figures if f.name == "likes")
    assert likes.total == 12  # the figures from before it went are kept
