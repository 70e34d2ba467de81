"""feeds: Feed subscriptions and the FeedEntry ledger

Revision ID: f001
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import queue_db.types

revision: str = "f001"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = ("feeds",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "feed",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("url", sa.String(), nullable=False),
        sa.Column("title", sa.String(), nullable=True),
        sa.Column("channels", sa.JSON(), nullable=False),
        sa.Column("template", sa.String(), nullable=False),
        sa.Column("mode", sa.String(length=8), nullable=False),
        sa.Column("every_minutes", sa.Integer(), nullable=False),
        sa.Column("max_per_day", sa.Integer(), nullable=True),
        sa.Column("max_age_days", sa.Integer(), nullable=True),
        sa.Column("include", sa.String(), nullable=True),
        sa.Column("exclude", sa.String(), nullable=True),
        sa.Column("backfill", sa.Integer(), nullable=False),
        sa.Column("baselined", sa.Boolean(), nullable=False),
        sa.Column("etag", sa.String(), nullable=True),
        sa.Column("last_modified", sa.String(), nullable=True),
        sa.Column("body_hash", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("last_error", sa.String(), nullable=True),
        sa.Column("error_count", sa.Integer(), nullable=False),
        sa.Column("last_polled_at", queue_db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_ok_at", queue_db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("next_poll_at", queue_db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", queue_db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feed")),
        sa.UniqueConstraint("name", name=op.f("uq_feed_name")),
    )
    with op.batch_alter_table("feed", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feed_next_poll_at"), ["next_poll_at"], unique=False)

    op.create_table(
        "feed_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("feed_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("link_key", sa.String(length=64), nullable=True),
        sa.Column("title_key", sa.String(length=64), nullable=True),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("link", sa.String(), nullable=True),
        sa.Column("published_at", queue_db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("reason", sa.String(), nullable=True),
        sa.Column("post_id", sa.Integer(), nullable=True),
        sa.Column("alias_of", sa.Integer(), nullable=True),
        sa.Column("first_seen_at", queue_db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", queue_db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("posted_at", queue_db.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["feed_id"], ["feed.id"], name=op.f("fk_feed_entry_feed_id_feed")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feed_entry")),
        sa.UniqueConstraint("feed_id", "key", name="uq_feed_entry_feed_key"),
    )
    with op.batch_alter_table("feed_entry", schema=None) as batch_op:
        batch_op.create_index("ix_feed_entry_feed_link", ["feed_id", "link_key"], unique=False)
        batch_op.create_index(
            "ix_feed_entry_feed_published", ["feed_id", "published_at"], unique=False
        )
        batch_op.create_index("ix_feed_entry_feed_status", ["feed_id", "status"], unique=False)
        batch_op.create_index("ix_feed_entry_feed_title", ["feed_id", "title_key"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("feed_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_feed_entry_feed_title")
        batch_op.drop_index("ix_feed_entry_feed_status")
        batch_op.drop_index("ix_feed_entry_feed_published")
        batch_op.drop_index("ix_feed_entry_feed_link")
    op.drop_table("feed_entry")
    with op.batch_alter_table("feed", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feed_next_poll_at"))
    op.drop_table("feed")
