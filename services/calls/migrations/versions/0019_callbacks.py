"""Callbacks the callee asks for (issue 18, item 4; services/calls/callbacks.py): a call keeps its
flow version's callback offer and the time its callee asked to be called back; a campaign's callee
keeps the callback it was given (at most one).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03
"""

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # IF NOT EXISTS: revision 0001 creates the tables from today's definitions, which have the columns.
    op.execute("ALTER TABLE calls ADD COLUMN IF NOT EXISTS callback_offer text NOT NULL DEFAULT ''")
    op.execute("ALTER TABLE calls ADD COLUMN IF NOT EXISTS callback_at timestamptz")
    op.execute("ALTER TABLE campaign_callees ADD COLUMN IF NOT EXISTS callback_at timestamptz")


def downgrade() -> None:
    op.drop_column("campaign_callees", "callback_at")
    op.drop_column("calls", "callback_at")
    op.drop_column("calls", "callback_offer")
