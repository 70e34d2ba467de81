"""``oyez tickets …``: record ticket events, configure ticket posts, list tickets, ticket feeds."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer
from rich.table import Table

from publisher.cli.common import JsonOpt, console, emit_json, shown, split_names, state
from publisher.engine.producers import PICKED_UP
from publisher.errors import InvalidInput
from publisher.sources.tickets import config as ticket_config
from publisher.sources.tickets import feed as ticket_feed
from publisher.sources.tickets.events import parse_event, parse_status_map
from publisher.sources.tickets.ingest import list_tickets, record_event

MAX_STDIN = 64 * 1024
NO_FEEDS = "no ticket feeds yet: oyez tickets feed add URL"


def _stdin_event() -> Any:
    if sys.stdin is None or sys.stdin.isatty():
        raise InvalidInput("give --id and --status, or pipe one JSON event on stdin")
    raw = sys.stdin.read(MAX_STDIN + 1)
    if len(raw) > MAX_STDIN:
        raise InvalidInput(f"the event on stdin is larger than {MAX_STDIN} bytes")
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise InvalidInput(f"malformed JSON on stdin: {str(exc).splitlines()[0]}") from None


def _show_config(view: ticket_config.ConfigView) -> None:
    console.print(f"channels: {', '.join(view.channels)}", highlight=False)
    console.print(f"mode: {view.mode}  urgent: {view.urgent}  coalesce: {view.coalesce_seconds}s")
    if view.through_crisis and not view.urgent:
        console.print(
            "crisis pause: ticket posts still go out, because delivery.urgent_sources "
            "lists ticket (remove it from the configuration to hold them)",
            highlight=False,
        )
    else:
        held = "go out" if view.through_crisis else "are held"
        console.print(f"crisis pause: ticket posts {held}", highlight=False)
    for label, value in (
        ("first post", view.template),
        ("update", view.update_template),
        ("closing", view.closing_template),
        ("link", view.link_template or "(none)"),
    ):
        console.print(f"{label}: {value}", highlight=False, markup=False)
    if view.status_map:
        words = ", ".join(f"{k}={v}" for k, v in sorted(view.status_map.items()))
        console.print(f"status words: {words}", highlight=False, markup=False)


def _feeds(tickets: typer.Typer) -> None:
    feeds = typer.Typer(
        help="Ticket feeds: RSS/Atom feeds a ticket system publishes.", no_args_is_help=True
    )

    @feeds.command("add")
    def add(
        ctx: typer.Context,
        url: Annotated[
            str, typer.Argument(help="http(s):// or file:// URL of the feed.", metavar="URL")
        ],
        id_pattern: Annotated[
            str,
            typer.Option(
                "--id-pattern",
                help="Regex with a group named id, found in titles.",
                metavar="REGEX",
            ),
        ] = ticket_feed.DEFAULT_ID_PATTERN,
        every: Annotated[
            int, typer.Option("--every", help="Minutes between polls.", metavar="MINUTES")
        ] = 5,
    ) -> None:
        """Subscribe to a ticket feed (its current entries are backlog and never posted)."""
        view = ticket_feed.add_feed(
            state(ctx).open(), url, id_pattern=id_pattern, every_minutes=every
        )
        console.print(f"added ticket feed {view.id}: {view.url}", highlight=False)
        console.print(PICKED_UP, highlight=False)

    @feeds.command("list")
    def list_(ctx: typer.Context, as_json: JsonOpt = False) -> None:
        """List ticket feeds with their last poll and error."""
        views = ticket_feed.list_feeds(state(ctx).open())
        if as_json:
            emit_json([v.to_dict() for v in views])
            return
        if not views:
            console.print(NO_FEEDS)
            return
        table = Table("id", "url", "every", "last poll", "error")
        for v in views:
            polled = v.polled_at.isoformat() if v.polled_at else "—"
            table.add_row(
                str(v.id), shown(v.url), f"{v.every_minutes} min", polled, shown(v.last_error)
            )
        console.print(table)

    @feeds.command("poll")
    def poll(ctx: typer.Context, as_json: JsonOpt = False) -> None:
        """Poll every ticket feed now (the daemon polls on each feed's interval)."""
        context = state(ctx).open()
        results = [ticket_feed.poll_feed(context, v.id) for v in ticket_feed.list_feeds(context)]
        if as_json:
            emit_json([r.to_dict() for r in results])
            return
        if not results:
            console.print(NO_FEEDS)
        for r in results:
            tail = (
                f"error: {r.error}" if r.error else f"{r.events} event(s), {r.posts_made} post(s)"
            )
            console.print(f"{r.feed}: {tail}", highlight=False, markup=False)

    @feeds.command("remove")
    def remove(
        ctx: typer.Context,
        feed: Annotated[
            str,
            typer.Argument(
                help="The feed's id or URL, as `oyez tickets feed list` shows them.",
                metavar="ID|URL",
            ),
        ],
        as_json: JsonOpt = False,
    ) -> None:
        """Unsubscribe from a ticket feed; the events it brought, and their posts, stay."""
        view, events = ticket_feed.remove_feed(state(ctx).open(), feed)
        if as_json:
            emit_json({**view.to_dict(), "events_kept": events})
            return
        console.print(
            f"removed ticket feed {view.id} ({view.url}); "
            f"its {events} event(s) and their posts stay",
            highlight=False,
            markup=False,
        )

    tickets.add_typer(feeds, name="feed")


def register(app: typer.Typer) -> None:
    tickets = typer.Typer(
        help="Trouble tickets: events become a first post and replies threaded under it.",
        no_args_is_help=True,
    )

    @tickets.command("event")
    def event(
        ctx: typer.Context,
        ticket: Annotated[
            str | None,
            typer.Option("--id", help="The ticket's id, e.g. TT-1234.", metavar="TICKET"),
        ] = None,
        status: Annotated[
            str | None,
            typer.Option(
                "--status",
                help="open, investigating, identified, monitoring, resolved (or a mapped word).",
                metavar="STATUS",
            ),
        ] = None,
        title: Annotated[
            str | None,
            typer.Option("--title", help="Needed on a ticket's first event.", metavar="TEXT"),
        ] = None,
        text: Annotated[
            str | None, typer.Option("--text", help="What changed.", metavar="TEXT")
        ] = None,
        impact: Annotated[
            str | None, typer.Option("--impact", help="e.g. outage, degraded.", metavar="IMPACT")
        ] = None,
        service: Annotated[
            str | None, typer.Option("--service", help="The affected service.", metavar="SERVICE")
        ] = None,
        url: Annotated[
            str | None, typer.Option("--url", help="Where people follow the ticket.", metavar="URL")
        ] = None,
        event_id: Annotated[
            str | None,
            typer.Option(
                "--event-id",
                help="An id for this event: a repeat is recorded once.",
                metavar="ID",
            ),
        ] = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Record one ticket event, from options or as one JSON object on stdin."""
        given = {
            "id": ticket,
            "status": status,
            "title": title,
            "text": text,
            "impact": impact,
            "service": service,
            "url": url,
            "event_id": event_id,
        }
        data = given if ticket is not None or status is not None else _stdin_event()
        parsed = parse_event(data)
        result = record_event(state(ctx).open(), parsed, source="cli")
        if as_json:
            emit_json(result.to_dict())
            return
        if result.duplicate:
            console.print(
                f"{result.ticket}: event already recorded (#{result.seq})", highlight=False
            )
            return
        console.print(
            f"{result.ticket}: event #{result.seq} recorded ({result.status}); "
            f"{result.posts_made} post(s) made now",
            highlight=False,
        )

    @tickets.command("config")
    def config(
        ctx: typer.Context,
        to: Annotated[
            str | None, typer.Option("--to", help="Channels, comma-separated.", metavar="CH[,CH…]")
        ] = None,
        template: Annotated[
            str | None,
            typer.Option(
                "--template",
                help="First post, e.g. '[{id}] {impact}: {title}. Status: {status}.{updates}'.",
                metavar="TEMPLATE",
            ),
        ] = None,
        update_template: Annotated[
            str | None, typer.Option("--update-template", help="Replies.", metavar="TEMPLATE")
        ] = None,
        closing_template: Annotated[
            str | None,
            typer.Option("--closing-template", help="The resolved reply.", metavar="TEMPLATE"),
        ] = None,
        coalesce: Annotated[
            int | None,
            typer.Option(
                "--coalesce",
                help="Events within this many seconds make one post.",
                metavar="SECONDS",
            ),
        ] = None,
        urgent: Annotated[
            bool | None,
            typer.Option("--urgent/--no-urgent", help="Let ticket posts through a crisis pause."),
        ] = None,
        mode: Annotated[
            str | None, typer.Option("--mode", help="auto (no sign-off) or review.", metavar="MODE")
        ] = None,
        word: Annotated[
            list[str] | None,
            typer.Option(
                "--map",
                help="A ticket system's status word, WORD=STATUS; repeat.",
                metavar="WORD=STATUS",
            ),
        ] = None,
        link: Annotated[
            str | None,
            typer.Option(
                "--link",
                help="Ticket link, e.g. https://status.example.net/{id}.",
                metavar="URL",
            ),
        ] = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Set where and how ticket posts go (with no options: show the settings)."""
        context = state(ctx).open()
        options = (
            to,
            template,
            update_template,
            closing_template,
            coalesce,
            urgent,
            mode,
            word,
            link,
        )
        if all(o is None for o in options):
            view = ticket_config.get_config(context)
            if view is None:
                raise InvalidInput(
                    "ticket posting is not configured: oyez tickets config --to CH[,CH…]"
                )
        else:
            view = ticket_config.configure(
                context,
                channels=split_names(to) if to is not None else None,
                template=template,
                update_template=update_template,
                closing_template=closing_template,
                coalesce_seconds=coalesce,
                urgent=urgent,
                mode=mode,
                status_map=parse_status_map(word or []),
                link_template=link,
            )
        if as_json:
            emit_json(view.to_dict())
        else:
            _show_config(view)

    @tickets.command("list")
    def list_(ctx: typer.Context, as_json: JsonOpt = False) -> None:
        """Each ticket, its status and its posts."""
        views = list_tickets(state(ctx).open())
        if as_json:
            emit_json([v.to_dict() for v in views])
            return
        if not views:
            console.print("no tickets yet")
            return
        table = Table("ticket", "status", "title", "events", "posts")
        for v in views:
            thread = " ".join(
                f"{p.kind}:{p.post_state or p.state}" + (f"#{p.post_id}" if p.post_id else "")
                for p in v.posts
            )
            table.add_row(
                shown(v.id), shown(v.status), shown(v.title), str(v.events), thread or "—"
            )
        console.print(table)

    _feeds(tickets)
    app.add_typer(tickets, name="tickets")
