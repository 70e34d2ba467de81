"""tickets: Ticket, TicketEvent, TicketPost, TicketConfig and TicketFeed

Revision ID: k001
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import queue_db.types

revision: str = "k001"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = ("tickets",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ticket",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=128), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("impact", sa.String(length=64), nullable=False),
        sa.Column("service", sa.String(length=128), nullable=False),
        sa.Column("text", sa.String(), nullable=False),
        sa.Column("url", sa.String(), nullable=True),
        sa.Column("opened_at", queue_db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", queue_db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", queue_db.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket")),
        sa.UniqueConstraint("external_id", name=op.f("uq_ticket_external_id")),
    )
    op.create_table(
        "ticket_config",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("channels", sa.JSON(), nullable=False),
        sa.Column("template", sa.String(), nullable=False),
        sa.Column("update_template", sa.String(), nullable=False),
        sa.Column("closing_template", sa.String(), nullable=False),
        sa.Column("coalesce_seconds", sa.Integer(), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("mode", sa.String(length=8), nullable=False),
        sa.Column("status_map", sa.JSON(), nullable=False),
        sa.Column("link_template", sa.String(), nullable=False),
        sa.Column("updated_by", sa.String(length=128), nullable=False),
        sa.Column("updated_at", queue_db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_ticket_config")),
    )
    op.create_table(
        "ticket_feed",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("id_pattern", sa.String(length=255), nullable=False),
        sa.Column("every_minutes", sa.Integer(), nullable=False),
        sa.Column("baseline", sa.JSON(), nullable=False),
        sa.Column("etag", sa.String(length=255), nullable=True),
        sa.Column("last_modified", sa.String(length=64), nullable=True),
        sa.Column("polled_at", queue_db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(), nullable=True),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", queue_db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_feed")),
        sa.UniqueConstraint("url", name=op.f("uq_ticket_feed_url")),
    )
    op.create_table(
        "ticket_post",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("source_key", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", queue_db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("released_at", queue_db.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["post_id"], ["post.id"], name=op.f("fk_ticket_post_post_id_post")),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["ticket.id"], name=op.f("fk_ticket_post_ticket_id_ticket")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_post")),
        sa.UniqueConstraint("source_key", name=op.f("uq_ticket_post_source_key")),
        sa.UniqueConstraint("ticket_id", "seq", name="uq_ticket_post_ticket_seq"),
    )
    with op.batch_alter_table("ticket_post", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ticket_post_ticket_id"), ["ticket_id"], unique=False)

    op.create_table(
        "ticket_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("event_key", sa.String(length=255), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("raw_status", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(), nullable=True),
        sa.Column("text", sa.String(), nullable=True),
        sa.Column("impact", sa.String(length=64), nullable=True),
        sa.Column("service", sa.String(length=128), nullable=True),
        sa.Column("url", sa.String(), nullable=True),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("received_at", queue_db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ticket_post_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["ticket.id"], name=op.f("fk_ticket_event_ticket_id_ticket")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_post_id"],
            ["ticket_post.id"],
            name=op.f("fk_ticket_event_ticket_post_id_ticket_post"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_event")),
        sa.UniqueConstraint("event_key", name=op.f("uq_ticket_event_event_key")),
        sa.UniqueConstraint("ticket_id", "seq", name="uq_ticket_event_ticket_seq"),
    )
    with op.batch_alter_table("ticket_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ticket_event_ticket_id"), ["ticket_id"], unique=False)


def downgrade() -> None:
    op.drop_table("ticket_event")
    op.drop_table("ticket_post")
    op.drop_table("ticket_feed")
    op.drop_table("ticket_config")
    op.drop_table("ticket")
