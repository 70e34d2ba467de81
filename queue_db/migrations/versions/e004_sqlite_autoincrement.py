"""engine: ids never reused on SQLite (AUTOINCREMENT on channel, post, delivery, event)

Revision ID: e004
Revises: e003

Without AUTOINCREMENT SQLite hands out the largest id plus one, so deleting
the newest post (an archive prune, a restore) lets the next post take its id.
A post's id and its channel's are in the delivery key that reconciliation
looks for on the network, and the audit log names them: a reused id could make
a new post look already published, or the log name the wrong post. Each table
is rebuilt with AUTOINCREMENT (SQLite cannot add it in place); copying the
rows sets its ``sqlite_sequence`` to the largest id so far. PostgreSQL's sequences
never reuse an id, so nothing changes there.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "e004"
down_revision: str | Sequence[str] | None = "e003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: Parents first; ``queue_db.migrate`` turns foreign keys off while tables are rebuilt.
TABLES = ("channel", "post", "delivery", "event")


def _rebuild(autoincrement: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in TABLES:
        with op.batch_alter_table(
            table, recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}
        ):
            pass


def upgrade() -> None:
    _rebuild(True)


def downgrade() -> None:
    _rebuild(False)
