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

# Every webhook that arrived, verified or not, kept for the record; (payment, status) is processed once.
webhook_receipts = Table(
    "webhook_receipts", metadata,
    Column("payment_id", Text, primary_key=True),
    Column("status", Text, primary_key=True),
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
