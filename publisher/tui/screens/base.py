"""What every section screen shares: the section bar, the crisis banner and the key bar."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import DataTable

from publisher.tui.widgets.crisis_banner import CrisisBanner
from publisher.tui.widgets.key_bar import KeyBar
from publisher.tui.widgets.nav_bar import NavBar

if TYPE_CHECKING:
    from publisher.tui.app import OyezApp


class OyezScreen(Screen[None]):
    """A screen of the app. Subclasses compose a body and know how to reload it."""

    #: The section this screen belongs to (highlighted in the bar).
    SECTION: ClassVar[str] = ""

    @property
    def oyez(self) -> OyezApp:
        from publisher.tui.app import OyezApp

        assert isinstance(self.app, OyezApp)
        return self.app

    def notify(self, message: str, **options: Any) -> None:
        """A toast, plain text unless ``markup=True`` is asked for (see :meth:`OyezApp.notify`)."""
        options.setdefault("markup", False)
        self.app.notify(message, **options)

    def compose(self) -> ComposeResult:
        yield NavBar(self.SECTION)
        yield CrisisBanner()
        yield from self.compose_body()
        yield KeyBar()

    def compose_body(self) -> ComposeResult:
        yield from ()

    def setup_table(self, *columns: tuple[str, int | None]) -> DataTable[object]:
        """Give the screen's table its columns (label, width; None fills) and focus it."""
        table: DataTable[object] = self.query_one(DataTable)
        for label, width in columns:
            table.add_column(label, width=width)
        table.focus()
        return table

    def reload(self) -> None:
        """Read the data this screen shows again (called when something changed)."""

    def on_screen_resume(self) -> None:
        self.query_one(NavBar).refresh()
        self.reload()
