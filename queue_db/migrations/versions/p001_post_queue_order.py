"""posts: the queue's order (scheduled time, then id) as one index

Revision ID: p001
Revises: 0001

The queue lists upcoming posts by scheduled time then id. With an index on
the time alone, PostgreSQL sorts every match to break ties by id; with
``ix_post_scheduled_id`` both databases read a page along the index. The new
index serves every query the old one did (it starts with the same column), so
the old one goes.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "p001"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_post_scheduled_id", "post", ["scheduled_at", "id"], unique=False)
    op.drop_index("ix_post_scheduled_at", table_name="post")


def downgrade() -> None:
    op.create_index("ix_post_scheduled_at", "post", ["scheduled_at"], unique=False)
    op.drop_index("ix_post_scheduled_id", table_name="post")
