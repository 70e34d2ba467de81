"""roles: the oyez_user table, and on PostgreSQL the sign-off trigger on post

Revision ID: r001
Revises: 0001

The login that runs this migration (``oyez init``) is the first admin. On
PostgreSQL a trigger refuses any change that signs a post off (out of draft,
in review or cancelled into approved, scheduled or beyond, a name added to
``approved_by``, the text of a signed-off post changed) unless ``session_user`` may sign it off: an approver of every channel
of the post (or an admin) who did not write it, or the service login for a
post a source made. It holds whoever runs the statement, psql included.
A second trigger refuses making a delivery due while its post is not signed
off. SQLite is the single-operator sandbox: no triggers there.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import queue_db.types

revision: str = "r001"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = ("roles",)
depends_on: str | Sequence[str] | None = None

#: The trigger function. Every refusal is SQLSTATE 42501 (insufficient privilege).
GUARD = r"""
CREATE OR REPLACE FUNCTION oyez_signoff_guard() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
  me text := session_user;
  my_role text;
  my_channels json;
  names text[];
  old_names text[] := '{}';
  needed int;
  channel_count int;
  uncovered text;
BEGIN
  IF TG_OP = 'UPDATE' THEN
    IF NOT (
      (NEW.state NOT IN ('draft', 'in_review', 'cancelled')
        AND OLD.state IN ('draft', 'in_review', 'cancelled'))
      OR (NEW.approved_by IS NOT NULL AND NEW.approved_by IS DISTINCT FROM OLD.approved_by)
      OR ((NEW.approved_by IS NOT NULL OR NEW.state NOT IN ('draft', 'in_review', 'cancelled'))
          AND (NEW.text IS DISTINCT FROM OLD.text
            OR NEW.variants::text IS DISTINCT FROM OLD.variants::text
            OR NEW.media::text IS DISTINCT FROM OLD.media::text
            OR NEW.author IS DISTINCT FROM OLD.author
            OR NEW.source IS DISTINCT FROM OLD.source))
    ) THEN
      RETURN NEW;
    END IF;
    old_names := string_to_array(coalesce(OLD.approved_by, ''), ',');
  ELSIF NEW.state IN ('draft', 'in_review', 'cancelled') AND NEW.approved_by IS NULL THEN
    RETURN NEW;
  END IF;

  SELECT u.role, u.channels INTO my_role, my_channels FROM oyez_user u WHERE u.login = me;
  IF my_role IS NULL THEN
    RAISE EXCEPTION 'oyez: % is not an oyez user and may not sign off post %', me, NEW.id
      USING ERRCODE = '42501';
  END IF;
  IF my_role = 'service' THEN
    IF NEW.source = 'manual' THEN
      RAISE EXCEPTION 'oyez: the service login % may not sign off post %, which a person wrote',
        me, NEW.id USING ERRCODE = '42501';
    END IF;
    RETURN NEW;
  END IF;
  IF me = NEW.author OR (TG_OP = 'UPDATE' AND me = OLD.author) THEN
    RAISE EXCEPTION 'oyez: % wrote post % and may not sign it off', me, NEW.id
      USING ERRCODE = '42501';
  END IF;
  IF my_role NOT IN ('approver', 'admin') THEN
    RAISE EXCEPTION 'oyez: % is an % and may not sign off post %', me, my_role, NEW.id
      USING ERRCODE = '42501';
  END IF;
  IF my_role = 'admin' THEN
    RETURN NEW;
  END IF;
  IF TG_OP = 'INSERT' THEN
    RAISE EXCEPTION 'oyez: only an admin may add a signed-off post (% is an approver)', me
      USING ERRCODE = '42501';
  END IF;

  SELECT count(*), max(coalesce((c.settings->>'approvals')::int, 1))
    INTO channel_count, needed
    FROM delivery d JOIN channel c ON c.id = d.channel_id WHERE d.post_id = NEW.id;
  IF channel_count = 0 THEN
    RAISE EXCEPTION 'oyez: post % has no channels to sign off for', NEW.id USING ERRCODE = '42501';
  END IF;
  IF json_array_length(my_channels) > 0 THEN
    SELECT string_agg(DISTINCT c.name, ', ') INTO uncovered
      FROM delivery d JOIN channel c ON c.id = d.channel_id
     WHERE d.post_id = NEW.id
       AND c.name NOT IN (SELECT json_array_elements_text(my_channels));
    IF uncovered IS NOT NULL THEN
      RAISE EXCEPTION 'oyez: % is not an approver of % and may not sign off post %',
        me, uncovered, NEW.id USING ERRCODE = '42501';
    END IF;
  END IF;

  names := string_to_array(coalesce(NEW.approved_by, ''), ',');
  IF EXISTS (SELECT 1 FROM unnest(names) n WHERE n <> me AND n <> ALL (old_names)) THEN
    RAISE EXCEPTION 'oyez: % may sign off post % only in their own name', me, NEW.id
      USING ERRCODE = '42501';
  END IF;
  IF NEW.author = ANY (names) THEN
    RAISE EXCEPTION 'oyez: post % names its author % among its sign-offs', NEW.id, NEW.author
      USING ERRCODE = '42501';
  END IF;
  IF NEW.state IN ('approved', 'scheduled')
     AND (SELECT count(DISTINCT n) FROM unnest(names) n) < needed THEN
    RAISE EXCEPTION 'oyez: post % needs % different approvers', NEW.id, needed
      USING ERRCODE = '42501';
  END IF;
  RETURN NEW;
