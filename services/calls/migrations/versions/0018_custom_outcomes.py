"""A call keeps the custom fields of the flow version it dialled and the answers Retell's post-call
analysis gave them (services/calls/custom_fields.py), and whether an answer made it a lead. The
answers are purged with the other sensitive data after the retention (services/calls/retention.py), so
the index of the rows the retention tick still has to purge (revision 0009) holds them too.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03
"""

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

# retention.py's CALL_HAS_SENSITIVE_DATA of this revision, and of revision 0009 (for the downgrade).
CALL_HAS_SENSITIVE_DATA = ("(digits <> '{}' OR recording_url <> '' OR summary <> '' "
                           "OR variables <> '{}'::jsonb OR custom_answers <> '{}'::jsonb)")
CALL_HAD_SENSITIVE_DATA = ("(digits <> '{}' OR recording_url <> '' OR summary <> '' "
                           "OR variables <> '{}'::jsonb)")


def upgrade() -> None:
    # IF NOT EXISTS: revision 0001 creates `calls` from today's table definition, which has the columns.
    op.execute("ALTER TABLE calls ADD COLUMN IF NOT EXISTS custom_fields jsonb NOT NULL DEFAULT '[]'")
    op.execute("ALTER TABLE calls ADD COLUMN IF NOT EXISTS custom_answers jsonb NOT NULL DEFAULT '{}'")
    op.execute("ALTER TABLE calls ADD COLUMN IF NOT EXISTS is_lead boolean NOT NULL DEFAULT false")
    # The Leads list reads a customer's leads newest first.
    op.execute("CREATE INDEX IF NOT EXISTS calls_leads ON calls (customer_id, created_at DESC) WHERE is_lead")
    op.execute("DROP INDEX IF EXISTS calls_retention_due")
    op.execute(f"CREATE INDEX calls_retention_due ON calls (created_at) WHERE {CALL_HAS_SENSITIVE_DATA}")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS calls_retention_due")
    op.execute(f"CREATE INDEX calls_retention_due ON calls (created_at) WHERE {CALL_HAD_SENSITIVE_DATA}")
    op.execute("DROP INDEX IF EXISTS calls_leads")
    op.drop_column("calls", "is_lead")
    op.drop_column("calls", "custom_answers")
    op.drop_column("calls", "custom_fields")
