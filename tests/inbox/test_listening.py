"""Streams on X, Mastodon and Facebook collect each item once, and replies thread under them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from publisher.context import Context
from publisher.errors import IllegalTransition, InvalidInput
from publisher.service import inbox, listening, posts, streams
from queue_db.states import StreamKind
from tests.fakes.facebook import FacebookDouble
from tests.fakes.mastodon import MastodonDouble
from tests.fakes.x import XDouble
from tests.helpers import make_context
from tests.inbox.helpers import add_network


@pytest.fixture
def ctx(db_url: str) -> Iterator[Context]:
    context = make_context(db_url)
    yield context
    context.close()


def test_x_mentions_and_a_saved_search_collect_each_item_once(
    ctx: Context, x_double: XDouble, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_network(ctx, x_double, monkeypatch)
    streams.add_stream(ctx, "mentions", "net", StreamKind.MENTIONS)
    streams.add_stream(ctx, "bins", "net", StreamKind.QUERY, query="bins")
    x_double.tweet_as("alice", "@oyez_test when do the bins go out?")
    x_double.tweet_as("bob", "the bins are late again")

    first = listening.poll(ctx)
    streams_seen = {r.stream: r for r in first.streams}
    assert streams_seen["mentions"].new == 1
    assert streams_seen["bins"].seen == 2
    assert first.new == 2  # alice's tweet is in both streams, stored once

    items = inbox.list_items(ctx)
    assert len(items) == 2
    both = next(i for i in items if i.author_handle == "@alice")
    assert both.streams == ["bins", "mentions"]
    assert both.state == "new"
    assert [i.id for i in inbox.list_items(ctx, stream="mentions")] == [both.id]


def test_a_second_round_and_a_restart_store_nothing_again(
    db_url: str, x_double: XDouble, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = make_context(db_url)
    add_network(ctx, x_double, monkeypatch)
    streams.add_stream(ctx, "mentions", "net", StreamKind.MENTIONS, every_minutes=1)
    x_double.tweet_as("alice", "@oyez_test hello")
    assert listening.poll(ctx).new == 1
    ctx.close()

    restarted = make_context(db_url)
    restarted.clock = lambda: datetime.now(UTC) + timedelta(minutes=2)
    x_double.tweet_as("bob", "@oyez_test and me")
    again = listening.poll(restarted)
    assert again.new == 1
    assert len(inbox.list_items(restarted)) == 2
    restarted.close()


def test_a_stream_that_stops_early_goes_on_from_its_cursor_next_round(
    ctx: Context, mastodon_double: MastodonDouble, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_network(ctx, mastodon_double, monkeypatch, listen_pages=1)
    streams.add_stream(ctx, "mentions", "net", StreamKind.MENTIONS, every_minutes=60)
    for n in range(100):
        mastodon_double.status_as("alice", f"@oyez number {n}")

    first = listening.poll(ctx)
    assert not first.streams[0].complete
    rounds = [first]
    while not rounds[-1].streams[0].complete and len(rounds) < 5:
        rounds.append(listening.poll(ctx))  # due again at once: it had more

    assert len(rounds) == 3  # pages of 40
    assert sum(r.new for r in rounds) == 100
    assert inbox.count_items(ctx) == 100
    assert listening.poll(ctx).streams == []  # now it waits its hour


def test_a_rate_limit_holds_the_stream_until_the_reset(
    ctx: Context, x_double: XDouble, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_network(ctx, x_double, monkeypatch)
    streams.add_stream(ctx, "mentions", "net", StreamKind.MENTIONS, every_minutes=1)
    x_double.rate_limit_seconds = 900
    x_double.faults.push("429", path="/mentions")

    (held,) = listening.poll(ctx).streams
    assert held.rate_limited_until is not None
    assert held.rate_limited_until > datetime.now(UTC) + timedelta(minutes=14)
    ctx.clock = lambda: datetime.now(UTC) + timedelta(minutes=5)
    assert listening.poll(ctx).streams == []  # one minute is long past, the reset is not
    ctx.clock = lambda: datetime.now(UTC) + timedelta(minutes=16)
    assert listening.poll(ctx).streams[0].error is None


def test_the_first_round_takes_the_last_day_or_since(
    ctx: Context, mastodon_double: MastodonDouble, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_network(ctx, mastodon_double, monkeypatch)
    now = datetime.now(UTC).timestamp()
    mastodon_double.status_as("old", "@oyez two days ago", created_at=now - 2 * 86400)
    mastodon_double.status_as("new", "@oyez <b>an hour</b> ago &amp; more", created_at=now - 3600)
    streams.add_stream(ctx, "day", "net", StreamKind.MENTIONS)
    streams.add_stream(
        ctx, "week", "net", StreamKind.MENTIONS, since=datetime.now(UTC) - timedelta(days=3)
    )

    listening.poll(ctx)

    assert [i.author_handle for i in inbox.list_items(ctx, stream="day")] == [
        "@new@elsewhere.example"
    ]
    assert len(inbox.list_items(ctx, stream="week")) == 2
    newest = inbox.list_items(ctx)[0]
    # Mastodon's HTML is undone: what the person typed, markup-looking text and all.
    assert newest.text == "@oyez <b>an hour</b> ago &amp; more"


def test_a_channel_without_a_kind_of_stream_says_so(
    ctx: Context, facebook_double: FacebookDouble, monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    add_network(ctx, facebook_double, monkeypatch)
    with pytest.raises(InvalidInput, match="no query streams"):
        streams.add_stream(ctx, "search", "net", StreamKind.QUERY, query="library")
    from tests.helpers import add_outbox

    add_outbox(ctx, "files", tmp_path)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="cannot listen"):
        streams.add_stream(ctx, "files", "files", StreamKind.MENTIONS)


def _deliver(db_url: str, post_id: int) -> None:
    """Another person signs the post off, and the engine runs once."""
    from publisher.engine.runner import Dispatcher

    approver = make_context(db_url, "sam")
    posts.approve_post(approver, post_id)
    Dispatcher(approver).run(once=True)
    Dispatcher(approver).run(once=True)  # a second run sends nothing again
    approver.close()


def test_facebook_comments_are_collected_and_a_reply_threads_under_the_comment(
    db_url: str, ctx: Context, facebook_double: FacebookDouble, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_network(ctx, facebook_double, monkeypatch)
    streams.add_stream(ctx, "comments", "net", StreamKind.MENTIONS)
    ours = facebook_double.post_as_page("Library hours change on Monday.")
    comment = facebook_double.comment_as("Dana", "Which library?", on=ours.id)

    listening.poll(ctx)
    (item,) = inbox.list_items(ctx)
    assert item.remote_id == comment.id

    reply = inbox.reply_to_item(ctx, item.id, "The one on Main Street.")
    assert reply.item.state == "replied"
    assert reply.item.reply_post_id == reply.post.id
    assert reply.post.state == "in_review"
    assert facebook_double.texts().count("The one on Main Street.") == 0  # not before sign-off

    _deliver(db_url, reply.post.id)

    sent = [p for p in facebook_double.posts if p.text == "The one on Main Street."]
    assert len(sent) == 1
    assert sent[0].reply_to == comment.id
    assert posts.get_post(ctx, reply.post.id).state == "sent"


@pytest.mark.parametrize("kind", ["x", "mastodon"])
def test_a_reply_goes_out_once_threaded_under_its_item_after_sign_off(
    db_url: str,
    ctx: Context,
    kind: str,
    x_double: XDouble,
    mastodon_double: MastodonDouble,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    double = x_double if kind == "x" else mastodon_double
    add_network(ctx, double, monkeypatch)
    streams.add_stream(ctx, "mentions", "net", StreamKind.MENTIONS)
    if kind == "x":
        asked = x_double.tweet_as("alice", "@oyez_test when do the bins go out?").id
    else:
        asked = mastodon_double.status_as("alice", "@oyez when do the bins go out?").id
    listening.poll(ctx)
    (item,) = inbox.list_items(ctx)

    reply = inbox.reply_to_item(ctx, item.id, "Saturday this week.")
    with pytest.raises(IllegalTransition):
        inbox.reply_to_item(ctx, item.id, "Saturday, again.")
    _deliver(db_url, reply.post.id)

    sent = [p for p in double.posts if p.text == "Saturday this week."]
    assert len(sent) == 1
    assert sent[0].reply_to == asked


def test_a_mastodon_hashtag_search_collects_public_posts(
    ctx: Context, mastodon_double: MastodonDouble, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_network(ctx, mastodon_double, monkeypatch)
    streams.add_stream(ctx, "bins", "net", StreamKind.QUERY, query="#bins")
    mastodon_double.status_as("bob", "Collection is late again #bins")
    mastodon_double.status_as("carol", "Nothing to do with it")

    listening.poll(ctx)

    (item,) = inbox.list_items(ctx)
    assert item.text == "Collection is late again #bins"
    assert item.kind == "search"


def test_a_named_person_replies_without_review_and_others_still_wait(
    db_url: str, x_double: XDouble, monkeypatch: pytest.MonkeyPatch
) -> None:
    from publisher.context.settings import ApprovalSettings
    from publisher.engine.runner import Dispatcher
    from queue_db import events

    approval = ApprovalSettings(replies_without_review=["alex"])
    alex = make_context(db_url, "alex", approval=approval)
    robin = make_context(db_url, "robin", approval=approval)
    add_network(alex, x_double, monkeypatch)
    streams.add_stream(alex, "mentions", "net", StreamKind.MENTIONS)
    first = x_double.tweet_as("alice", "@oyez_test is the pool open?").id
    x_double.tweet_as("bob", "@oyez_test and the gym?")
    listening.poll(alex)
    items = {i.remote_id: i for i in inbox.list_items(alex)}
    asked = items.pop(first)
    (other,) = items.values()

    waived = inbox.reply_to_item(alex, asked.id, "Yes, until 8pm.")
    reviewed = inbox.reply_to_item(robin, other.id, "The gym opens at 7am.")
    plain = posts.submit_post(alex, posts.create_post(alex, "Pool news soon.", ["net"]).id)

    assert waived.post.state == "scheduled"
    assert reviewed.post.state == "in_review"  # robin is not named
    assert plain.state == "in_review"  # only replies skip review
    Dispatcher(alex).run(once=True)
    sent = [p for p in x_double.posts if p.text == "Yes, until 8pm."]
    assert [p.reply_to for p in sent] == [first]
    assert "The gym opens at 7am." not in x_double.texts()
    with alex.tx() as tx:
        (logged,) = events.of_actions(tx, ["review_waived"])
    assert (logged.actor, logged.post_id) == ("alex", waived.post.id)
    alex.close()
    robin.close()


def test_a_waived_reply_with_an_error_finding_still_waits_for_an_approver(
    db_url: str, x_double: XDouble, monkeypatch: pytest.MonkeyPatch
) -> None:
    from publisher.context.settings import ApprovalSettings

    ctx = make_context(db_url, approval=ApprovalSettings(replies_without_review=["alex"]))
    add_network(ctx, x_double, monkeypatch)
    streams.add_stream(ctx, "mentions", "net", StreamKind.MENTIONS)
    x_double.tweet_as("alice", "@oyez_test can you call me?")
    listening.poll(ctx)
    (item,) = inbox.list_items(ctx)

    reply = inbox.reply_to_item(ctx, item.id, "Call me on 07700 900123 " + "x" * 300)

    assert reply.post.state == "in_review"
    assert any(f["severity"] == "error" for f in reply.post.findings)
    ctx.close()
