"""tips: TipPool, Tip, Cadence and the TipServed rotation ledger

Revision ID: t001
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import queue_db.types

revision: str = "t001"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = ("tips",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tip_pool",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("description", sa.String(), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", queue_db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", queue_db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tip_pool")),
        sa.UniqueConstraint("name", name=op.f("uq_tip_pool_name")),
    )
    op.create_table(
        "cadence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("pool_id", sa.Integer(), nullable=False),
        sa.Column("cron", sa.String(length=128), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("channels", sa.JSON(), nullable=False),
        sa.Column("skip_dates", sa.JSON(), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", queue_db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["pool_id"], ["tip_pool.id"], name=op.f("fk_cadence_pool_id_tip_pool")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cadence")),
        sa.UniqueConstraint("name", name=op.f("uq_cadence_name")),
    )
    with op.batch_alter_table("cadence", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cadence_pool_id"), ["pool_id"], unique=False)

    op.create_table(
        "tip",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pool_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(), nullable=False),
        sa.Column("variants", sa.JSON(), nullable=False),
        sa.Column("media", sa.JSON(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("valid_from", queue_db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("valid_until", queue_db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("retired_at", queue_db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("approved_by", sa.String(length=128), nullable=True),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", queue_db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["pool_id"], ["tip_pool.id"], name=op.f("fk_tip_pool_id_tip_pool")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tip")),
    )
    with op.batch_alter_table("tip", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tip_pool_id"), ["pool_id"], unique=False)

    op.create_table(
        "tip_served",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pool_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("tip_id", sa.Integer(), nullable=False),
        sa.Column("cadence_id", sa.Integer(), nullable=True),
        sa.Column("source_key", sa.String(length=255), nullable=False),
        sa.Column("fire_at", queue_db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=True),
        sa.Column("created_at", queue_db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["cadence_id"], ["cadence.id"], name=op.f("fk_tip_served_cadence_id_cadence")
        ),
        sa.ForeignKeyConstraint(
            ["pool_id"], ["tip_pool.id"], name=op.f("fk_tip_served_pool_id_tip_pool")
        ),
        sa.ForeignKeyConstraint(["post_id"], ["post.id"], name=op.f("fk_tip_served_post_id_post")),
        sa.ForeignKeyConstraint(["tip_id"], ["tip.id"], name=op.f("fk_tip_served_tip_id_tip")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tip_served")),
        sa.UniqueConstraint("pool_id", "round", "tip_id", name="uq_tip_served_pool_round_tip"),
        sa.UniqueConstraint("source_key", name=op.f("uq_tip_served_source_key")),
    )
    with op.batch_alter_table("tip_served", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tip_served_pool_id"), ["pool_id"], unique=False)


def downgrade() -> None:
    op.drop_table("tip_served")
    op.drop_table("tip")
    op.drop_table("cadence")
    op.drop_table("tip_pool")
