"""The command palette's oyez commands (ctrl+p): every section and the main actions."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

from publisher.tui.widgets.nav_bar import SECTIONS

if TYPE_CHECKING:
    from publisher.tui.app import OyezApp


class OyezCommands(Provider):
    """Go to a section, write a post, act as someone else, start or end the crisis pause."""

    def _commands(self) -> list[tuple[str, str, Callable[[], object]]]:
        from publisher.tui.app import OyezApp

        app = self.app
        assert isinstance(app, OyezApp)
        found: list[tuple[str, str, Callable[[], object]]] = [
            (f"Go to {label}", f"key {key}", partial(app.action_section, mode))
            for mode, key, label in SECTIONS
        ]
        found += [
            ("New post", "write a post and check it as you type", app.action_new_post),
            ("Act as…", "choose the user the audit log records", partial(_act_as, app)),
            ("Crisis pause…", "stop all publishing, with a reason", partial(_crisis, app, True)),
            ("Resume after crisis", "end the crisis pause", partial(_crisis, app, False)),
            ("Refresh", "read everything on this screen again", app.changed),
        ]
        return found

    async def discover(self) -> Hits:
        for name, help_text, callback in self._commands():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, callback in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)


def _act_as(app: OyezApp) -> None:
    from publisher.tui.screens.prompt import Prompt

    def done(name: str | None) -> None:
        if name:
            app.call(app.act_as, name)

    app.push_screen(Prompt("Act as", "User name for the audit log:", value=app.actor), done)


def _crisis(app: OyezApp, on: bool) -> None:
    from publisher.tui.screens.channels import ask_crisis_pause, resume_after_crisis

    if on:
        ask_crisis_pause(app)
    else:
        resume_after_crisis(app)
