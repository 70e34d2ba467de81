"""Write or edit a post: the guideline check runs on every keystroke.

The findings are listed beside the text and underlined in it; each channel
gets a length counter and, when the post will be split, a thread preview.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from rich.markup import escape
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Checkbox, Input, Label, SelectionList, Static, TextArea

from publisher.context import times
from publisher.errors import InvalidInput
from publisher.guidelines import Finding, Target
from publisher.service import channels, checks, compose, posts, slots
from publisher.service.channels import ChannelView
from publisher.service.views import PostView
from publisher.tui.screens.base import OyezScreen
from publisher.tui.screens.prompt import Confirm
from publisher.tui.widgets.findings_list import FindingsList
from publisher.tui.widgets.length_counters import LengthCounters
from publisher.tui.widgets.post_editor import PostEditor
from publisher.tui.widgets.thread_preview import ThreadPreview


class ComposeScreen(OyezScreen):
    """``post_id`` None writes a new post; else edits that one."""

    SECTION = "queue"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save draft", priority=True),
        Binding("ctrl+r", "submit", "Submit", priority=True),
        Binding("ctrl+f", "fix", "Apply fix", priority=True),
        Binding("ctrl+o", "findings", "Findings"),
        Binding("ctrl+t", "channels", "Channels", priority=True),
        Binding("escape", "close", "Close"),
    ]

    def __init__(self, post_id: int | None = None) -> None:
        super().__init__()
        self.post_id = post_id
        self.post: PostView | None = None
        self.channel_rows: list[ChannelView] = []
        self.media: list[dict[str, str]] = []
        self.findings: list[Finding] = []
        self.recent: list[str] = []
        self.saved_text = ""
        self._all_targets: dict[str, Target] | None = None

    def compose_body(self) -> ComposeResult:
        ctx = self.oyez.ctx
        self.channel_rows = self.oyez.call(channels.list_channels, ctx) or []
        if self.post_id is not None:
            self.post = self.oyez.call(posts.get_post, ctx, self.post_id)
        text = self.post.text if self.post else ""
        self.saved_text = text
        chosen = set(self.post.channels) if self.post else set()
        if self.post is None and len(self.channel_rows) == 1:
            chosen = {self.channel_rows[0].name}
        elif self.post is None:
            known = {c.name for c in self.channel_rows}
            chosen = {name for name in self.oyez.last_channels if name in known}
        self.media = [dict(m) for m in self.post.media] if self.post else []
        title = f"Edit post {self.post_id}" if self.post_id else "New post"
        with Horizontal(id="compose-main"):
            with Vertical(id="compose-left"):
                yield Label(f"[b]{title}[/b]  as {escape(self.oyez.actor)}", id="compose-title")
                yield PostEditor(text, id="editor")
                yield LengthCounters("", id="counters")
                yield ThreadPreview("", id="thread")
            with VerticalScroll(id="compose-side", can_focus=False):
                yield Label("Findings", classes="side-title")
                yield FindingsList(id="findings")
                yield Label("Channels", classes="side-title")
                yield SelectionList[str](
                    *((c.name, c.name, c.name in chosen) for c in self.channel_rows),
                    id="channels",
                )
                yield Label(f"When ({self.oyez.tz.key})", classes="side-title")
                when = ""
                if self.post and self.post.scheduled_at:
                    when = self.post.scheduled_at.astimezone(self.oyez.tz).strftime(
                        "%Y-%m-%d %H:%M"
                    )
                yield Input(value=when, placeholder="YYYY-MM-DD HH:MM", id="when", compact=True)
                yield Checkbox("next free slot", value=False, id="next-slot", compact=True)
                yield Label("Media", classes="side-title")
                yield Input(placeholder="path to image", id="media-path", compact=True)
                yield Input(placeholder="alt text (required)", id="media-alt", compact=True)
                yield Button("Add media", id="add-media", compact=True)
                yield Static("", id="media-list")

    def on_mount(self) -> None:
        checker = self.oyez.checker
        self.recent = self.oyez.call(checks.recent_texts, self.oyez.ctx, checker) or []
        if self.post is not None and self.post.state not in posts.EDITABLE:
            self.notify(f"post {self.post_id} is {self.post.state}: it can no longer be edited")
        self._show_media()
        picker = self.query_one("#channels", SelectionList)
        if picker.option_count:
            picker.highlighted = 0
        self.check()
        self.query_one(PostEditor).focus()

    # -- the live check -----------------------------------------------------------------

    def _channel_targets(self) -> dict[str, Target]:
        """Every channel's target with the limits delivery will enforce, read once."""
        if self._all_targets is None:
            names = [c.name for c in self.channel_rows]
            found = self.oyez.call(compose.channel_targets, self.oyez.ctx, names) or []
            self._all_targets = {t.name: t for t in found}
        return self._all_targets

    def _targets(self) -> list[Target]:
        wanted = set(self.query_one("#channels", SelectionList).selected)
        known = self._channel_targets()
        return [
            known.get(c.name) or compose.targets([(c.name, c.kind)])[0]
            for c in self.channel_rows
            if c.name in wanted
        ]

    def check(self) -> None:
        """Check the text as it is now; show findings, counters and the thread preview."""
        editor = self.query_one(PostEditor)
        text = editor.text
        targets = self._targets()
        checker = self.oyez.checker
        source = self.post.source if self.post else "manual"
        self.findings = checker.check(
            text,
            targets,
            source if source in ("manual", "feed", "tip", "ticket") else "manual",
            self.recent,
        )
        editor.show_findings(self.findings)
        self.query_one(FindingsList).show(self.findings)
        lengths = checker.lengths(text, targets)
        self.query_one(LengthCounters).show(lengths)
        over = next((t for t in targets if not lengths[t.name].valid), None)
        parts = compose.thread_preview(text, over.kind, over.limits) if over else []
        self.query_one(ThreadPreview).show(over.name if over else None, parts)

    @on(TextArea.Changed)
    def _typed(self) -> None:
        self.check()

    @on(SelectionList.SelectedChanged)
    def _channels_changed(self) -> None:
        self.check()

    @on(FindingsList.Chosen)
    def _jump(self, event: FindingsList.Chosen) -> None:
        editor = self.query_one(PostEditor)
        editor.move_cursor((event.finding.line - 1, event.finding.column - 1))
        editor.focus()

    def action_findings(self) -> None:
        self.query_one(FindingsList).focus()

    def action_fix(self) -> None:
        """Apply the fix of the highlighted finding (or the first finding that has one)."""
        chosen = self.query_one(FindingsList).current()
        finding = chosen if chosen and chosen.fix is not None else None
        finding = finding or next((f for f in self.findings if f.fix is not None), None)
        if finding is None or finding.fix is None:
            self.notify("no finding here has a fix to apply", severity="warning")
            return
        editor = self.query_one(PostEditor)
        text = editor.text
        editor.text = text[: finding.start] + finding.fix + text[finding.end :]
        self.check()

    # -- media --------------------------------------------------------------------------

    @on(Button.Pressed, "#add-media")
    def _add_media(self) -> None:
        path = self.query_one("#media-path", Input).value.strip()
        alt = self.query_one("#media-alt", Input).value.strip()
        if not path:
            self.notify("give the path of the image first", severity="error")
            return
        if not alt:
            self.notify(
                "every image needs alt text for people using screen readers", severity="error"
            )
            return
        self.media.append({"path": path, "alt": alt})
        self.query_one("#media-path", Input).value = ""
        self.query_one("#media-alt", Input).value = ""
        self._show_media()

    def _show_media(self) -> None:
        lines = [f"{i}. {m['path']} — {m.get('alt', '')}" for i, m in enumerate(self.media, 1)]
        self.query_one("#media-list", Static).update("\n".join(lines) or "no media")

    # -- saving -------------------------------------------------------------------------

    def _when(self, names: list[str]) -> datetime | None:
        ctx = self.oyez.ctx
        if self.query_one("#next-slot", Checkbox).value:
            if not names:
                return None
            return slots.next_free_slot(ctx, names, ctx.clock())
        raw = self.query_one("#when", Input).value.strip()
        if not raw:
            return None
        at = times.parse_when(raw, self.oyez.tz.key)
        if at < ctx.clock():
            raise InvalidInput("that time has passed; pick one in the future")
        return at

    def _save(self) -> PostView:
        ctx = self.oyez.ctx
        text = self.query_one(PostEditor).text
        names = list(self.query_one("#channels", SelectionList).selected)
        self.oyez.last_channels = tuple(names)
        if self.post_id is None:
            view = posts.create_post(ctx, text, names, at=self._when(names), media=self.media)
        else:
            view = posts.edit_post(ctx, self.post_id, text, names)
        self.post_id, self.post, self.saved_text = view.id, view, text
        return view

    def action_save(self) -> None:
        view = self.oyez.call(self._save)
        if view is not None:
            self.notify(f"post {view.id} saved ({view.state.replace('_', ' ')})")
            self.query_one("#compose-title", Label).update(
                f"[b]Edit post {view.id}[/b]  as {escape(self.oyez.actor)}"
            )
            self.oyez.changed()

    def action_channels(self) -> None:
        """Go straight to the channel list (space ticks the highlighted channel)."""
        self.query_one("#channels", SelectionList).focus()

    def action_submit(self) -> None:
        if not self.query_one("#channels", SelectionList).selected:
            self.notify(
                "tick at least one channel to submit to: ctrl+t goes to Channels, space ticks one",
                severity="error",
                timeout=8,
            )
            self.action_channels()
            return

        def save_and_submit() -> PostView:
            view = self._save()
            if view.state == "draft":
                view = posts.submit_post(self.oyez.ctx, view.id)
            return view

        view = self.oyez.call(save_and_submit)
        if view is not None:
            if view.state == "in_review":
                self.notify(f"post {view.id} submitted for sign-off")
            else:
                self.notify(
                    f"post {view.id} is {view.state.replace('_', ' ')} (no sign-off needed)"
                )
            self.dismiss_screen()

    def dismiss_screen(self) -> None:
        self.app.pop_screen()
        self.oyez.changed()

    def action_close(self) -> None:
        if self.query_one(PostEditor).text == self.saved_text:
            self.dismiss_screen()
            return

        def done(yes: bool | None) -> None:
            if yes:
                self.dismiss_screen()

        self.app.push_screen(
            Confirm("Discard changes?", "The text has unsaved changes. Discard them?"), done
        )

    def reload(self) -> None:
        """Another user's change does not overwrite what is being typed."""
