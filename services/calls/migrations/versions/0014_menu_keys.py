"""A call keeps its flow version's menu keys, so a key that matched no menu choice is never kept
(services/calls/key_inputs.py, shown_keys), and where each kept key was pressed, for the inbox.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03
"""

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # IF NOT EXISTS: revision 0001 creates `calls` from today's table definition, which has the columns.
    op.execute("ALTER TABLE calls ADD COLUMN IF NOT EXISTS menu_keys text NOT NULL DEFAULT ''")
    op.execute("ALTER TABLE calls ADD COLUMN IF NOT EXISTS key_places text[] NOT NULL DEFAULT '{}'")


def downgrade() -> None:
    op.drop_column("calls", "key_places")
    op.drop_column("calls", "menu_keys")
