"""The wallet's tables (SQLAlchemy Core). The schema itself is created by the migrations; these
definitions are what the queries are written against."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Identity,
    Integer,
    MetaData,
    Table,
    Text,
    func,
)

metadata = MetaData()

accounts = Table(
    "accounts", metadata,
    Column("id", BigInteger, Identity(always=False, start=1000), primary_key=True),
    Column("customer_id", Text, unique=True),
    Column("system_name", Text, unique=True),
    # Maintained for customer accounts only; system balances are derived from the entries.
    Column("balance_cents", BigInteger, nullable=False, server_default="0"),
    Column("in_debt", Boolean, nullable=False, server_default="false"),
    Column("debt_cents", BigInteger, nullable=False, server_default="0"),
    Column("trial_used", Boolean, nullable=False, server_default="false"),
    Column("opened_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

transfers = Table(
    "transfers", metadata,
    Column("id", BigInteger, Identity(always=False), primary_key=True),
    Column("idempotency_key", Text, nullable=False, unique=True),
    Column("kind", Text, nullable=False),
    Column("customer_id", Text),
    Column("amount_cents", BigInteger, nullable=False),
    Column("cause_type", Text, nullable=False),
    Column("cause_id", Text, nullable=False),
    Column("memo", Text, nullable=False, server_default=""),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

ledger_entries = Table(
    "ledger_entries", metadata,
    Column("id", BigInteger, Identity(always=False), primary_key=True),
    Column("transfer_id", BigInteger, ForeignKey("transfers.id"), nullable=False),
    Column("account_id", BigInteger, ForeignKey("accounts.id"), nullable=False),
    Column("amount_cents", BigInteger, nullable=False),
    Column("balance_after_cents", BigInteger),
)

holds = Table(
    "holds", metadata,
    Column("call_id", Text, primary_key=True),
    Column("customer_id", Text, nullable=False),
    Column("amount_cents", BigInteger, nullable=False),
    Column("plan_minutes", BigInteger, nullable=False),
    # Plan minutes still reserved: freed when usage is recorded or the hold is resolved.
    Column("reserved_minutes", BigInteger, nullable=False),
    Column("subscription_id", BigInteger),
    Column("usage_kind", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("captured_cents", BigInteger, nullable=False, server_default="0"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("resolved_at", DateTime(timezone=True)),
)

plans = Table(
    "plans", metadata,
    Column("code", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("duration_days", Integer, nullable=False),
    Column("price_cents", BigInteger, nullable=False),
    Column("single_minutes", BigInteger, nullable=False),
    Column("bulk_minutes", BigInteger, nullable=False),
    Column("call_transfer", Boolean, nullable=False),
    Column("overage_cents_per_minute", BigInteger, nullable=False),
    Column("is_trial", Boolean, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("sort_order", Integer, nullable=False, server_default="0"),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

subscriptions = Table(
    "subscriptions", metadata,
    Column("id", BigInteger, Identity(always=False), primary_key=True),
    Column("customer_id", Text, nullable=False),
    Column("plan_code", Text, ForeignKey("plans.code"), nullable=False),
    Column("status", Text, nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("auto_renew", Boolean, nullable=False),
    Column("period", Integer, nullable=False, server_default="1"),
    # The plan's terms as bought, so a later price change does not alter a running period.
    Column("price_cents", BigInteger, nullable=False),
    Column("single_minutes", BigInteger, nullable=False),
    Column("bulk_minutes", BigInteger, nullable=False),
    Column("overage_cents_per_minute", BigInteger, nullable=False),
    Column("single_used", BigInteger, nullable=False, server_default="0"),
    Column("bulk_used", BigInteger, nullable=False, server_default="0"),
    Column("single_reserved", BigInteger, nullable=False, server_default="0"),
    Column("bulk_reserved", BigInteger, nullable=False, server_default="0"),
    Column("expiring_warned", Boolean, nullable=False, server_default="false"),
)

usage = Table(
    "usage", metadata,
    Column("call_id", Text, primary_key=True),
    Column("customer_id", Text, nullable=False),
    Column("usage_kind", Text, nullable=False),
    Column("seconds", BigInteger, nullable=False),
    Column("billed_minutes", BigInteger, nullable=False),
    Column("plan_minutes", BigInteger, nullable=False),
    Column("overage_minutes", BigInteger, nullable=False),
    Column("overage_cents", BigInteger, nullable=False),
    Column("paid_cents", BigInteger, nullable=False, server_default="0"),
    Column("subscription_id", BigInteger),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
