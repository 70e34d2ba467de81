"""Ticket feeds: entries of a ticket system's Atom feed become ticket events, once each."""

from __future__ import annotations

import logging
from html import escape
from pathlib import Path

import pytest

from publisher.context import Context
from publisher.errors import InvalidInput, NotFoundError
from publisher.service import posts
from publisher.sources.tickets import feed, producers
from publisher.sources.tickets.ingest import list_tickets
from queue_db import events as audit
from tests.tickets.conftest import START


def atom(entries: list[tuple[str, str, str, str, str]]) -> str:
    """entries: (guid, updated, title, category, summary HTML)."""
    items = "".join(
        f"""<entry><id>{guid}</id><updated>{updated}</updated><title>{escape(title)}</title>
        {f'<category term="{category}"/>' if category else ""}
        <link href="https://tickets.example.net/{guid}"/>
        <summary type="html">{escape(summary)}</summary></entry>"""
        for guid, updated, title, category, summary in entries
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        "<title>NOC tickets</title><id>urn:noc</id><updated>2026-11-25T09:00:00Z</updated>"
        f"{items}</feed>"
    )


OLD = ("old-1", "2026-11-20T09:00:00Z", "TT-90 Old outage", "resolved", "Fixed long ago.")
OPEN = (
    "e-1",
    "2026-11-25T09:00:00Z",
    "[TT-100] Core router down",
    "investigating",
    "<p>We are <script>alert(1)</script>looking at it.</p>",
)
RESOLVED = (
    "e-2",
    "2026-11-25T09:30:00Z",
    "[TT-100] Core router down",
    "",
    "<p><strong>Resolved</strong> - The router was replaced.</p>",
)
NOISE = ("e-3", "2026-11-25T09:40:00Z", "Planned maintenance on Sunday", "", "No ticket here.")


@pytest.fixture
def feed_file(tmp_path: Path) -> Path:
    path = tmp_path / "tickets.atom"
    path.write_text(atom([OLD]), encoding="utf-8")
    return path


def test_new_entries_become_events_and_the_backlog_is_never_posted(
    ctx: Context, feed_file: Path
) -> None:
    view = feed.add_feed(ctx, feed_file.as_uri())
    assert list_tickets(ctx) == []
    feed_file.write_text(atom([NOISE, RESOLVED, OPEN, OLD]), encoding="utf-8")
    result = feed.poll_feed(ctx, view.id)
    assert (result.events, result.posts_made, result.skipped, result.error) == (2, 2, 1, None)
    (ticket,) = list_tickets(ctx)
    assert ticket.id == "TT-100"
    assert ticket.title == "Core router down"
    assert ticket.status == "resolved"
    assert ticket.url == "https://tickets.example.net/e-2"
    texts = [p.text for p in posts.list_posts(ctx, source="ticket")]
    assert texts[0].startswith("[TT-100] Incident: Core router down. Status: investigating.")
    assert "Resolved: Core router down. Resolved - The router was replaced." in texts[1]
    assert not any("script" in t or "alert" in t for t in texts)
    again = feed.poll_feed(ctx, view.id)
    assert (again.events, again.posts_made) == (0, 0)


def test_a_broken_feed_is_recorded_on_the_feed_and_a_later_good_poll_carries_on(
    ctx: Context, feed_file: Path
) -> None:
    view = feed.add_feed(ctx, feed_file.as_uri())
    feed_file.write_text("<feed><entry>", encoding="utf-8")
    broken = feed.poll_feed(ctx, view.id)
    assert broken.error
    assert feed.list_feeds(ctx)[0].last_error == broken.error
    feed_file.write_text(atom([OPEN, OLD]), encoding="utf-8")
    good = feed.poll_feed(ctx, view.id)
    assert (good.events, good.error) == (1, None)
    assert feed.list_feeds(ctx)[0].last_error is None


def test_each_ticket_feed_gets_a_producer(ctx: Context, feed_file: Path) -> None:
    view = feed.add_feed(ctx, feed_file.as_uri(), every_minutes=3)
    found = {p.id: p for p in producers(ctx)}
    assert sorted(found) == [f"ticket-feed:{view.id}", "tickets:pump"]
    assert found[f"ticket-feed:{view.id}"].trigger.interval.total_seconds() == 180


