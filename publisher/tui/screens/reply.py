"""Answering an inbox item: the compose screen, with live findings, for the item's channel.

Submitting calls :func:`publisher.service.inbox.reply_to_item`, which creates
the reply post and sends it to sign-off; the engine threads it under the item.
"""

from __future__ import annotations

from rich.markup import escape
from textual.widgets import Label

from publisher.service import inbox
from publisher.service.inbox import ItemView
from publisher.service.views import PostView
from publisher.tui.screens.compose import ComposeScreen
from publisher.tui.widgets.post_editor import PostEditor


class ReplyScreen(ComposeScreen):
    SECTION = "inbox"

    def __init__(self, item: ItemView) -> None:
        super().__init__()
        self.item = item

    def on_mount(self) -> None:
        # The reply goes to the item's channel: tick it before the first check.
        self.oyez.last_channels = (self.item.channel,)
        super().on_mount()
        picker = self.query_one("#channels")
        picker.deselect_all()  # type: ignore[attr-defined]
        picker.select(self.item.channel)  # type: ignore[attr-defined]
        who = escape(self.item.author_handle)
        self.query_one("#compose-title", Label).update(
            f"[b]Reply to item {self.item.id}[/b] ({who})  as {escape(self.oyez.actor)}"
        )

    def _save(self) -> PostView:
        if self.post is not None:  # already made: later saves edit it
            return super()._save()
        text = self.query_one(PostEditor).text
        reply = inbox.reply_to_item(
            self.oyez.ctx, self.item.id, text, at=self._when([self.item.channel])
        )
        self.post_id, self.post, self.saved_text = reply.post.id, reply.post, text
        return reply.post

    def action_save(self) -> None:
        """A reply is submitted as it is saved: it has no draft of its own."""
        self.action_submit()
