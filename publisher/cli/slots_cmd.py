"""``oyez slots``: posting slots, quiet hours and blackout dates."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from publisher.cli.common import JsonOpt, console, emit_json, state
from publisher.context.times import parse_when, zone
from publisher.errors import InvalidInput
from publisher.service import slots as slotting
from publisher.service.reach import suggest_slots

ChannelArg = Annotated[str, typer.Argument(metavar="CHANNEL", help="The channel's name.")]


def _show_table(table: slotting.SlotTable) -> None:
    console.print(f"[bold]{table.channel}[/] · {table.timezone}", highlight=False)
    for day, times in table.slots.items():
        console.print(f"  {day}  {', '.join(times)}", highlight=False)
    if not table.slots:
        console.print("  no slots", highlight=False)
    if table.quiet_hours:
        quiet = table.quiet_hours
        console.print(f"  quiet {quiet['start']}–{quiet['end']}", highlight=False)
    if table.blackout_dates:
        console.print(f"  blackout {', '.join(table.blackout_dates)}", highlight=False)


def register_slots(app: typer.Typer) -> None:
    slots = typer.Typer(help="Posting slots, quiet hours and blackout dates.", no_args_is_help=True)

    @slots.command("set")
    def set_(
        ctx: typer.Context,
        channel: ChannelArg,
        weekdays: Annotated[
            str, typer.Option("--weekdays", help="mon-fri, sat,sun, all…", metavar="DAYS")
        ],
        times: Annotated[str, typer.Option("--times", help="HH:MM,HH:MM,…", metavar="TIMES")],
        tz: Annotated[
            str | None,
            typer.Option(
                "--tz", help="The channel's time zone, e.g. Europe/London.", metavar="ZONE"
            ),
        ] = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Set the slots of some weekdays (other weekdays keep theirs)."""
        table = slotting.set_slots(state(ctx).open(), channel, weekdays, times, tz)
        emit_json(table.to_dict()) if as_json else _show_table(table)

    @slots.command("clear")
    def clear(
        ctx: typer.Context,
        channel: ChannelArg,
        weekdays: Annotated[
            str | None,
            typer.Option("--weekdays", help="Only these days (default: all).", metavar="DAYS"),
        ] = None,
    ) -> None:
        """Remove slots."""
        _show_table(slotting.clear_slots(state(ctx).open(), channel, weekdays))

    @slots.command("list")
    def list_(
        ctx: typer.Context,
        channel: ChannelArg,
        days: Annotated[
            int, typer.Option("--days", help="How many days ahead.", metavar="DAYS")
        ] = 7,
        start: Annotated[
            str | None,
            typer.Option("--from", help="Start here (ISO 8601), not now.", metavar="TIME"),
        ] = None,
        as_json: JsonOpt = False,
    ) -> None:
        """List the channel's coming slots and the posts sitting in them."""
        context = state(ctx).open()
        begin = parse_when(start) if start else context.clock()
        found = slotting.slots_for(context, channel, begin, days)
        if as_json:
            emit_json([s.to_dict() for s in found])
            return
        table_info = slotting.slot_table(context, channel)
        local = zone(table_info.timezone)
        table = Table("slot (" + table_info.timezone + ")", "UTC", "post")
        for s in found:
            post = f"post {s.post_id}" if s.post_id else ("free" if s.open else "closed")
            table.add_row(
                s.time.astimezone(local).strftime("%a %Y-%m-%d %H:%M"),
                s.time.strftime("%H:%M"),
                post,
            )
        console.print(table)

    @slots.command("quiet")
    def quiet(
        ctx: typer.Context,
        channel: ChannelArg,
        start: Annotated[
            str | None,
            typer.Option(
                "--from", help="When quiet hours start, in the channel's zone.", metavar="HH:MM"
            ),
        ] = None,
        end: Annotated[
            str | None,
            typer.Option("--to", help="When they end (may be after midnight).", metavar="HH:MM"),
        ] = None,
        off: Annotated[bool, typer.Option("--off", help="No quiet hours.")] = False,
    ) -> None:
        """Set the daily quiet hours (nothing but urgent posts goes out)."""
        if off and (start or end):
            raise InvalidInput("give either --off or --from/--to, not both")
        if not off and not (start or end):
            raise InvalidInput("give --from HH:MM --to HH:MM, or --off")
        context = state(ctx).open()
        _show_table(slotting.set_quiet_hours(context, channel, start, end))

    @slots.command("blackout")
    def blackout(
        ctx: typer.Context,
        channel: ChannelArg,
        add: Annotated[
            list[str] | None,
            typer.Option("--add", help="A date to add; repeat.", metavar="YYYY-MM-DD"),
        ] = None,
        remove: Annotated[
            list[str] | None,
            typer.Option("--remove", help="A date to remove; repeat.", metavar="YYYY-MM-DD"),
        ] = None,
    ) -> None:
        """Add or remove blackout dates (nothing but urgent posts goes out on them)."""
        _show_table(slotting.change_blackout(state(ctx).open(), channel, add or [], remove or []))

    @slots.command("suggest")
    def suggest(
        ctx: typer.Context,
        channel: ChannelArg,
        days: Annotated[
            int, typer.Option("--days", help="Look at the posts of this many days.", min=1)
        ] = 90,
        as_json: JsonOpt = False,
    ) -> None:
        """Suggest posting slots from when the channel's posts drew most engagement
        (likes, reposts, replies, quotes per post, collected by `oyez metrics collect`)."""
        found = suggest_slots(state(ctx).open(), channel, days=days)
        if as_json:
            emit_json(found.to_dict())
            return
        console.print(
            f"[bold]{found.channel}[/] · {found.timezone} · {found.measured} measured posts",
            highlight=False,
        )
        if not found.times:
            console.print("  no measured posts yet: run `oyez metrics collect`", highlight=False)
            return
        for time, mean, n in found.times:
            console.print(f"  {time}  {mean:.1f} per post ({n} posts)", highlight=False)
        days_ = ",".join(d for d, _, _ in found.weekdays[:5])
        times = ",".join(t for t, _, _ in found.times)
        console.print(
            f"  try: oyez slots set {found.channel} --weekdays {days_} --times {times}",
            highlight=False,
        )

    app.add_typer(slots, name="slots")


def register(app: typer.Typer) -> None:
    register_slots(app)
