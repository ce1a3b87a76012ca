"""Retention of sensitive call data: indexes holding only the rows the retention tick still has to
purge (services/calls/retention.py), so its batches read what they purge and nothing already purged.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# The predicates are retention.py's CALL_HAS_SENSITIVE_DATA and EVENT_HAS_BODY, written out: a
# migration states the schema of its day, not whatever the code says later.
CALL_HAS_SENSITIVE_DATA = ("(digits <> '{}' OR recording_url <> '' OR summary <> '' "
                           "OR variables <> '{}'::jsonb)")
EVENT_HAS_BODY = "payload <> '{}'::jsonb"


def upgrade() -> None:
    op.execute(f"CREATE INDEX IF NOT EXISTS calls_retention_due ON calls (created_at) "
               f"WHERE {CALL_HAS_SENSITIVE_DATA}")
    op.execute(f"CREATE INDEX IF NOT EXISTS call_events_retention_due ON call_events (received_at) "
               f"WHERE {EVENT_HAS_BODY}")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS call_events_retention_due")
    op.execute("DROP INDEX IF EXISTS calls_retention_due")
