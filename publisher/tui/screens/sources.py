"""Sources: feeds, tip cadences and tickets, each in a tab."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static, TabbedContent, TabPane

from publisher.tui.screens.base import OyezScreen

NOT_YET = "{what} are not available in this version of oyez yet."


class SourcesScreen(OyezScreen):
    """Feeds (last poll, errors, posts made), cadences (next posts), tickets (threads)."""

    SECTION = "sources"

    def compose_body(self) -> ComposeResult:
        with TabbedContent(id="sources-tabs"):
            with TabPane("Feeds", id="feeds"):
                yield Static(NOT_YET.format(what="Feeds"), id="feeds-body")
            with TabPane("Tips", id="tips"):
                yield Static(NOT_YET.format(what="Tip cadences"), id="tips-body")
            with TabPane("Tickets", id="tickets"):
                yield Static(NOT_YET.format(what="Tickets"), id="tickets-body")
