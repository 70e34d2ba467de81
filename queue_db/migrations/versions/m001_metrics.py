"""metrics: metric_sample (each collection of a delivery's figures) and delivery_reach (the latest)

Revision ID: m001
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import queue_db.types

revision: str = "m001"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = ("metrics",)
depends_on: str | Sequence[str] | None = None


def _figures() -> list[sa.Column[int]]:
    names = ("likes", "reposts", "replies", "quotes", "impressions")
    return [sa.Column(name, sa.Integer(), nullable=True) for name in names]


def upgrade() -> None:
    op.create_table(
        "metric_sample",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("collected_at", queue_db.types.UTCDateTime(timezone=True), nullable=False),
        *_figures(),
        sa.ForeignKeyConstraint(
            ["delivery_id"], ["delivery.id"], name=op.f("fk_metric_sample_delivery_id_delivery")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_metric_sample")),
    )
    op.create_index(
        "ix_metric_sample_delivery_at", "metric_sample", ["delivery_id", "collected_at"]
    )
    op.create_table(
        "delivery_reach",
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        *_figures(),
        sa.Column("collected_at", queue_db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("next_due_at", queue_db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("gone_at", queue_db.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["delivery_id"], ["delivery.id"], name=op.f("fk_delivery_reach_delivery_id_delivery")
        ),
        sa.PrimaryKeyConstraint("delivery_id", name=op.f("pk_delivery_reach")),
    )
    op.create_index(
        op.f("ix_delivery_reach_next_due_at"), "delivery_reach", ["next_due_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_delivery_reach_next_due_at"), table_name="delivery_reach")
    op.drop_table("delivery_reach")
    op.drop_index("ix_metric_sample_delivery_at", table_name="metric_sample")
    op.drop_table("metric_sample")