def test_removing_a_ticket_feed_keeps_its_events_tickets_and_posts(
    ctx: Context, feed_file: Path
) -> None:
    view = feed.add_feed(ctx, feed_file.as_uri())
    feed_file.write_text(atom([RESOLVED, OPEN, OLD]), encoding="utf-8")
    assert feed.poll_feed(ctx, view.id).posts_made == 2
    removed, events = feed.remove_feed(ctx, f"  {feed_file.as_uri()} ")
    assert (removed.id, removed.url, events) == (view.id, feed_file.as_uri(), 2)
    assert feed.list_feeds(ctx) == []
    assert [p.id for p in producers(ctx)] == ["tickets:pump"]
    (ticket,) = list_tickets(ctx)
    assert (ticket.id, ticket.events, ticket.status) == ("TT-100", 2, "resolved")
    assert len(posts.list_posts(ctx, source="ticket")) == 2
    with ctx.tx() as tx:
        (logged,) = [e for e in audit.for_post(tx) if e.action == "ticket_feed_removed"]
    assert (logged.actor, logged.detail["url"], logged.detail["events"]) == (
        "olga",
        feed_file.as_uri(),
        2,
    )


def test_a_ticket_feed_is_removed_by_its_id_too(ctx: Context, feed_file: Path) -> None:
    view = feed.add_feed(ctx, feed_file.as_uri())
    assert feed.remove_feed(ctx, str(view.id)) == (view, 0)
    assert feed.list_feeds(ctx) == []


@pytest.mark.parametrize(
    ("given", "message"),
    [("999", "no ticket feed with id 999"), ("file:///nowhere.atom", "no ticket feed with URL")],
)
def test_removing_an_unknown_ticket_feed_is_not_found(
    ctx: Context, feed_file: Path, given: str, message: str
) -> None:
    feed.add_feed(ctx, feed_file.as_uri())
    with pytest.raises(NotFoundError, match=message):
        feed.remove_feed(ctx, given)
    assert len(feed.list_feeds(ctx)) == 1


def test_a_daemon_poll_of_a_removed_ticket_feed_does_nothing_and_logs_at_info(
    ctx: Context, feed_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    view = feed.add_feed(ctx, feed_file.as_uri())
    poller = next(p for p in producers(ctx) if p.id == f"ticket-feed:{view.id}")
    feed.remove_feed(ctx, str(view.id))
    feed_file.write_text(atom([OPEN, OLD]), encoding="utf-8")
    with caplog.at_level(logging.INFO, logger="oyez.tickets"):
        assert poller.fire(ctx, START) == 0
    (record,) = caplog.records
    assert record.levelno == logging.INFO
    assert "was removed" in record.getMessage()
    assert list_tickets(ctx) == []


def test_a_ticket_feed_added_again_after_removal_posts_nothing_twice(
    ctx: Context, feed_file: Path
) -> None:
    view = feed.add_feed(ctx, feed_file.as_uri())
    feed_file.write_text(atom([OPEN, OLD]), encoding="utf-8")
    assert feed.poll_feed(ctx, view.id).posts_made == 1
    feed.remove_feed(ctx, feed_file.as_uri())
    again = feed.add_feed(ctx, feed_file.as_uri())
    polled = feed.poll_feed(ctx, again.id)
    assert (polled.events, polled.posts_made) == (0, 0)
    assert len(posts.list_posts(ctx, source="ticket")) == 1


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"id_pattern": "TT-\\d+"}, "group named id"),
        ({"id_pattern": "(?P<id>["}, "not a regular expression"),
        ({"every_minutes": 0}, "--every"),
    ],
)
def test_bad_feed_settings_are_refused(
    ctx: Context, feed_file: Path, options: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        feed.add_feed(ctx, feed_file.as_uri(), **options)  # type: ignore[arg-type]


def test_an_unreadable_feed_is_refused_when_added(ctx: Context, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="cannot read the ticket feed"):
        feed.add_feed(ctx, (tmp_path / "missing.atom").as_uri())
    with pytest.raises(InvalidInput, match="cannot read the ticket feed"):
        feed.add_feed(ctx, "ftp://example.net/feed")
