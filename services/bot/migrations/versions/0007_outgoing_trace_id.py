"""Each queued Telegram message keeps the trace id of the work that queued it; the sender sends and
logs it under that id (services/runtime/tracing.py). A database created from 0001 since then has the
column already (services/bot/tables.py).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE outgoing_messages ADD COLUMN IF NOT EXISTS trace_id text NOT NULL DEFAULT ''")


def downgrade() -> None:
    op.execute("ALTER TABLE outgoing_messages DROP COLUMN IF EXISTS trace_id")
