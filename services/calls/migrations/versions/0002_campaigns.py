"""Campaigns, their callees, and per-customer limits with the kill switch.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from alembic import op

from services.calls.tables import campaign_callees, campaigns, customer_limits

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    for table in (campaigns, campaign_callees, customer_limits):
        table.create(bind)
    op.create_index("campaigns_by_customer", "campaigns", ["customer_id", "created_at"])
    op.create_index("campaigns_active", "campaigns", ["status"],
                    postgresql_where="status IN ('scheduled', 'running')")
    op.create_index("callees_due", "campaign_callees", ["campaign_id", "next_attempt_at"],
                    postgresql_where="status = 'pending'")
    op.create_index("callees_by_call", "campaign_callees", ["call_id"])
    op.create_index("calls_by_customer_recent", "calls", ["customer_id", "created_at"],
                    postgresql_where="status <> 'failed'")


def downgrade() -> None:
    bind = op.get_bind()
    for table in (customer_limits, campaign_callees, campaigns):
        table.drop(bind)
    op.drop_index("calls_by_customer_recent", "calls")
