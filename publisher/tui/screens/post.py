"""One post: its text, findings, deliveries with links, and its history."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from rich.markup import escape
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Static

from publisher.service import posts
from publisher.service.views import PostView
from publisher.tui.format import COLOURS, SEVERITY_COLOURS, SEVERITY_MARKS, STATE_COLOURS, when
from publisher.tui.screens.post_actions import POST_BINDINGS, PostActions


class PostScreen(PostActions):
    """Pushed over a section; escape goes back."""

    SECTION = "queue"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", "Back"), *POST_BINDINGS]

    def __init__(self, post_id: int) -> None:
        super().__init__()
        self.post_id = post_id

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="post-body"):
            yield Static("", id="post-head", classes="post-head")
            yield Static("", id="post-text", classes="post-text")
            yield Static("", id="post-review")
            yield Static("", id="post-findings")
            yield Static("", id="post-deliveries")
            yield Static("", id="post-history", classes="muted")

    def current_post_id(self) -> int | None:
        return self.post_id

    def action_back(self) -> None:
        self.app.pop_screen()

    def reload(self) -> None:
        ctx = self.oyez.ctx
        post = self.oyez.call(posts.get_post, ctx, self.post_id)
        if post is None:
            return
        history = self.oyez.call(posts.post_history, ctx, self.post_id) or []
        self._show(post, history)

    def _show(self, post: PostView, history: list[dict[str, object]]) -> None:
        tz = self.oyez.tz
        colour = STATE_COLOURS.get(post.state, "")
        self.query_one("#post-head", Static).update(
            f"[b]Post {post.id}[/b]  [{colour}]{post.state.replace('_', ' ')}[/]  ·  "
            f"{when(post.scheduled_at, tz)}  ·  by {escape(post.author)}  ·  {post.source}"
            f"  ·  to {', '.join(post.channels) or 'no channels'}"
        )
        self.query_one("#post-text", Static).update(escape(post.text))
        review = []
        if post.review_comment:
            review.append(f"[{COLOURS['bad']}]↩ sent back:[/] {escape(post.review_comment)}")
        if post.approved_by:
            review.append(f"approved by {escape(post.approved_by)}")
        if post.override_reason:
            review.append(f"override: {escape(post.override_reason)}")
        self.query_one("#post-review", Static).update("\n".join(review))
        findings = [
            f"[{SEVERITY_COLOURS.get(str(f.get('severity')), '')}]"
            f"{SEVERITY_MARKS.get(str(f.get('severity')), '?')} {f.get('rule')}[/]"
            f"  {escape(str(f.get('message', '')))}"
            for f in post.findings
        ]
        self.query_one("#post-findings", Static).update(
            "[b]Findings[/b]\n" + ("\n".join(findings) if findings else "none")
        )
        lines = []
        for d in post.deliveries:
            where = d.remote_url or d.last_error or ""
            lines.append(
                f"{escape(d.channel):<12} [{STATE_COLOURS.get(d.state, '')}]{d.state:<15}[/] "
                f"{escape(where)}"
            )
        self.query_one("#post-deliveries", Static).update(
            "[b]Deliveries[/b]\n" + ("\n".join(lines) if lines else "none")
        )
        events = [
            f"{when(datetime.fromisoformat(str(e['at'])), tz)}  "
            f"{escape(str(e['actor']))} {e['action']}"
            for e in history[-12:]
        ]
        self.query_one("#post-history", Static).update("[b]History[/b]\n" + "\n".join(events))
