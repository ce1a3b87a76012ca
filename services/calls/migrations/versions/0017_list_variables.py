"""Every column a variable (issue 18, item 2): each campaign callee keeps its values from the list's
columns (`campaign_callees.variables`, {"first_name": "Ada", "amount": "12.50"}), sent as the call's
variables on every attempt. Callees imported before keep their name (the dispatcher still sends it as
`name`) and get '{}'. A database created from 0001 since then has the column already.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03
"""

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE campaign_callees ADD COLUMN IF NOT EXISTS variables jsonb NOT NULL DEFAULT '{}'::jsonb")


def downgrade() -> None:
    op.execute("ALTER TABLE campaign_callees DROP COLUMN IF EXISTS variables")
