"""Indexes for the campaign hot paths found by bench/campaign_dispatch.py: finding a callee by number
at settlement, resumable tries, and pending callees in list order.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("callees_by_number", "campaign_callees", ["campaign_id", "number"])
    op.create_index("callees_claimed_not_placed", "campaign_callees", ["campaign_id"],
                    postgresql_where="status = 'dialing' AND call_id IS NULL")
    op.create_index("callees_pending_in_order", "campaign_callees", ["campaign_id", "position"],
                    postgresql_where="status = 'pending'")


def downgrade() -> None:
    for name in ("callees_pending_in_order", "callees_claimed_not_placed", "callees_by_number"):
        op.drop_index(name, "campaign_callees")
