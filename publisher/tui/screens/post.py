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
from publisher.service.deliveries import resolve_delivery
from publisher.service.views import PostView
from publisher.tui.format import COLOURS, SEVERITY_COLOURS, SEVERITY_MARKS, STATE_COLOURS, when
from publisher.tui.screens.post_actions import POST_BINDINGS, PostActions
from publisher.tui.screens.prompt import Prompt

#: Answers that say the post is not on the account.
NOT_THERE = ("no", "n", "not there", "not published")


def looks_like_id(answer: str) -> bool:
    """A network's post id: one word with a digit in it (X, Mastodon, Facebook), or an at:// URI."""
    return (
        " " not in answer
        and (answer.startswith("at://") or any(ch.isdigit() for ch in answer))
        and not answer.startswith(("http://", "https://"))
    )


class PostScreen(PostActions):
    """Pushed over a section; escape goes back."""

    SECTION = "queue"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        *POST_BINDINGS,
        Binding("v", "resolve", "Resolve"),
    ]

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

    def action_resolve(self) -> None:
        """Settle a delivery that needs attention, once the person has looked at the account."""
        post = self._post()
        if post is None:
            return
        waiting = [d for d in post.deliveries if d.state == "needs_attention"]
        if not waiting:
            self.notify(f"no delivery of post {post.id} needs attention", severity="warning")
            return
        delivery = waiting[0]

        def done(answer: str | None) -> None:
            if not answer:
                return
            answer = answer.strip()
            if answer.lower() in NOT_THERE:
                published, remote_id = False, None
            elif looks_like_id(answer):
                published, remote_id = True, answer
            else:
                self.notify(
                    f"{answer!r} is neither an id nor no: nothing changed", severity="warning"
                )
                return
            resolved = self.oyez.call(
                resolve_delivery,
                self.oyez.ctx,
                post.id,
                delivery.channel,
                published=published,
                remote_id=remote_id,
            )
            if resolved is not None:
                what = "recorded as sent" if resolved.state == "sent" else "sent again, now"
                self._done(f"post {post.id} on {delivery.channel}: {what}")

        self.app.push_screen(
            Prompt(
                f"Post {post.id} on {delivery.channel} needs attention",
                f"{delivery.last_error or 'oyez could not tell whether it went out'}. "
                "Look at the account. If it is there, give its id on the network "
                "(replies and retraction need it); if it is not, type no (it is sent again):",
                placeholder="its id (e.g. 1860012345678901234, at://…), or no",
            ),
            done,
        )

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
            review.append(f"approved by {escape(', '.join(post.signed_off_by))}")
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
