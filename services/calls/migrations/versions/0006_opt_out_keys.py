"""Opt-outs by key press in every flow kind: each call row keeps its flow's opt-out key, so the
webhook that ends the call can tell the opt-out key among its key presses (services/calls/opt_outs.py).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # IF NOT EXISTS: revision 0001 creates `calls` from today's table definition, which has the column.
    # Rows admitted before this revision keep '' and opt out by a spoken request or the opt-out node.
    op.execute("ALTER TABLE calls ADD COLUMN IF NOT EXISTS opt_out_key text NOT NULL DEFAULT ''")


def downgrade() -> None:
    op.drop_column("calls", "opt_out_key")