END
$fn$;
"""


#: Deliveries become due only for a signed-off post: the engine claims by the
#: delivery's state and time alone, so without this an author could make a draft due.
DELIVERY_GUARD = r"""
CREATE OR REPLACE FUNCTION oyez_delivery_guard() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
  post_state text;
BEGIN
  IF NEW.next_attempt_at IS NULL OR NEW.state NOT IN ('pending', 'sending', 'unknown') THEN
    RETURN NEW;
  END IF;
  IF TG_OP = 'UPDATE' AND NEW.next_attempt_at IS NOT DISTINCT FROM OLD.next_attempt_at
     AND NEW.state = OLD.state AND NEW.post_id = OLD.post_id THEN
    RETURN NEW;
  END IF;
  SELECT p.state INTO post_state FROM post p WHERE p.id = NEW.post_id;
  IF post_state IN ('draft', 'in_review', 'cancelled') THEN
    RAISE EXCEPTION 'oyez: post % is %: it cannot be made due before it is signed off',
      NEW.post_id, replace(post_state, '_', ' ') USING ERRCODE = '42501';
  END IF;
  RETURN NEW;
END
$fn$;
"""


#: A channel's ``approvals`` (two sign-offs) is changed by an admin only.
CHANNEL_GUARD = r"""
CREATE OR REPLACE FUNCTION oyez_channel_guard() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
  IF (NEW.settings->>'approvals') IS DISTINCT FROM (OLD.settings->>'approvals')
     AND NOT EXISTS (SELECT 1 FROM oyez_user u WHERE u.login = session_user AND u.role = 'admin')
  THEN
    RAISE EXCEPTION 'oyez: only an admin may change how many sign-offs channel % needs', NEW.name
      USING ERRCODE = '42501';
  END IF;
  RETURN NEW;
END
$fn$;
"""


def upgrade() -> None:
    op.create_table(
        "oyez_user",
        sa.Column("login", sa.String(length=63), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("channels", sa.JSON(), nullable=False),
        sa.Column("added_by", sa.String(length=128), nullable=False),
        sa.Column("added_at", queue_db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("login", name=op.f("pk_oyez_user")),
    )
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "INSERT INTO oyez_user (login, role, channels, added_by, added_at) "
        "VALUES (session_user, 'admin', '[]', session_user, now())"
    )
    op.execute(GUARD)
    op.execute(
        "CREATE TRIGGER oyez_signoff_guard BEFORE INSERT OR UPDATE ON post "
        "FOR EACH ROW EXECUTE FUNCTION oyez_signoff_guard()"
    )
    op.execute(CHANNEL_GUARD)
    op.execute(
        "CREATE TRIGGER oyez_channel_guard BEFORE UPDATE ON channel "
        "FOR EACH ROW EXECUTE FUNCTION oyez_channel_guard()"
    )
    op.execute(DELIVERY_GUARD)
    op.execute(
        "CREATE TRIGGER oyez_delivery_guard BEFORE INSERT OR UPDATE ON delivery "
        "FOR EACH ROW EXECUTE FUNCTION oyez_delivery_guard()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS oyez_channel_guard ON channel")
        op.execute("DROP FUNCTION IF EXISTS oyez_channel_guard()")
        op.execute("DROP TRIGGER IF EXISTS oyez_delivery_guard ON delivery")
        op.execute("DROP FUNCTION IF EXISTS oyez_delivery_guard()")
        op.execute("DROP TRIGGER IF EXISTS oyez_signoff_guard ON post")
        op.execute("DROP FUNCTION IF EXISTS oyez_signoff_guard()")
    op.drop_table("oyez_user")
