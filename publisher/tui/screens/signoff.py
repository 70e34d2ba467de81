"""Sign-off: the posts waiting for review, with their findings."""

from __future__ import annotations

from typing import ClassVar

from rich.markup import escape
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import DataTable, Static

from publisher.service import posts
from publisher.service.views import PostView
from publisher.tui.format import (
    SEVERITY_COLOURS,
    SEVERITY_MARKS,
    first_line,
    mark_text,
)
from publisher.tui.screens.post_actions import PostActions


class SignoffScreen(PostActions):
    """Approve, reject with a comment, or approve over an error finding with a reason."""

    SECTION = "signoff"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "approve", "Approve"),
        Binding("space", "mark", "Mark"),
        Binding("A", "approve_marked", "Approve marked"),
        Binding("r", "reject", "Reject"),
        Binding("o", "override", "Override"),
        Binding("e", "edit", "Edit"),
        Binding("enter", "open", "Open", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.waiting: list[PostView] = []
        #: Posts marked with space, approved together with A.
        self.marked: set[int] = set()
        #: The table width the text column was last cut to.
        self._cut_to = 0
        #: Why you may not approve a waiting post, by id (posts you may approve are absent).
        self.refusals: dict[int, str] = {}

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="signoff-main"):
            yield DataTable(cursor_type="row", zebra_stripes=True, id="review-table")
            with VerticalScroll(id="review-detail"):
                yield Static("", id="review-text", classes="post-text")
                yield Static("", id="review-findings")

    def on_mount(self) -> None:
        self.setup_table(("!", 1), ("id", 6), ("author", 8), ("text", None))

    def current_post_id(self) -> int | None:
        table = self.query_one(DataTable)
        if not self.waiting or not 0 <= table.cursor_row < len(self.waiting):
            return None
        return self.waiting[table.cursor_row].id

    def reload(self) -> None:
        keep = self.current_post_id()
        waiting = self.oyez.call(posts.list_posts, self.oyez.ctx, states=["in_review"], limit=500)
        if waiting is None:
            return
        self.waiting = waiting
        self.refusals = (
            self.oyez.call(posts.approvals_refused, self.oyez.ctx, [p.id for p in waiting]) or {}
        )
        self.marked &= {p.id for p in waiting}
        self._fill(keep)

    def _fill(self, keep: int | None) -> None:
        table = self.query_one(DataTable)
        self._cut_to = table.size.width
        table.clear()
        for post in self.waiting:
            table.add_row(
                mark_text(post.worst_finding),
                Text(("✓" if post.id in self.marked else " ") + str(post.id)),
                Text(post.author[:8]),
                Text(first_line(post.text, max(10, self._cut_to - 26))),
                key=str(post.id),
            )
        if self.waiting:
            index = next((i for i, p in enumerate(self.waiting) if p.id == keep), 0)
            table.move_cursor(row=index, animate=False)
        self._detail()

    def on_resize(self) -> None:
        # The text column is cut to the table's width: a new width needs new cells,
        # once the table has its new size.
        self.call_after_refresh(self._recut)

    def _recut(self) -> None:
        if self.waiting and self.query_one(DataTable).size.width != self._cut_to:
            self._fill(self.current_post_id())

    @on(DataTable.RowHighlighted)
    def _highlighted(self) -> None:
        self._detail()
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """On PostgreSQL approve and override are offered only for posts you may approve.

        (On SQLite, the sandbox, they stay, and a refusal is explained when pressed.)
        """
        if action in ("approve", "override") and self.oyez.ctx.enforced:
            post_id = self.current_post_id()
            return post_id is not None and post_id not in self.refusals
        return True

    @on(DataTable.RowSelected)
    def _selected(self) -> None:
        self.action_open()

    def action_mark(self) -> None:
        """Mark or unmark the highlighted post, then move to the next one."""
        post_id = self.current_post_id()
        if post_id is None:
            return
        self.marked ^= {post_id}
        table = self.query_one(DataTable)
        row = table.cursor_row
        self._fill(post_id)
        table.move_cursor(row=min(row + 1, len(self.waiting) - 1), animate=False)

    def action_approve_marked(self) -> None:
        """Approve every marked post, each on its own: a refusal is named and the rest go on."""
        chosen = [p.id for p in self.waiting if p.id in self.marked]
        if not chosen:
            self.notify("mark posts with space first, then A approves them", severity="warning")
            return
        approved = [
            post_id
            for post_id in chosen
            if self.oyez.call(posts.approve_post, self.oyez.ctx, post_id) is not None
        ]
        self.marked -= set(approved)
        refused = len(chosen) - len(approved)
        tail = f"; {refused} refused (see the messages)" if refused else ""
        self._done(f"approved {len(approved)} of {len(chosen)} marked posts{tail}")

    def action_open(self) -> None:
        post_id = self.current_post_id()
        if post_id is not None:
            self.oyez.open_post(post_id)

    def _who(self, post_id: int) -> str:
        """On PostgreSQL: who you are (the login) and, if so, why you may not approve."""
        ctx = self.oyez.ctx
        if not ctx.enforced:
            return ""  # SQLite, the sandbox: a refusal is explained when you press approve
        you = f"You are {escape(ctx.login)}"
        refusal = self.refusals.get(post_id)
        you += f": you may not approve this post ({escape(refusal)})" if refusal else ""
        return f"[dim]{you}[/dim]\n"

    def _detail(self) -> None:
        post_id = self.current_post_id()
        post = next((p for p in self.waiting if p.id == post_id), None)
        text = self.query_one("#review-text", Static)
        found = self.query_one("#review-findings", Static)
        if post is None:
            text.update("Nothing is waiting for sign-off.")
            found.update("")
            return
        text.update(
            self._who(post.id) + f"[b]Post {post.id}[/b] by {escape(post.author)} to "
            f"{', '.join(post.channels) or 'no channels'}\n\n{escape(post.text)}"
        )
        lines = []
        for f in post.findings:
            severity = str(f.get("severity"))
            lines.append(
                f"[{SEVERITY_COLOURS.get(severity, '')}]{SEVERITY_MARKS.get(severity, '?')} "
                f"{f.get('rule')}[/] {escape(str(f.get('message', '')))}"
            )
        hint = ""
        if any(f.get("severity") == "error" for f in post.findings):
            hint = "\n[i]Error findings block approval: reject, or override (o) with a reason.[/i]"
        found.update("[b]Findings[/b]\n" + ("\n".join(lines) or "none") + hint)
