"""engine: PostgreSQL notifications that wake the dispatchers when the queue changes

Revision ID: e001
Revises: 0001

On PostgreSQL, triggers ``NOTIFY oyez_queue`` when a delivery becomes due or
changes its due time, and when a channel or a setting (the crisis pause)
changes. Notifications carry no payload, so PostgreSQL folds those of one
transaction into one. Claiming (pending → sending) notifies nobody. SQLite
needs nothing here: the dispatcher reads ``PRAGMA data_version`` instead.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "e001"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = ("engine",)
depends_on: str | Sequence[str] | None = None

FUNCTION = """
CREATE OR REPLACE FUNCTION oyez_notify_queue() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('oyez_queue', '');
    RETURN NULL;
END;
$$ LANGUAGE plpgsql
"""

TRIGGERS = {
    "oyez_delivery_due": (
        "CREATE TRIGGER oyez_delivery_due AFTER INSERT OR UPDATE ON delivery "
        "FOR EACH ROW WHEN (NEW.state IN ('pending', 'unknown') "
        "AND NEW.next_attempt_at IS NOT NULL) EXECUTE FUNCTION oyez_notify_queue()"
    ),
    "oyez_channel_changed": (
        "CREATE TRIGGER oyez_channel_changed AFTER INSERT OR UPDATE ON channel "
        "FOR EACH STATEMENT EXECUTE FUNCTION oyez_notify_queue()"
    ),
    "oyez_setting_changed": (
        "CREATE TRIGGER oyez_setting_changed AFTER INSERT OR UPDATE ON setting "
        "FOR EACH STATEMENT EXECUTE FUNCTION oyez_notify_queue()"
    ),
}
TABLES = {
    "oyez_delivery_due": "delivery",
    "oyez_channel_changed": "channel",
    "oyez_setting_changed": "setting",
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(FUNCTION)
    for statement in TRIGGERS.values():
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, table in TABLES.items():
        op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
    op.execute("DROP FUNCTION IF EXISTS oyez_notify_queue()")
