"""The post lifecycle through the service layer, on real SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from publisher.context import Context
from publisher.errors import (
    ApprovalBlocked,
    IllegalTransition,
    InvalidInput,
    NotFoundError,
    PermissionDenied,
)
from publisher.service import posts
from queue_db.tables import Post
from tests.helpers import add_outbox, make_context, set_columns


@pytest.fixture
def ctx(db_url: str, tmp_path: Path) -> Iterator[Context]:
    context = make_context(db_url)
    add_outbox(context, "news", tmp_path / "news")
    add_outbox(context, "tips", tmp_path / "tips")
    yield context
    context.close()


def as_user(ctx: Context, user: str) -> Context:
    ctx.actor = user
    return ctx


def test_new_post_is_a_draft_with_one_delivery_per_channel(ctx: Context) -> None:
    view = posts.create_post(ctx, "Hello", ["news", "tips"])
    assert view.state == "draft"
    assert sorted(view.channels) == ["news", "tips"]
    assert all(d.state == "pending" for d in view.deliveries)


def test_full_lifecycle_writes_an_event_per_transition(ctx: Context) -> None:
    at = datetime(2030, 1, 2, 9, 0, tzinfo=UTC)
    post = posts.create_post(ctx, "Roadworks", ["news"], at=at)
    posts.submit_post(ctx, post.id)
    approved = posts.approve_post(as_user(ctx, "sam"), post.id)
    assert approved.state == "scheduled"
    assert approved.scheduled_at == at
    assert approved.deliveries[0].due_at == at
    actions = [e["action"] for e in posts.post_history(ctx, post.id)]
    assert actions == ["created", "submitted", "approved", "scheduled"]
    actors = [e["actor"] for e in posts.post_history(ctx, post.id)]
    assert actors == ["alex", "alex", "sam", "sam"]


def test_author_cannot_approve_own_post_unless_configured(db_url: str, tmp_path: Path) -> None:
    ctx = make_context(db_url)
    add_outbox(ctx, "news", tmp_path / "n")
    post = posts.create_post(ctx, "Mine", ["news"])
    posts.submit_post(ctx, post.id)
    with pytest.raises(PermissionDenied, match="may not approve"):
        posts.approve_post(ctx, post.id)
    ctx.settings.approval.allow_self = True
    assert posts.approve_post(ctx, post.id).state == "approved"
    ctx.close()


def test_editing_a_scheduled_post_sends_it_back_to_review(ctx: Context) -> None:
    post = posts.create_post(ctx, "v1", ["news"], at=datetime(2030, 1, 1, tzinfo=UTC))
    posts.submit_post(ctx, post.id)
    posts.approve_post(as_user(ctx, "sam"), post.id)
    edited = posts.edit_post(as_user(ctx, "alex"), post.id, "v2")
    assert edited.state == "in_review"
    assert edited.text == "v2"
    assert edited.approved_by is None
    assert edited.deliveries[0].state == "held"


def test_rejected_post_returns_to_its_author_as_a_draft_with_the_comment(ctx: Context) -> None:
    post = posts.create_post(ctx, "Draft", ["news"])
    posts.submit_post(ctx, post.id)
    rejected = posts.reject_post(as_user(ctx, "sam"), post.id, "Too long, cut the second line")
    assert rejected.state == "draft"
    assert rejected.review_comment == "Too long, cut the second line"
    assert rejected.author == "alex"


def test_cancel_from_any_state_before_sending(ctx: Context) -> None:
    post = posts.create_post(ctx, "Bye", ["news"], at=datetime(2030, 1, 1, tzinfo=UTC))
    posts.submit_post(ctx, post.id)
    posts.approve_post(as_user(ctx, "sam"), post.id)
    cancelled = posts.cancel_post(ctx, post.id)
    assert cancelled.state == "cancelled"
    assert cancelled.deliveries[0].state == "cancelled"
    with pytest.raises(IllegalTransition):
        posts.cancel_post(ctx, post.id)


@pytest.mark.parametrize(
    ("action", "message"),
    [
        (lambda ctx, pid: posts.approve_post(ctx, pid), "cannot approve post"),
        (
            lambda ctx, pid: posts.schedule_post(ctx, pid, datetime(2030, 1, 1, tzinfo=UTC)),
            "approve it first",
        ),
        (lambda ctx, pid: posts.reject_post(ctx, pid, "no"), "cannot reject post"),
    ],
)
def test_illegal_transitions_raise_typed_errors_and_change_nothing(
    ctx: Context, action: object, message: str
) -> None:
    post = posts.create_post(ctx, "Draft", ["news"])
    with pytest.raises(IllegalTransition, match=message):
        action(as_user(ctx, "sam"), post.id)  # type: ignore[operator]
    assert posts.get_post(ctx, post.id).state == "draft"


def test_error_findings_block_approval_without_an_override_and_keep_the_reason(
    ctx: Context,
) -> None:
    post = posts.create_post(ctx, "Call me", ["news"])
    posts.submit_post(ctx, post.id)
    # Plant an error finding as the guideline engine would store it.
    set_columns(
        ctx,
        Post,
        post.id,
        findings=[{"rule": "personal-data", "severity": "error", "message": "p"}],
    )
    with pytest.raises(ApprovalBlocked, match="--override"):
        posts.approve_post(as_user(ctx, "sam"), post.id)
    view = posts.approve_post(ctx, post.id, override="Switchboard number, public")
    assert view.state == "approved"
    assert view.override_reason == "Switchboard number, public"
    overrides = [e for e in posts.post_history(ctx, post.id) if e["action"] == "overrode"]
    assert overrides[0]["detail"]["reason"] == "Switchboard number, public"


def test_unknown_ids_and_channels_are_clear_errors(ctx: Context) -> None:
    with pytest.raises(NotFoundError, match="no post with id 999"):
        posts.get_post(ctx, 999)
    with pytest.raises(NotFoundError, match="no channel named 'nope'"):
        posts.create_post(ctx, "Hi", ["nope"])


def test_a_failed_create_leaves_nothing_half_written(ctx: Context) -> None:
    before = len(posts.list_posts(ctx))
    with pytest.raises(NotFoundError):
        posts.create_post(ctx, "Hi", ["news", "nope"])
    assert len(posts.list_posts(ctx)) == before


def test_empty_text_is_refused(ctx: Context) -> None:
    with pytest.raises(InvalidInput, match="empty"):
        posts.create_post(ctx, "   ", ["news"])


def test_times_come_back_as_aware_utc(ctx: Context) -> None:
    from zoneinfo import ZoneInfo

    local = datetime(2030, 6, 1, 9, 30, tzinfo=ZoneInfo("Europe/Ljubljana"))
    post = posts.create_post(ctx, "Hi", ["news"], at=local)
    stored = posts.get_post(ctx, post.id).scheduled_at
    assert stored is not None
    assert stored.tzinfo is not None
    assert stored.utcoffset() == timedelta(0)
    assert stored == local
