"""Polling against a local HTTP server, on real SQLite and PostgreSQL: once each, forever."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from publisher.cli.feeds_cmd import _summary
from publisher.context import Context
from publisher.context.settings import GuidelineSettings
from publisher.service.channels import add_channel
from publisher.service.slots import set_slots
from publisher.sources.feeds.poll import PollResult
from publisher.sources.feeds.subscriptions import FeedOptions, add_feed, get_feed, poll_feeds
from tests.feeds.conftest import LIMITS, feed_posts
from tests.feeds.feedgen import Item, items, rss
from tests.feeds.server import FeedServer, Route
from tests.helpers import add_outbox, make_context


def subscribe(ctx: Context, server: FeedServer, body: bytes, **options: object) -> str:
    server.serve("/feed.xml", Route(body=body, etag='"v1"'))
    view, _ = add_feed(
        ctx,
        server.url("/feed.xml"),
        ["blog-out"],
        FeedOptions(name="blog", **options),  # type: ignore[arg-type]
        limits=LIMITS,
    )
    return view.name


def publish(server: FeedServer, body: bytes, etag: str) -> None:
    server.serve("/feed.xml", Route(body=body, etag=etag))


def poll(ctx: Context, name: str = "blog") -> PollResult:
    (result,) = poll_feeds(ctx, name, limits=LIMITS)
    return result


def test_first_subscription_records_the_backlog_and_posts_nothing(
    ctx: Context, server: FeedServer
) -> None:
    subscribe(ctx, server, rss(items(20)))
    assert feed_posts(ctx) == []
    view = get_feed(ctx, "blog")
    assert view.entries_seen == 20
    assert view.posts_made == 0
    assert view.status == "ok"


def test_two_new_entries_make_two_posts_oldest_first_and_a_repoll_makes_none(
    ctx: Context, server: FeedServer
) -> None:
    entries = items(5)
    subscribe(ctx, server, rss(entries))
    fresh = items(2, start=5)
    publish(server, rss(entries + fresh), '"v2"')

    result = poll(ctx)

    assert (result.new, result.posts) == (2, 2)
    made = feed_posts(ctx)
    assert [p.text for p in sorted(made, key=lambda p: p.id)] == [
        "Post number 5 https://blog.example.org/posts/5",
        "Post number 6 https://blog.example.org/posts/6",
    ]
    again = poll(ctx)
    assert (again.new, again.posts) == (0, 0)
    assert len(feed_posts(ctx)) == 2


def test_second_poll_sends_if_none_match_and_a_304_costs_nothing(
    ctx: Context, server: FeedServer
) -> None:
    subscribe(ctx, server, rss(items(3)))

    result = poll(ctx)

    second = server.requests_to("/feed.xml")[-1]
    assert second.headers.get("if-none-match") == '"v1"'
    assert second.status == 304
    assert result.status == "unchanged"
    assert get_feed(ctx, "blog").status == "unchanged"


def test_last_modified_is_sent_back_as_if_modified_since(ctx: Context, server: FeedServer) -> None:
    stamp = "Wed, 01 Jan 2025 10:00:00 GMT"
    server.serve("/lm.xml", Route(body=rss(items(2)), last_modified=stamp))
    add_feed(ctx, server.url("/lm.xml"), ["blog-out"], FeedOptions(name="lm"), limits=LIMITS)

    assert poll(ctx, "lm").status == "unchanged"
    assert server.requests_to("/lm.xml")[-1].headers.get("if-modified-since") == stamp


def test_entry_whose_guid_moved_from_http_to_https_is_not_reposted(
    ctx: Context, server: FeedServer
) -> None:
    old = items(3, base="http://blog.example.org")
    subscribe(ctx, server, rss(old))
    moved = items(3, base="https://blog.example.org")
    for a, b in zip(old, moved, strict=True):
        b.published = a.published
    publish(server, rss(moved), '"v2"')

    result = poll(ctx)

    assert result.new == 0
    assert result.posts == 0
    assert feed_posts(ctx) == []


def test_entry_whose_guid_and_link_changed_with_an_edited_title_is_recognised(
    ctx: Context, server: FeedServer
) -> None:
    when = datetime(2026, 3, 4, 10, 17, 5, tzinfo=UTC)
    first = Item("urn:1", "Teh roadworks plan", "https://b.example/teh-roadworks", published=when)
    subscribe(ctx, server, rss([first]), backfill=1)
    assert len(feed_posts(ctx)) == 1
    edited = Item("urn:2", "The roadworks plan", "https://b.example/the-roadworks", published=when)
    publish(server, rss([edited]), '"v2"')

    result = poll(ctx)

    assert (result.new, result.recognised, result.posts) == (0, 1, 0)
    assert len(feed_posts(ctx)) == 1


def test_a_look_alike_title_is_a_new_entry_while_the_old_one_is_still_there(
    ctx: Context, server: FeedServer
) -> None:
    when = datetime(2026, 3, 4, 10, 17, 5, tzinfo=UTC)
    one = Item("urn:1", "Release 1.2.0 is out", "https://b.example/r120", published=when)
    subscribe(ctx, server, rss([one]))
    two = Item("urn:2", "Release 1.3.0 is out", "https://b.example/r130", published=when)
    publish(server, rss([one, two]), '"v2"')

    assert poll(ctx).posts == 1


def test_backfill_two_posts_exactly_the_newest_two(ctx: Context, server: FeedServer) -> None:
    subscribe(ctx, server, rss(items(10)), backfill=2)

    made = sorted(feed_posts(ctx), key=lambda p: p.id)
    assert [p.text.split(" https")[0] for p in made] == ["Post number 8", "Post number 9"]
    assert poll(ctx).posts == 0


def test_entries_older_than_max_age_or_dated_in_the_future_are_skipped(
    ctx: Context, server: FeedServer
) -> None:
    subscribe(ctx, server, rss(items(1)), max_age_days=7)
    now = datetime.now(UTC)
    old = Item("urn:old", "Ancient", "https://b.example/old", published=now - timedelta(days=30))
    future = Item("urn:f", "Tomorrow", "https://b.example/f", published=now + timedelta(days=1))
    fine = Item("urn:ok", "Today", "https://b.example/ok", published=now - timedelta(hours=1))
    publish(server, rss([*items(1), old, future, fine]), '"v2"')

    result = poll(ctx)

    assert [p.text for p in feed_posts(ctx)] == ["Today https://b.example/ok"]
    assert result.skipped == {"too old": 1, "dated in the future": 1}


def test_include_and_exclude_patterns_filter_entries(ctx: Context, server: FeedServer) -> None:
    subscribe(ctx, server, rss(items(1)), include="security|patch", exclude="(?i)draft")
    new = [
        Item("urn:a", "Patch Tuesday notes", "https://b.example/a"),
        Item("urn:b", "Holiday photos", "https://b.example/b"),
        Item("urn:c", "Security DRAFT", "https://b.example/c"),
    ]
    publish(server, rss([*items(1), *new]), '"v2"')

    poll(ctx)

    assert [p.text for p in feed_posts(ctx)] == ["Patch Tuesday notes https://b.example/a"]


def test_daily_cap_leaves_the_rest_waiting_not_lost(ctx: Context, server: FeedServer) -> None:
    subscribe(ctx, server, rss(items(1)), max_per_day=2)
    publish(server, rss(items(6)), '"v2"')

    result = poll(ctx)

    assert (result.posts, result.waiting) == (2, 3)
    view = get_feed(ctx, "blog")
    assert (view.posts_made, view.waiting) == (2, 3)
    assert poll(ctx).posts == 0  # still today


def test_auto_mode_approves_as_the_system_and_schedules(ctx: Context, server: FeedServer) -> None:
    subscribe(ctx, server, rss(items(1)), mode="auto")
    publish(server, rss(items(2)), '"v2"')

    poll(ctx)

    (post,) = feed_posts(ctx)
    assert post.state == "scheduled"
    assert post.approved_by == "oyez"
    assert post.author == "feed:blog"
    assert post.deliveries[0].state == "pending"


def test_review_mode_leaves_the_post_waiting_for_sign_off(ctx: Context, server: FeedServer) -> None:
    subscribe(ctx, server, rss(items(1)))
    publish(server, rss(items(2)), '"v2"')

    poll(ctx)

    assert [p.state for p in feed_posts(ctx)] == ["in_review"]


def test_tags_become_hashtags_and_the_longest_goes_first_when_too_long(
    ctx: Context, server: FeedServer, tmp_path: Path
) -> None:
    add_channel(ctx, "tiny", "outbox", {"path": str(tmp_path / "tiny"), "max_length": "35"})
    server.serve("/t.xml", Route(body=rss(items(1))))
    add_feed(
        ctx,
        server.url("/t.xml"),
        ["tiny"],
        FeedOptions(name="t", template="{title} {tags}"),
        limits=LIMITS,
    )
    entry = Item(
        "urn:t", "Short title", "https://b.example/t", tags=["a", "open source", "verylongtagname"]
    )
    server.serve("/t.xml", Route(body=rss([*items(1), entry])))

    poll(ctx, "t")

    (post,) = feed_posts(ctx)
    assert post.text == "Short title #a #OpenSource"


def test_auto_mode_schedules_into_the_channels_next_free_slots(
    ctx: Context, server: FeedServer
) -> None:
    set_slots(ctx, "blog-out", "mon-sun", "09:00,17:00", timezone="UTC")
    subscribe(ctx, server, rss(items(1)), mode="auto")
    publish(server, rss(items(3)), '"v2"')

    poll(ctx)

    times = sorted(p.scheduled_at for p in feed_posts(ctx) if p.scheduled_at)
    assert len(times) == 2
    assert all(t.strftime("%H:%M") in ("09:00", "17:00") for t in times)
    assert times[0] != times[1]
    assert times[0] > datetime.now(UTC)


def test_hidden_unicode_in_an_entry_holds_the_auto_post_in_review(
    ctx: Context, server: FeedServer
) -> None:
    subscribe(ctx, server, rss(items(1)), mode="auto")
    sneaky = Item("urn:bidi", "Invoice \u202etxt.exe", "https://b.example/bidi")
    publish(server, rss([*items(1), sneaky]), '"v2"')

    result = poll(ctx)

    (post,) = feed_posts(ctx)
    assert post.state == "in_review"
    assert any(f["rule"] == "hidden-unicode" for f in post.findings)
    assert result.held == 1


def test_guideline_errors_cancel_the_auto_post_when_set_to_drop(
    db_url: str, server: FeedServer, tmp_path: Path
) -> None:
    ctx = make_context(db_url, guidelines=GuidelineSettings(automated_errors="drop"))
    add_outbox(ctx, "blog-out", tmp_path / "out")
    subscribe(ctx, server, rss(items(1)), mode="auto")
    sneaky = Item("urn:bidi", "Invoice \u202etxt.exe", "https://b.example/bidi")
    publish(server, rss([*items(1), sneaky]), '"v2"')

    result = poll(ctx)

    assert [p.state for p in feed_posts(ctx)] == ["cancelled"]
    assert result.dropped == 1
    assert get_feed(ctx, "blog").posts_made == 0
    ctx.close()


def test_ledger_forgets_only_entries_long_gone_and_never_reposts_them(
    ctx: Context, server: FeedServer
) -> None:
    gone, stays = items(2)
    subscribe(ctx, server, rss([gone, stays]))
    start = datetime.now(UTC)

    def poll_at(days: int, entries: list[Item], etag: str) -> PollResult:
        ctx.clock = lambda: start + timedelta(days=days)
        publish(server, rss(entries), etag)
        return poll(ctx)

    poll_at(2, [stays], '"2"')  # `gone` has left the feed; `stays` is seen again
    # A changed document (one more entry) is read: `gone` is forgotten, `stays` kept.
    poll_at(401, [stays, *items(1, start=10)], '"3"')
    assert get_feed(ctx, "blog").entries_seen == 2

    back = poll_at(402, [gone, stays], '"4"')

    assert back.posts == 0
    assert back.skipped == {"too old": 1}


def test_an_entry_with_nothing_to_post_is_counted_and_said(
    ctx: Context, server: FeedServer
) -> None:
    entries = items(3)
    subscribe(ctx, server, rss(entries))
    empty = Item(guid="urn:empty:1", title="", link=None, summary="")
    publish(server, rss([*entries, empty, *items(1, start=3)]), '"v2"')

    result = poll(ctx)

    assert [p.text for p in feed_posts(ctx)] == ["Post number 3 https://blog.example.org/posts/3"]
    assert (result.new, result.posts, result.failed) == (2, 1, 1)
    assert "1 with nothing to post" in _summary(result)
