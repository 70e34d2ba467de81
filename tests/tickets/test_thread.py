"""A ticket's events become a thread: first post, replies under it, in order, bursts coalesced."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from publisher.context import Context
from publisher.errors import InvalidInput
from publisher.service import pause, posts
from publisher.service.views import PostView
from publisher.sources.tickets import config, producers, pump_all, thread
from publisher.sources.tickets.events import parse_event
from publisher.sources.tickets.ingest import NotConfigured, list_tickets, record_event
from queue_db import events as audit
from queue_db import posts as post_db
from queue_db import tickets as ticket_db
from queue_db.tickets import TicketConfigRecord
from tests.helpers import add_outbox, all_at_once, make_context
from tests.tickets.conftest import Clock, deliver_all, event


def ticket_posts(ctx: Context) -> list[PostView]:
    return sorted(posts.list_posts(ctx, source="ticket"), key=lambda p: p.id)


def thread_parent(ctx: Context, post_id: int) -> int | None:
    with ctx.tx() as tx:
        return post_db.get(tx, post_id).thread_parent_id


def test_four_events_make_a_first_post_and_three_replies_under_it(ctx: Context) -> None:
    event(
        ctx,
        "TT-1234",
        "open",
        title="Amsterdam–Hamburg link down",
        impact="outage",
        url="https://status.example.net/TT-1234",
    )
    event(ctx, "TT-1234", "investigating", text="Engineers are on their way.")
    event(ctx, "TT-1234", "identified", text="A fibre was cut near Osnabrück.")
    event(ctx, "TT-1234", "resolved", text="The link is back.")
    first, *replies = ticket_posts(ctx)
    assert first.text == (
        "[TT-1234] Outage: Amsterdam–Hamburg link down. Status: open. "
        "Updates: https://status.example.net/TT-1234"
    )
    assert [r.text for r in replies] == [
        "[TT-1234] Update: investigating. Engineers are on their way.",
        "[TT-1234] Update: identified. A fibre was cut near Osnabrück.",
        "[TT-1234] Resolved: Amsterdam–Hamburg link down. The link is back.",
    ]
    assert thread_parent(ctx, first.id) is None
    assert [thread_parent(ctx, r.id) for r in replies] == [first.id] * 3
    assert {p.source for p in ticket_posts(ctx)} == {"ticket"}


def test_a_reply_is_scheduled_only_after_the_post_before_it_has_gone_out(
    ctx: Context, tmp_path: Path
) -> None:
    event(ctx, "TT-1", "open", title="Mail delays")
    event(ctx, "TT-1", "monitoring", text="Queues are draining.")
    event(ctx, "TT-1", "resolved")
    states = [p.state for p in ticket_posts(ctx)]
    assert states == ["scheduled", "approved", "approved"]
    deliver_all(ctx)
    assert [p.state for p in ticket_posts(ctx)] == ["sent", "sent", "sent"]
    with ctx.tx() as tx:
        sent_order = [
            e.post_id for e in reversed(audit.for_post(tx, limit=500)) if e.action == "sent"
        ]
    assert sent_order == [p.id for p in ticket_posts(ctx)]
    files = [json.loads(f.read_text()) for f in sorted((tmp_path / "outbox").glob("*.json"))]
    first_remote = next(f["delivery_key"] for f in files if f["reply_to"] is None)
    assert sorted(f["reply_to"] for f in files if f["reply_to"]) == [first_remote] * 2


def test_a_burst_within_the_coalescing_interval_makes_one_post(ctx: Context, clock: Clock) -> None:
    config.configure(ctx, coalesce_seconds=60)
    event(ctx, "TT-7", "open", title="VPN logins fail")
    clock.tick(61)
    assert pump_all(ctx) == 1
    for status in ("investigating", "identified", "monitoring"):
        clock.tick(10)
        assert event(ctx, "TT-7", status, text=f"now {status}").posts_made == 0
    assert pump_all(ctx) == 0  # the window is still open
    clock.tick(45)
    assert pump_all(ctx) == 1
    _, update = ticket_posts(ctx)
    assert update.text == "[TT-7] Update: monitoring. now monitoring"
    (ticket,) = list_tickets(ctx)
    assert [p.status for p in ticket.posts] == ["open", "monitoring"]
    assert ticket.events == 4


def test_first_events_within_the_interval_make_one_first_post_with_the_latest_status(
    ctx: Context, clock: Clock
) -> None:
    config.configure(ctx, coalesce_seconds=30)
    event(ctx, "TT-8", "open", title="DNS slow")
    clock.tick(5)
    event(ctx, "TT-8", "investigating")
    clock.tick(30)
    event(ctx, "TT-8", "identified", text="A resolver is overloaded.")
    first, *rest = ticket_posts(ctx)
    assert first.text == "[TT-8] Incident: DNS slow. Status: investigating."
    assert rest == []  # the third event opened a new burst


def test_a_resolved_event_closes_its_burst_at_once(ctx: Context, clock: Clock) -> None:
    config.configure(ctx, coalesce_seconds=300)
    event(ctx, "TT-9", "open", title="Printer queue stuck")
    clock.tick(301)
    pump_all(ctx)
    clock.tick(5)
    event(ctx, "TT-9", "monitoring")
    assert event(ctx, "TT-9", "resolved", text="Cleared.").posts_made == 1
    assert ticket_posts(ctx)[-1].text == "[TT-9] Resolved: Printer queue stuck. Cleared."


def test_review_mode_waits_for_an_approver_and_keeps_the_order(ctx: Context) -> None:
    config.configure(ctx, mode="review")
    event(ctx, "TT-2", "open", title="Portal down")
    event(ctx, "TT-2", "resolved")
    first, closing = ticket_posts(ctx)
    assert (first.state, closing.state) == ("in_review", "in_review")
    ctx.actor = "lead"
    posts.approve_post(ctx, closing.id)
    pump_all(ctx)
    assert ticket_posts(ctx)[1].state == "approved"  # not before the first post
    posts.approve_post(ctx, first.id)
    pump_all(ctx)
    assert ticket_posts(ctx)[0].state == "scheduled"
    deliver_all(ctx)
    assert [p.state for p in ticket_posts(ctx)] == ["sent", "sent"]


@pytest.mark.parametrize(
    ("mode", "before", "after"),
    [
        ("hold", ["scheduled", "in_review", "approved"], ["sent", "in_review", "approved"]),
        ("drop", ["scheduled", "cancelled", "approved"], ["sent", "cancelled", "sent"]),
    ],
)
def test_a_post_with_an_error_finding_is_held_or_dropped_never_approved(
    db_url: str, tmp_path: Path, clock: Clock, mode: str, before: list[str], after: list[str]
) -> None:
    ctx = make_context(db_url, "olga", guidelines={"automated_errors": mode})
    ctx.clock = clock
    add_outbox(ctx, "ops", tmp_path / "o")
    config.configure(ctx, channels=["ops"], coalesce_seconds=0)
    event(ctx, "TT-3", "open", title="Access portal down")
    event(ctx, "TT-3", "investigating", text="Mail olga@example.net for access")  # personal data
    event(ctx, "TT-3", "resolved", text="Back.")
    assert [p.state for p in ticket_posts(ctx)] == before
    # Held: the thread waits for a person. Dropped: the thread goes on without it.
    deliver_all(ctx)
    assert [p.state for p in ticket_posts(ctx)] == after
    ctx.close()


def test_urgent_configuration_marks_ticket_posts_urgent(ctx: Context) -> None:
    config.configure(ctx, urgent=True)
    event(ctx, "TT-4", "open", title="Flooding in the data centre")
    (post,) = ticket_posts(ctx)
    assert post.urgent


@pytest.mark.parametrize(("urgent", "state"), [(True, "sent"), (False, "scheduled")])
def test_urgent_ticket_posts_go_out_during_a_crisis_pause(
    db_url: str, tmp_path: Path, clock: Clock, urgent: bool, state: str
) -> None:
    # With "ticket" out of delivery.urgent_sources, only the --urgent flag lets posts through.
    ctx = make_context(db_url, "olga", delivery={"urgent_sources": []})
    ctx.clock = clock
    add_outbox(ctx, "ops", tmp_path / "o")
    config.configure(ctx, channels=["ops"], coalesce_seconds=0, urgent=urgent)
    pause.pause_all(ctx, "a crisis")
    event(ctx, "TT-13", "open", title="Power cut in Hall B")
    deliver_all(ctx)
    assert [p.state for p in ticket_posts(ctx)] == [state]
    ctx.close()


def test_a_repeated_event_id_is_recorded_once(ctx: Context) -> None:
    event(ctx, "TT-5", "open", title="Slow wifi", event_id="evt-1")
    again = event(ctx, "TT-5", "open", title="Slow wifi", event_id="evt-1")
    assert again.duplicate
    assert list_tickets(ctx)[0].events == 1
    assert len(ticket_posts(ctx)) == 1


def test_ticket_system_words_are_mapped_by_configuration(ctx: Context) -> None:
    config.configure(ctx, status_map={"waiting on vendor": "identified"})
    event(ctx, "TT-6", "New", title="Backup failed")
    assert event(ctx, "TT-6", "Waiting_on_vendor").status == "identified"


def test_events_are_refused_before_posting_is_configured(db_url: str, clock: Clock) -> None:
    ctx = make_context(db_url, "olga")
    with pytest.raises(NotConfigured, match="oyez tickets config --to"):
        event(ctx, "TT-1", "open", title="x")
    assert list_tickets(ctx) == []
    assert [p.fire(ctx, ctx.clock()) for p in producers(ctx)] == [0]
    ctx.close()


def test_the_first_event_of_a_ticket_needs_a_title(ctx: Context) -> None:
    with pytest.raises(InvalidInput, match="first event of ticket TT-10 needs a title"):
        event(ctx, "TT-10", "open")
    assert list_tickets(ctx) == []


def test_events_from_several_workers_at_once_keep_one_order_and_one_post_each(
    db_url: str, ctx: Context
) -> None:
    event(ctx, "TT-11", "open", title="Storage latency")
    workers = [make_context(db_url, f"w{i}") for i in range(4)]

    def send(worker: Context) -> None:
        text = f"update from {worker.actor}"
        record_event(worker, parse_event({"id": "TT-11", "status": "investigating", "text": text}))

    all_at_once(workers, send)
    (ticket,) = list_tickets(ctx)
    assert ticket.events == 5
    assert [p.seq for p in ticket.posts] == [1, 2, 3, 4, 5]
    assert len(ticket_posts(ctx)) == 5
    assert len({p.text for p in ticket_posts(ctx)}) == 5


def test_a_claim_left_by_a_dead_worker_is_made_by_the_next_pump(ctx: Context, clock: Clock) -> None:
    config.configure(ctx, coalesce_seconds=10)
    event(ctx, "TT-12", "open", title="Chat outage")
    clock.tick(11)
    cfg = _config_row(ctx)
    thread.flush(ctx, _ticket_id(ctx, "TT-12"), cfg)
    assert ticket_posts(ctx) == []  # the worker died after claiming
    assert pump_all(ctx) == 1
    assert ticket_posts(ctx)[0].state == "scheduled"


def test_producers_are_a_pump_and_one_poll_per_ticket_feed(ctx: Context) -> None:
    (pump,) = producers(ctx)
    assert pump.id == "tickets:pump"
    assert pump.fire(ctx, ctx.clock()) == 0


def _config_row(ctx: Context) -> TicketConfigRecord:
    with ctx.tx() as tx:
        row = ticket_db.config(tx)
    assert row is not None
    return row


def _ticket_id(ctx: Context, external: str) -> int:
    with ctx.tx() as tx:
        row = ticket_db.ticket(tx, external)
    assert row.id is not None
    return row.id
