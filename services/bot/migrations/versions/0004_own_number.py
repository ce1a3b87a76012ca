"""The customer's own phone number, asked once for the flow wizard's test calls.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # IF NOT EXISTS: revision 0001 creates `telegram_users` from today's table definition, which has it.
    op.execute("ALTER TABLE telegram_users ADD COLUMN IF NOT EXISTS own_number text")


def downgrade() -> None:
    op.drop_column("telegram_users", "own_number")
