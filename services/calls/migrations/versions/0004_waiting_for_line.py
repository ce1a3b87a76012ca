"""Single calls that wait for a free Retell line instead of being refused when every line is busy.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # IF NOT EXISTS: revision 0001 creates `calls` from today's table definition (services/calls/
    # tables.py), which has the column already; databases made before this revision do not.
    op.execute("ALTER TABLE calls ADD COLUMN IF NOT EXISTS waiting_for_line_since timestamptz")
    op.execute("CREATE INDEX IF NOT EXISTS calls_waiting_for_line ON calls (waiting_for_line_since) "
               "WHERE status = 'queued' AND waiting_for_line_since IS NOT NULL")


def downgrade() -> None:
    op.drop_index("calls_waiting_for_line", "calls")
    op.drop_column("calls", "waiting_for_line_since")
