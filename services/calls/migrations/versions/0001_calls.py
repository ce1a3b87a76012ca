"""Flows, caller IDs, calls, Retell webhook receipts and the do-not-call list.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from alembic import op

from services.calls.tables import call_events, caller_ids, calls, do_not_call, flows, metadata
from services.runtime.runtime_tables import create_runtime_tables, drop_runtime_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Later revisions add their own tables; this one creates exactly the tables it introduced.
FIRST_TABLES = [flows, caller_ids, calls, call_events, do_not_call]


def upgrade() -> None:
    bind = op.get_bind()
    create_runtime_tables(bind)
    metadata.create_all(bind, tables=FIRST_TABLES)
    op.create_index("flows_by_customer", "flows", ["customer_id", "created_at"])
    op.create_index("flows_pending_review", "flows", ["created_at"], postgresql_where="status = 'pending_review'")
    op.create_index("calls_by_customer", "calls", ["customer_id", "created_at"])
    op.create_index("calls_unsettled", "calls", ["status"],
                    postgresql_where="settlement = 'pending' OR status IN ('queued', 'ringing', 'ongoing')")
    op.create_index("calls_by_campaign", "calls", ["campaign_id"], postgresql_where="campaign_id <> ''")


def downgrade() -> None:
    bind = op.get_bind()
    metadata.drop_all(bind, tables=FIRST_TABLES)
    drop_runtime_tables(bind)
