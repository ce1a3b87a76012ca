"""Webhook receipts keyed by what DynoPay's API said when the webhook arrived (status and amount
received), not by the status the webhook claimed; payments that do not match their invoice flagged
for an admin; open invoices paged by (created_at, id).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

from alembic import op

from services.payments.tables import payment_flags

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # IF NOT EXISTS / re-made key: revision 0001 creates `webhook_receipts` from today's table
    # definition (services/payments/tables.py), which has these columns and this key already;
    # databases made before this revision do not.
    op.execute("ALTER TABLE webhook_receipts ADD COLUMN IF NOT EXISTS received_cents bigint NOT NULL DEFAULT 0")
    op.execute("ALTER TABLE webhook_receipts ADD COLUMN IF NOT EXISTS claimed_status text NOT NULL DEFAULT ''")
    # Receipts made before this revision hold the claimed status; it is kept as the claim.
    op.execute("UPDATE webhook_receipts SET claimed_status = status WHERE claimed_status = ''")
    op.execute("ALTER TABLE webhook_receipts DROP CONSTRAINT IF EXISTS webhook_receipts_pkey")
    op.execute("ALTER TABLE webhook_receipts ADD PRIMARY KEY (payment_id, status, received_cents)")
    payment_flags.create(op.get_bind())
    op.create_index("payment_flags_open", "payment_flags", ["flagged_at"], postgresql_where="resolved_at IS NULL")
    op.execute("DROP INDEX IF EXISTS invoices_open")
    op.execute("CREATE INDEX invoices_open ON invoices (created_at, id) WHERE status IN ('pending', 'underpaid')")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS invoices_open")
    op.execute("CREATE INDEX invoices_open ON invoices (created_at) WHERE status IN ('pending', 'underpaid')")
    payment_flags.drop(op.get_bind())
    op.execute("ALTER TABLE webhook_receipts DROP CONSTRAINT IF EXISTS webhook_receipts_pkey")
    op.execute("UPDATE webhook_receipts SET status = claimed_status WHERE claimed_status <> ''")
    op.execute("DELETE FROM webhook_receipts a USING webhook_receipts b WHERE a.payment_id = b.payment_id "
               "AND a.status = b.status AND a.ctid > b.ctid")
    op.execute("ALTER TABLE webhook_receipts DROP COLUMN received_cents, DROP COLUMN claimed_status")
    op.execute("ALTER TABLE webhook_receipts ADD PRIMARY KEY (payment_id, status)")
