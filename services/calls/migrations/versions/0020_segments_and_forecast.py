"""The forecast's answer rates read every customer's calls placed in a recent window
(services/calls/forecast_inputs.py): an index on calls.placed_at keeps that a range scan.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03
"""

from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE INDEX IF NOT EXISTS calls_placed_recent ON calls (placed_at) WHERE placed_at IS NOT NULL")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS calls_placed_recent")
