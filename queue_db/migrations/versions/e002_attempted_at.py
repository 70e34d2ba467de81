"""engine: delivery.attempted_at, when the last publish attempt was claimed

Revision ID: e002
Revises: e001

Reconciliation counts the posts that went out on a channel after an attempt
whose outcome is unknown: more than the channel's look-back reads, and "not
found" cannot be trusted. Rows from before this column fall back to their due
time, which is earlier and so never undercounts.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import queue_db.types

revision: str = "e002"
down_revision: str | Sequence[str] | None = "e001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "delivery",
        sa.Column("attempted_at", queue_db.types.UTCDateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    with op.batch_alter_table("delivery") as batch:
        batch.drop_column("attempted_at")
