"""The post lifecycle keys, shared by every screen that shows posts."""

from __future__ import annotations

from textual.binding import Binding

from publisher.context import times
from publisher.errors import InvalidInput
from publisher.service import posts
from publisher.service.views import PostView
from publisher.tui.screens.base import OyezScreen
from publisher.tui.screens.prompt import Confirm, Prompt

POST_BINDINGS = [
    Binding("e", "edit", "Edit"),
    Binding("s", "submit", "Submit"),
    Binding("a", "approve", "Approve"),
    Binding("r", "reject", "Reject"),
    Binding("t", "schedule", "Schedule"),
    Binding("c", "cancel_post", "Cancel"),
    Binding("x", "retract", "Retract"),
]


class PostActions(OyezScreen):
    """A screen with a current post. Subclasses say which post that is."""

    def current_post_id(self) -> int | None:
        raise NotImplementedError

    def _post(self) -> PostView | None:
        post_id = self.current_post_id()
        if post_id is None:
            self.notify("no post selected", severity="warning")
            return None
        return self.oyez.call(posts.get_post, self.oyez.ctx, post_id)

    def _done(self, message: str) -> None:
        self.notify(message)
        self.oyez.changed()

    def action_edit(self) -> None:
        post = self._post()
        if post is not None:
            self.oyez.compose_post(post.id)

    def action_submit(self) -> None:
        post = self._post()
        if post is None:
            return
        view = self.oyez.call(posts.submit_post, self.oyez.ctx, post.id)
        if view is not None:
            self._done(f"post {post.id} is {view.state.replace('_', ' ')}")

    def action_approve(self) -> None:
        post = self._post()
        if post is None:
            return
        if any(f.get("severity") == "error" for f in post.findings):
            self.action_override()
            return
        if self.oyez.call(posts.approve_post, self.oyez.ctx, post.id):
            self._done(f"post {post.id} approved")

    def action_override(self) -> None:
        post = self._post()
        if post is None:
            return
        refused = posts.approval_refused(self.oyez.ctx, post.id, post.state, post.author)
        if refused is not None:  # refuse before asking for a reason that could not help
            self.notify(str(refused), severity="error", timeout=8)
            return
        errors = sorted({str(f.get("rule")) for f in post.findings if f.get("severity") == "error"})

        def done(reason: str | None) -> None:
            if reason and self.oyez.call(
                posts.approve_post, self.oyez.ctx, post.id, override=reason
            ):
                self._done(f"post {post.id} approved over {', '.join(errors) or 'its findings'}")

        self.app.push_screen(
            Prompt(
                f"Approve post {post.id} over error findings",
                f"Errors: {', '.join(errors) or 'none'}. The reason is kept in the audit log:",
                placeholder="why this is fine to publish",
            ),
            done,
        )

    def action_reject(self) -> None:
        post = self._post()
        if post is None:
            return

        def done(comment: str | None) -> None:
            if comment and self.oyez.call(posts.reject_post, self.oyez.ctx, post.id, comment):
                self._done(f"post {post.id} sent back to {post.author}")

        self.app.push_screen(
            Prompt(
                f"Reject post {post.id}",
                f"A comment for {post.author}:",
                placeholder="what to change",
            ),
            done,
        )

    def action_schedule(self) -> None:
        post = self._post()
        if post is None:
            return
        zone_name = self.oyez.ctx.settings.timezone or "UTC"

        def done(answer: str | None) -> None:
            if answer:
                self.oyez.call(self._schedule, post, answer, zone_name)

        self.app.push_screen(
            Prompt(
                f"Schedule post {post.id}",
                f"YYYY-MM-DD HH:MM ({zone_name}), or 'next' for the next free slot:",
                value="next",
            ),
            done,
        )

    def _schedule(self, post: PostView, answer: str, zone_name: str) -> None:
        ctx = self.oyez.ctx
        if answer.strip().lower() in ("next", "n", "next free slot"):
            from publisher.service import slots

            view = slots.schedule_next_slot(ctx, post.id)
        else:
            at = times.parse_when(answer, zone_name)
            if at < ctx.clock():
                raise InvalidInput("that time has passed; pick one in the future")
            view = posts.schedule_post(ctx, post.id, at)
        when = view.scheduled_at
        shown = when.astimezone(self.oyez.tz).strftime("%a %d %b %H:%M") if when else "—"
        self._done(f"post {post.id} scheduled for {shown}")

    def action_cancel_post(self) -> None:
        post = self._post()
        if post is None:
            return

        def done(yes: bool | None) -> None:
            if yes and self.oyez.call(posts.cancel_post, self.oyez.ctx, post.id):
                self._done(f"post {post.id} cancelled")

        self.app.push_screen(
            Confirm(f"Cancel post {post.id}", "It will not be published. Cancel it?"), done
        )

    def action_retract(self) -> None:
        post = self._post()
        if post is None:
            return
        sent = [d.channel for d in post.deliveries if d.state == "sent"]
        if not sent:
            self.notify(f"post {post.id} has nothing published to retract", severity="warning")
            return

        def done(yes: bool | None) -> None:
            if yes:
                self.notify(f"retracting post {post.id} from {', '.join(sent)}…")
                self._retract(post.id)

        self.app.push_screen(
            Confirm(
                f"Retract post {post.id}",
                f"Delete it from {', '.join(sent)}? The archive keeps what was published.",
            ),
            done,
        )

    def _retract(self, post_id: int) -> None:
        # Deleting on a network is a network call: off the UI thread.
        from publisher.service import retract

        def done(outcomes: list[retract.Retraction]) -> None:
            for o in outcomes:
                if o.retracted:
                    self.notify(f"post {post_id} retracted from {o.channel}")
                else:
                    self.notify(f"{o.channel}: {o.error}", severity="error", timeout=10)
            self.oyez.changed()

        self.oyez.call_in_background(
            retract.retract_post, self.oyez.ctx, post_id, done=done, group="retract"
        )
