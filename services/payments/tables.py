"""The payments service's tables (SQLAlchemy Core)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, LargeBinary, MetaData, Table, Text, func
from sqlalchemy.dialects.postgresql import JSONB

metadata = MetaData()

invoices = Table(
    "invoices", metadata,
    Column("id", Text, primary_key=True),
    Column("customer_id", Text, nullable=False),
    Column("provider_payment_id", Text, unique=True),
    Column("coin", Text, nullable=False),
    Column("usd_cents", BigInteger, nullable=False),
    Column("crypto_amount", Text, nullable=False, server_default=""),
    Column("address", Text, nullable=False, server_default=""),
    Column("payment_url", Text, nullable=False, server_default=""),
    Column("qr_png", LargeBinary, nullable=False, server_default=""),
    Column("plan_code", Text, nullable=False, server_default=""),
    # pending → underpaid | confirmed | expired
    Column("status", Text, nullable=False),
    # What the provider says was received, in cents (rounded down), and what the wallet has taken.
    Column("received_cents", BigInteger, nullable=False, server_default="0"),
    Column("credited_cents", BigInteger, nullable=False, server_default="0"),
    Column("expires_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# Every verified webhook, kept for the record. It is processed once per state *observed at DynoPay*
# when it arrived (status and amount received, read back from DynoPay's API), never per the status
# the webhook claims: a premature or forged "confirmed" must not make the real one a duplicate.
webhook_receipts = Table(
    "webhook_receipts", metadata,
    Column("payment_id", Text, primary_key=True),
    # DynoPay's status when the webhook arrived, or "unobserved" when DynoPay could not be asked.
    Column("status", Text, primary_key=True),
    Column("received_cents", BigInteger, primary_key=True, server_default="0"),
    Column("claimed_status", Text, nullable=False, server_default=""),
    Column("received_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("payload", JSONB, nullable=False),
    Column("outcome", Text, nullable=False),
)

# Credits owed to the wallet: written with the status change, delivered until the wallet takes them.
wallet_credits = Table(
    "wallet_credits", metadata,
    Column("key", Text, primary_key=True),
    Column("invoice_id", Text, nullable=False),
    Column("customer_id", Text, nullable=False),
    Column("amount_cents", BigInteger, nullable=False),
    Column("plan_code", Text, nullable=False, server_default=""),
    Column("status", Text, nullable=False, server_default="pending"),
    Column("attempts", BigInteger, nullable=False, server_default="0"),
    Column("last_error", Text, nullable=False, server_default=""),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("delivered_at", DateTime(timezone=True)),
)

# Payments that do not match their invoice (another coin, another amount, more than was asked), for an
# admin to look at: one row per (payment, kind). The money was credited as DynoPay reported it, or
# held (nothing credited) when it could not be valued in US dollars.
payment_flags = Table(
    "payment_flags", metadata,
    Column("payment_id", Text, primary_key=True),
    Column("kind", Text, primary_key=True),
    Column("invoice_id", Text, nullable=False),
    Column("customer_id", Text, nullable=False),
    Column("invoice_coin", Text, nullable=False),
    Column("payment_currency", Text, nullable=False),
    Column("invoice_cents", BigInteger, nullable=False),
    Column("reported_base_cents", BigInteger, nullable=False),
    Column("received_cents", BigInteger, nullable=False),
    # "credited" or "held"
    Column("action", Text, nullable=False),
    Column("flagged_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("resolved_at", DateTime(timezone=True)),
)
