"""Channels: health, pause and resume one, and the crisis pause for all."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Static

from publisher.service import channels, credentials, pause, status
from publisher.service.channels import ChannelView
from publisher.tui.format import COLOURS, STATE_COLOURS, when
from publisher.tui.screens.base import OyezScreen
from publisher.tui.screens.prompt import Confirm, Prompt

if TYPE_CHECKING:
    from publisher.tui.app import OyezApp


def ask_crisis_pause(app: OyezApp) -> None:
    """Ask for a reason, then stop all publishing until resumed."""

    def done(reason: str | None) -> None:
        if reason and app.call(pause.pause_all, app.ctx, reason):
            app.changed()
            app.notify(f"crisis pause is on: {pause.CRISIS_HOLDS}", severity="warning")

    app.push_screen(
        Prompt(
            "Crisis pause",
            "Hold every scheduled post on every channel (urgent posts such as ticket"
            " updates still go out). Why? (shown to everyone)",
            placeholder="e.g. major incident: hold all scheduled posts",
        ),
        done,
    )


def resumed_message(resumed: pause.Resumed, what: str) -> str:
    if not resumed.was_paused:
        return f"{what} was not paused"
    tail = f": {resumed.overdue} overdue deliveries go now" if resumed.overdue else ""
    tail += f", {resumed.expiring} of them expire" if resumed.expiring else ""
    return f"{what} resumed{tail}"


def resume_question(preview: pause.Resumed) -> str:
    """The resume dialog's question: how many overdue posts go out the moment it ends."""
    if not preview.overdue:
        return "End the crisis pause for every channel? Nothing is overdue."
    expire = (
        f" ({preview.expiring} of them past their grace period expire)" if preview.expiring else ""
    )
    return (
        f"End the crisis pause for every channel? {preview.overdue} overdue"
        f" {'delivery goes' if preview.overdue == 1 else 'deliveries go'} out now{expire}."
        " Press n to review them in the Queue first."
    )


def resume_after_crisis(app: OyezApp) -> None:
    preview = app.call(pause.resume_preview, app.ctx) or pause.Resumed(0, 0)

    def done(yes: bool | None) -> None:
        resumed = app.call(pause.resume_all, app.ctx) if yes else None
        if resumed is not None:
            app.changed()
            app.notify(resumed_message(resumed, "publishing"))
        elif preview.overdue:
            app.action_section("queue")
            app.notify("the crisis pause is still on: review the overdue posts, then resume")

    app.push_screen(Confirm("Resume publishing", resume_question(preview)), done)


