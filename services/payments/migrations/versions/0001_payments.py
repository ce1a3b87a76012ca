"""Invoices, webhook receipts and credits owed to the wallet.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from alembic import op

from services.payments.tables import invoices, metadata, wallet_credits, webhook_receipts
from services.runtime.runtime_tables import create_runtime_tables, drop_runtime_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

FIRST_TABLES = [invoices, webhook_receipts, wallet_credits]


def upgrade() -> None:
    bind = op.get_bind()
    create_runtime_tables(bind)
    metadata.create_all(bind, tables=FIRST_TABLES)
    op.create_index("invoices_by_customer", "invoices", ["customer_id", "created_at"])
    op.create_index("invoices_open", "invoices", ["created_at"], postgresql_where="status IN ('pending', 'underpaid')")
    op.create_index("credits_pending", "wallet_credits", ["created_at"], postgresql_where="status = 'pending'")


def downgrade() -> None:
    bind = op.get_bind()
    metadata.drop_all(bind, tables=FIRST_TABLES)
    drop_runtime_tables(bind)
