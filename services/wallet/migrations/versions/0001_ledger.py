"""The ledger, holds, plans, subscriptions and usage, with the database enforcing the ledger rules.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from alembic import op
from sqlalchemy import insert

from services.runtime.runtime_tables import create_runtime_tables, drop_runtime_tables
from services.wallet.plan_catalogue import CATALOGUE
from services.wallet.tables import metadata, plans

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Append-only: postings and transfers are never changed; corrections are new, reversing transfers.
REFUSE_CHANGE = """
CREATE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'ledger rows are append-only: % on % refused', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END $$
"""
APPEND_ONLY_TRIGGERS = [
    f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
    f"FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change()"
    for table in ("transfers", "ledger_entries")
] + [
    f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
    f"FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change()"
    for table in ("transfers", "ledger_entries")
]

# Double entry: at commit, every transfer that gained postings in the transaction sums to zero.
CHECK_BALANCED = """
CREATE FUNCTION ledger_check_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  total bigint;
BEGIN
  SELECT coalesce(sum(amount_cents), 0) INTO total FROM ledger_entries WHERE transfer_id = NEW.transfer_id;
  IF total <> 0 THEN
    RAISE EXCEPTION 'transfer % is unbalanced by % cents', NEW.transfer_id, total
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END $$
"""
BALANCED_TRIGGER = (
    "CREATE CONSTRAINT TRIGGER ledger_entries_balanced AFTER INSERT ON ledger_entries "
    "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_check_balanced()"
)

SYSTEM_ACCOUNTS = {1: "revenue", 2: "holds", 3: "provider_clearing", 4: "promotions"}


def upgrade() -> None:
    bind = op.get_bind()
    create_runtime_tables(bind)
    metadata.create_all(bind)
    op.create_check_constraint(
        "customer_balance_not_negative", "accounts", "customer_id IS NULL OR balance_cents >= 0"
    )
    op.create_check_constraint(
        "account_is_customer_or_system", "accounts", "(customer_id IS NULL) <> (system_name IS NULL)"
    )
    op.create_check_constraint("entry_not_zero", "ledger_entries", "amount_cents <> 0")
    op.create_check_constraint("transfer_amount_positive", "transfers", "amount_cents > 0")
    op.create_check_constraint("hold_amount_not_negative", "holds", "amount_cents >= 0 AND plan_minutes >= 0")
    op.create_check_constraint("hold_capture_within_amount", "holds", "captured_cents BETWEEN 0 AND amount_cents")
    op.create_check_constraint("usage_paid_within_overage", "usage", "paid_cents BETWEEN 0 AND overage_cents")
    op.create_index("ledger_entries_by_account", "ledger_entries", ["account_id", "id"])
    op.create_index("ledger_entries_by_transfer", "ledger_entries", ["transfer_id"])
    op.create_index("transfers_by_customer", "transfers", ["customer_id", "id"])
    op.create_index("holds_open_by_customer", "holds", ["customer_id"], postgresql_where="status = 'open'")
    op.create_index("usage_unpaid", "usage", ["customer_id"], postgresql_where="paid_cents < overage_cents")
    op.create_index(
        "one_active_subscription", "subscriptions", ["customer_id"], unique=True,
        postgresql_where="status = 'active'",
    )
    op.create_index("subscriptions_active_by_expiry", "subscriptions", ["expires_at"],
                    postgresql_where="status = 'active'")
    for statement in (REFUSE_CHANGE, *APPEND_ONLY_TRIGGERS, CHECK_BALANCED, BALANCED_TRIGGER):
        op.execute(statement)
    for account_id, name in SYSTEM_ACCOUNTS.items():
        op.execute(f"INSERT INTO accounts (id, system_name) VALUES ({account_id}, '{name}')")
    op.execute(insert(plans).values([terms.__dict__ for terms in CATALOGUE]))


def downgrade() -> None:
    bind = op.get_bind()
    op.execute("DROP TRIGGER IF EXISTS ledger_entries_balanced ON ledger_entries")
    metadata.drop_all(bind)
    op.execute("DROP FUNCTION IF EXISTS ledger_check_balanced()")
    op.execute("DROP FUNCTION IF EXISTS ledger_refuse_change()")
    drop_runtime_tables(bind)
