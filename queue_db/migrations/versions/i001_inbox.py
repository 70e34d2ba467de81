"""inbox: listening streams, inbox items and their links

Revision ID: i001
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import queue_db.types

revision: str = "i001"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = ("inbox",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inbox_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("remote_id", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("author_handle", sa.String(), nullable=False),
        sa.Column("author_name", sa.String(), nullable=False),
        sa.Column("text", sa.String(), nullable=False),
        sa.Column("url", sa.String(), nullable=True),
        sa.Column("created_at", queue_db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("collected_at", queue_db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("in_reply_to", sa.String(length=255), nullable=True),
        sa.Column("answers_post_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("assignee", sa.String(length=128), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("reply_post_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["channel.id"], name=op.f("fk_inbox_item_channel_id_channel")
        ),
        sa.ForeignKeyConstraint(
            ["reply_post_id"], ["post.id"], name=op.f("fk_inbox_item_reply_post_id_post")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox_item")),
        sa.UniqueConstraint("channel_id", "remote_id", name="uq_inbox_item_channel_remote"),
        sa.UniqueConstraint("reply_post_id", name=op.f("uq_inbox_item_reply_post_id")),
    )
    with op.batch_alter_table("inbox_item", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inbox_item_collected_at"), ["collected_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_inbox_item_created_at"), ["created_at"], unique=False)
        batch_op.create_index("ix_inbox_item_state_created", ["state", "created_at"], unique=False)

    op.create_table(
        "stream",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("query", sa.String(), nullable=True),
        sa.Column("every_minutes", sa.Integer(), nullable=False),
        sa.Column("since", queue_db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("cursor", sa.String(), nullable=True),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("last_error", sa.String(), nullable=True),
        sa.Column("last_polled_at", queue_db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("next_poll_at", queue_db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("rate_limited_until", queue_db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("spike_at", queue_db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", queue_db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["channel.id"], name=op.f("fk_stream_channel_id_channel")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stream")),
        sa.UniqueConstraint("name", name=op.f("uq_stream_name")),
    )
    with op.batch_alter_table("stream", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stream_channel_id"), ["channel_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_stream_next_poll_at"), ["next_poll_at"], unique=False)

    op.create_table(
        "inbox_link",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("stream_id", sa.Integer(), nullable=False),
        sa.Column("linked_at", queue_db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["inbox_item.id"], name=op.f("fk_inbox_link_item_id_inbox_item")
        ),
        sa.ForeignKeyConstraint(
            ["stream_id"], ["stream.id"], name=op.f("fk_inbox_link_stream_id_stream")
        ),
        sa.PrimaryKeyConstraint("item_id", "stream_id", name=op.f("pk_inbox_link")),
    )
    with op.batch_alter_table("inbox_link", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inbox_link_stream_id"), ["stream_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("inbox_link", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inbox_link_stream_id"))

    op.drop_table("inbox_link")
    with op.batch_alter_table("stream", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stream_next_poll_at"))
        batch_op.drop_index(batch_op.f("ix_stream_channel_id"))

    op.drop_table("stream")
    with op.batch_alter_table("inbox_item", schema=None) as batch_op:
        batch_op.drop_index("ix_inbox_item_state_created")
        batch_op.drop_index(batch_op.f("ix_inbox_item_created_at"))
        batch_op.drop_index(batch_op.f("ix_inbox_item_collected_at"))

    op.drop_table("inbox_item")
