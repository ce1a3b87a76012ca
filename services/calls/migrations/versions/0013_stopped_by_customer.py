"""A call remembers that its customer stopped it (StopCall), so its outcome reads "stopped by you"
and not a stop by the platform: Retell reports both as manual_stopped (services/calls/call_outcomes.py).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # IF NOT EXISTS: revision 0001 creates `calls` from today's table definition, which has the column.
    op.execute("ALTER TABLE calls ADD COLUMN IF NOT EXISTS stopped_by_customer boolean NOT NULL DEFAULT false")


def downgrade() -> None:
    op.drop_column("calls", "stopped_by_customer")
