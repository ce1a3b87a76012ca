"""The settlement takes the oldest ended calls still to settle (services/calls/settlement.py,
`_TAKE_PENDING`). The only index it could use, calls_unsettled, also holds every queued, ringing and
ongoing call, so each take read all of them and sorted the pending ones: in bench/calls_webhook.py,
with thousands of calls ringing, 3.9 ms a take and a fifth of PostgreSQL's time per webhook. An
index of the pending calls alone, in ended_at order, makes a take read only the calls it takes.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-04
"""

from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE INDEX IF NOT EXISTS calls_settlement_queue ON calls (ended_at) WHERE settlement = 'pending'")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS calls_settlement_queue")
