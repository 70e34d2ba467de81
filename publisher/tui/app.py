"""The oyez terminal UI: the queue, compose, sign-off, calendar, sources, activity, channels.

Screens call the service layer only. Every service call goes through
:meth:`OyezApp.call`, so a refused action becomes a notification, never a
crashed screen. The app polls a cheap change marker and reloads the screen in
view when the daemon or another user changes something.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, ParamSpec, TypeVar
from zoneinfo import ZoneInfo

from textual.app import App
from textual.binding import Binding, BindingType
from textual.reactive import reactive
from textual.screen import Screen
from textual.theme import Theme
from textual.worker import get_current_worker

from publisher.context import Context
from publisher.context.times import zone
from publisher.errors import InvalidInput, OyezError
from publisher.service import pause, queue
from publisher.tui.commands import OyezCommands
from publisher.tui.format import use_palette
from publisher.tui.screens.base import OyezScreen
from publisher.tui.screens.queue import QueueScreen
from publisher.tui.widgets.nav_bar import SECTIONS, NavBar

if TYPE_CHECKING:
    from textual.notifications import SeverityLevel

    from publisher.engine.runner import Dispatcher
    from publisher.guidelines import Checker

log = logging.getLogger("oyez.tui")
P = ParamSpec("P")
T = TypeVar("T")


def in_process_dispatcher(ctx: Context) -> Dispatcher:
    """The delivery engine, to run in a background thread of this process (``oyez demo``)."""
    from publisher.engine.runner import Dispatcher

    # Its own Context: the UI may change who it acts as; the engine acts as itself.
    return Dispatcher(
        Context(
            store=ctx.store,
            settings=ctx.settings,
            actor="oyez",
            clock=ctx.clock,
            login=ctx.login,
            role=ctx.role,
            audit_login=ctx.login if ctx.role == "service" else None,
        )
    )


def _lazy(module: str, name: str) -> Callable[[], Screen[Any]]:
    """A screen class imported when first shown: start-up pays only for the queue."""

    def make() -> Screen[Any]:
        screen: Screen[Any] = getattr(
            importlib.import_module(f"publisher.tui.screens.{module}"), name
        )()
        return screen

    return make


def crisis_reason(ctx: Context) -> str | None:
    """The crisis pause's reason while it is on, else None."""
    state = pause.crisis(ctx)
    return None if state is None else state.reason


