"""Each outbox row keeps the trace id of the work that recorded its event, published as the event's
`Speechcue-Trace-Id` NATS header (services/runtime/tracing.py). A database created from 0001 since
then has the column already (services/runtime/runtime_tables.py).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE outbox ADD COLUMN IF NOT EXISTS trace_id text NOT NULL DEFAULT ''")


def downgrade() -> None:
    op.execute("ALTER TABLE outbox DROP COLUMN IF EXISTS trace_id")
