"""engine: delivery.checks, failed looks for an unknown outcome

Revision ID: e003
Revises: e002

An attempt is now counted when its request starts, not when it is claimed, so
a crash never spends attempts on deliveries it did not send. Asking a network
whether an unknown outcome was published is not an attempt either: failed
checks are counted here, and give up at ``max_attempts`` as before.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e003"
down_revision: str | Sequence[str] | None = "e002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "delivery",
        sa.Column("checks", sa.Integer(), nullable=False, server_default=sa.text("0")),
    )


def downgrade() -> None:
    with op.batch_alter_table("delivery") as batch:
        batch.drop_column("checks")