class OyezApp(App[None]):
    """``oyez tui``. ``ctx`` is the service context; ``dispatch`` runs the engine in-process.

    ``poll_seconds`` is how often it looks for changes made elsewhere (0: never);
    ``exit_after`` quits after that many seconds (demos and benchmarks).
    """

    CSS_PATH = "app.tcss"
    TITLE = "oyez"
    COMMANDS = App.COMMANDS | {OyezCommands}
    MODES: ClassVar[dict[str, str | Callable[[], Screen[Any]]]] = {
        "queue": QueueScreen,
        "signoff": _lazy("signoff", "SignoffScreen"),
        "calendar": _lazy("calendar", "CalendarScreen"),
        "sources": _lazy("sources", "SourcesScreen"),
        "activity": _lazy("activity", "ActivityScreen"),
        "channels": _lazy("channels", "ChannelsScreen"),
        "report": _lazy("report", "ReportScreen"),
        "inbox": _lazy("inbox", "InboxScreen"),
    }
    DEFAULT_MODE = "queue"
    BINDINGS: ClassVar[list[BindingType]] = [
        *(Binding(key, f"section('{mode}')", label, show=False) for mode, key, label in SECTIONS),
        Binding("n", "new_post", "New post"),
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]

    #: The crisis pause's reason while it is on, else None. Every screen shows a banner.
    crisis: reactive[str | None] = reactive(None, init=False)

    def __init__(
        self,
        ctx: Context,
        *,
        dispatch: bool = False,
        poll_seconds: float = 1.5,
        dark: bool = True,
        exit_after: float | None = None,
    ) -> None:
        super().__init__()
        self.ctx = ctx
        self.tz: ZoneInfo = zone(ctx.settings.timezone or "UTC")
        self.poll_seconds = poll_seconds
        self.exit_after = exit_after
        self.dispatcher = in_process_dispatcher(ctx) if dispatch else None
        self._marker: tuple[Any, ...] | None = None
        self._checker: Checker | None = None
        #: The channels last ticked in compose; a new post starts with them ticked.
        self.last_channels: tuple[str, ...] = ()
        self.theme = "textual-dark" if dark else "textual-light"
        use_palette(dark)

    # -- who and what -------------------------------------------------------------------

    @property
    def actor(self) -> str:
        return self.ctx.actor

    def act_as(self, name: str) -> None:
        """Act as another user from now on (the audit log records them)."""
        name = name.strip()
        if not name:
            raise InvalidInput("a user name is needed")
        self.ctx.actor = name
        for bar in self.screen.query(NavBar):
            bar.refresh()
        self.notify(f"acting as {name}")

    @property
    def checker(self) -> Checker:
        """The guideline checker, compiled once for the life of the app."""
        if self._checker is None:
            from publisher.service import checks

            self._checker = checks.checker_for(self.ctx)
        return self._checker

    def call(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T | None:
        """Run a service call; show a refusal or failure as a notification, return None."""
        try:
            return fn(*args, **kwargs)
        except OyezError as exc:
            self.notify(str(exc), severity="error", timeout=8)
        except Exception as exc:  # a bug must not take the screen down with it
            log.exception("service call %s failed", getattr(fn, "__name__", fn))
            self.notify(f"unexpected {type(exc).__name__}: {exc}", severity="error", timeout=10)
        return None

    def call_in_background(
        self, fn: Callable[..., T], *args: Any, done: Callable[[T], object], group: str
    ) -> None:
        """Run a slow service call (a network round trip, a big read) off the UI thread.

        ``done(result)`` runs on the UI thread; a refusal or failure becomes a
        notification, as in :meth:`call`. A newer call in the same ``group``
        cancels the wait for an older one.
        """

        def work() -> None:
            try:
                result = fn(*args)
            except OyezError as exc:
                self.call_from_thread(self.notify, str(exc), severity="error", timeout=10)
                return
            except Exception as exc:  # a failed worker would take the whole app down
                log.exception("background call %s failed", getattr(fn, "__name__", fn))
                message = f"unexpected {type(exc).__name__}: {exc}"
                self.call_from_thread(self.notify, message, severity="error", timeout=10)
                return
            if not get_current_worker().is_cancelled:
                self.call_from_thread(done, result)

        self.run_worker(work, thread=True, exclusive=True, group=group)

    # -- life cycle ---------------------------------------------------------------------

    def on_mount(self) -> None:
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        # Taken before the first screen reads anything, so no change slips between.
        self._marker = self.call(queue.change_marker, self.ctx)
        self.crisis = self.call(crisis_reason, self.ctx)
        if self.dispatcher is not None:
            self.dispatcher.start()
        if self.poll_seconds > 0:
            self.set_interval(self.poll_seconds, self.poll)
        if self.exit_after is not None:
            self.set_timer(self.exit_after, self.exit)

    def on_unmount(self) -> None:
        if self.dispatcher is not None:
            self.dispatcher.stop()

    def _theme_changed(self, theme: Theme) -> None:
        use_palette(theme.dark)
        self.reload_screen()

    def poll(self) -> None:
        """Look for changes made elsewhere, off the UI thread."""
        self.run_worker(self._read_marker, thread=True, exclusive=True, group="poll")

    def _read_marker(self) -> None:
        try:
            marker = queue.change_marker(self.ctx)
            crisis = crisis_reason(self.ctx)
        except OyezError as exc:
            log.warning("cannot poll for changes: %s", exc)
            return
        if not get_current_worker().is_cancelled:
            self.call_from_thread(self._apply_marker, marker, crisis)

    def _apply_marker(self, marker: tuple[Any, ...], crisis: str | None) -> None:
        self.crisis = crisis
        if marker != self._marker:
            self._marker = marker
            self.reload_screen()

    def reload_screen(self) -> None:
        """Reload what the current screen shows (after a change here or elsewhere).

        A screen just switched to may not have its widgets yet; it loads itself
        when it is shown (``on_screen_resume`` comes after its ``on_mount``).
        """
        screen = self.screen
        if isinstance(screen, OyezScreen) and screen.is_mounted:
            screen.reload()

    def changed(self) -> None:
        """Something was changed from this app: refresh now rather than at the next poll."""
        self.crisis = self.call(crisis_reason, self.ctx)
        if self.dispatcher is not None:
            self.dispatcher.wake()
        self.reload_screen()

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """A toast. Plain text by default: messages carry names, reasons and network errors."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    # -- actions ------------------------------------------------------------------------

    def action_section(self, mode: str) -> None:
        if self.current_mode == mode:
            # Pressing the section's key again goes back to its first screen.
            while len(self.screen_stack) > 1:
                self.pop_screen()
            return
        self.switch_mode(mode)

    def action_new_post(self) -> None:
        self.compose_post(None)

    def compose_post(self, post_id: int | None) -> None:
        from publisher.tui.screens.compose import ComposeScreen

        self.push_screen(ComposeScreen(post_id))

    def open_post(self, post_id: int) -> None:
        from publisher.tui.screens.post import PostScreen

        self.push_screen(PostScreen(post_id))