class ChannelsScreen(OyezScreen):
    """One row per channel: paused, rate-limited, waiting and sent counts, last error."""

    SECTION = "channels"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "pause", "Pause"),
        Binding("u", "resume", "Resume"),
        Binding("k", "check", "Check credentials"),
        Binding("exclamation_mark", "crisis", "Crisis pause", key_display="!"),
        Binding("R", "end_crisis", "Resume all", key_display="R"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[ChannelView] = []
        #: What the engine is doing, read once per reload (not per cursor move).
        self.engine = ""
        #: Credential warnings by channel, from the latest recorded checks.
        self.warnings: dict[str, tuple[str, ...]] = {}

    def compose_body(self) -> ComposeResult:
        yield DataTable(cursor_type="row", zebra_stripes=True, id="channels-table")
        yield Static("", id="channel-detail")

    def on_mount(self) -> None:
        self.setup_table(
            ("channel", 12), ("kind", 9), ("health", 16), ("waiting", 7), ("sent", 7), ("failed", 6)
        )

    def current(self) -> ChannelView | None:
        row = self.query_one(DataTable).cursor_row
        return self.rows[row] if self.rows and 0 <= row < len(self.rows) else None

    def _health(self, c: ChannelView) -> Text:
        if self.oyez.crisis is not None:
            return Text("crisis pause", style=f"bold {COLOURS['bad']}")
        if c.paused:
            return Text("paused", style=f"bold {COLOURS['bad']}")
        if c.rate_limited_until is not None:
            return Text(
                f"waits {when(c.rate_limited_until, self.oyez.tz, short=True)}",
                style=COLOURS["warn"],
            )
        if self.warnings.get(c.name):
            return Text("credentials!", style=COLOURS["warn"])
        return Text("ok", style=STATE_COLOURS["sent"])

    def reload(self) -> None:
        # Counting every channel's deliveries by state takes about 160 ms on a
        # 100,000-post queue, and a running dispatcher changes it with every
        # send: off the UI thread.
        ctx = self.oyez.ctx

        def read() -> tuple[list[ChannelView], status.Status]:
            return channels.channel_health(ctx), status.status(ctx)

        self.oyez.call_in_background(read, done=self._fill, group="channels")

    def _fill(self, read: tuple[list[ChannelView], status.Status]) -> None:
        rows, engine = read
        keep = self.query_one(DataTable).cursor_row
        self.rows = rows
        self.engine = self._engine_line(engine)
        self.warnings = engine.credentials
        table = self.query_one(DataTable)
        table.clear()
        for c in rows:
            waiting = sum(c.counts.get(s, 0) for s in ("pending", "held", "sending"))
            failed = sum(c.counts.get(s, 0) for s in ("failed", "needs_attention"))
            table.add_row(
                Text(c.name),
                Text(c.kind),
                self._health(c),
                str(waiting),
                str(c.counts.get("sent", 0)),
                str(failed),
            )
        if rows:
            table.move_cursor(row=min(keep, len(rows) - 1), animate=False)
        self._detail()

    @on(DataTable.RowHighlighted)
    def _detail(self) -> None:
        c = self.current()
        detail = self.query_one("#channel-detail", Static)
        if c is None:
            detail.update("No channels yet: add one with `oyez channels add`.")
            return
        lines = [self.engine, f"{c.name} ({c.kind}, times in {c.timezone})"]
        if c.paused:
            lines.append(f"paused: {c.paused_reason or 'no reason given'}")
        if c.rate_limited_until is not None:
            lines.append(f"rate limited until {when(c.rate_limited_until, self.oyez.tz)}")
        if c.last_error:
            lines.append(f"last error: {c.last_error}")
        lines.extend(f"credentials: {w}" for w in self.warnings.get(c.name, ()))
        counts = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in sorted(c.counts.items()))
        lines.append(f"deliveries: {counts or 'none'}")
        detail.update(Text("\n".join(lines)))

    def _engine_line(self, state: status.Status) -> str:
        workers = len(state.workers)
        here = " (one in this process)" if self.oyez.dispatcher is not None else ""
        due = when(state.next_due, self.oyez.tz) if state.next_due else "nothing"
        return f"workers running: {workers}{here} · next due: {due}"

    def action_pause(self) -> None:
        c = self.current()
        if c is None:
            return

        def done(reason: str | None) -> None:
            if reason:
                self.oyez.call(pause.pause_channel, self.oyez.ctx, c.name, reason)
                self.oyez.changed()

        self.app.push_screen(Prompt(f"Pause {c.name}", "Why? (shown to everyone)"), done)

    def action_resume(self) -> None:
        c = self.current()
        resumed = self.oyez.call(pause.resume_channel, self.oyez.ctx, c.name) if c else None
        if c is not None and resumed is not None:
            self.notify(resumed_message(resumed, c.name))
            self.oyez.changed()

    def action_crisis(self) -> None:
        ask_crisis_pause(self.oyez)

    def action_end_crisis(self) -> None:
        resume_after_crisis(self.oyez)

    def action_check(self) -> None:
        c = self.current()
        if c is not None:
            self.notify(f"checking {c.name}…")
            self._check(c.name)

    def _check(self, name: str) -> None:
        # A network round trip: off the UI thread, through the service layer.
        def done(result: credentials.CredentialCheck) -> None:
            if not result.ok:
                self.notify(f"{name}: {result.error}", severity="error", markup=False)
            elif result.warnings:
                shown = f"{name}: " + "; ".join(result.warnings)
                self.notify(shown, severity="warning", markup=False)
            else:
                self.notify(f"{name}: credentials work (as {result.account})", markup=False)
            self.oyez.changed()

        self.oyez.call_in_background(
            credentials.check, self.oyez.ctx, name, done=done, group="check"
        )
