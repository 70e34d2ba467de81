"""Pruning old drafts is explicit, and it never touches what was published or its audit log."""

from __future__ import annotations

from datetime import timedelta

from publisher.context import Context
from publisher.service import posts
from publisher.service.archive import prune_drafts
from queue_db import events as audit
from queue_db.tables import Post
from queue_db.types import utcnow
from tests.archive.conftest import oyez, publish
from tests.helpers import set_columns


def age(ctx: Context, post_id: int, days: int) -> None:
    set_columns(ctx, Post, post_id, updated_at=utcnow() - timedelta(days=days))


def test_only_drafts_untouched_for_long_enough_are_pruned(ctx: Context) -> None:
    old = posts.create_post(ctx, "Old idea", ["news"]).id
    fresh = posts.create_post(ctx, "New idea", ["news"]).id
    reviewed = posts.create_post(ctx, "Waiting", ["news"]).id
    posts.submit_post(ctx, reviewed)
    sent = publish(ctx, "Published", ["news"])
    for post_id in (old, reviewed, sent):
        age(ctx, post_id, 400)
    age(ctx, fresh, 10)

    result = prune_drafts(ctx, 30)

    assert result.post_ids == (old,)
    remaining = {v.id for v in posts.list_posts(ctx)}
    assert remaining == {fresh, reviewed, sent}
    with ctx.tx() as tx:  # the audit log outlives the draft
        assert [e.action for e in reversed(audit.for_post(tx, old))] == ["created", "pruned"]


def test_a_draft_another_post_threads_under_is_kept(ctx: Context) -> None:
    parent = posts.create_post(ctx, "Parent", ["news"]).id
    posts.create_post(ctx, "Child", ["news"], thread_parent_id=parent)
    age(ctx, parent, 400)
    assert prune_drafts(ctx, 30).post_ids == ()


def test_retention_setting_is_the_default_and_dry_run_deletes_nothing(ctx: Context) -> None:
    old = posts.create_post(ctx, "Old idea", ["news"]).id
    age(ctx, old, 100)
    assert prune_drafts(ctx).post_ids == ()  # default retention: 365 days
    ctx.settings.archive.draft_retention_days = 90
    assert prune_drafts(ctx, dry_run=True).post_ids == (old,)
    assert posts.get_post(ctx, old).state == "draft"
    assert prune_drafts(ctx).post_ids == (old,)


def test_prune_drafts_through_the_cli(ctx: Context, db_url: str) -> None:
    old = posts.create_post(ctx, "Old idea", ["news"]).id
    age(ctx, old, 100)
    code, out, err = oyez(db_url, "prune-drafts", "--older-than", "30", "--dry-run")
    assert code == 0, err
    assert out.startswith("would prune 1 drafts")
    code, out, err = oyez(db_url, "prune-drafts", "--older-than", "30")
    assert code == 0, err
    assert out.startswith("pruned 1 drafts untouched since")
    assert out.strip().endswith(f": {old}")
    with ctx.tx() as tx:
        actions = [e.action for e in audit.for_post(tx, old)]
    assert "pruned" in actions
