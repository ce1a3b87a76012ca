"""The money side of the platform for admins (GetWalletFigures): one statement, one snapshot."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import text

from services.runtime.database import UnitOfWork
from speechcue.wallet.v1 import wallet_pb2

# What the platform earns: a call's hold captured, overage the billing tick charged, a plan bought, and
# charges (debits) of any other cause.
REVENUE_KINDS = ("capture", "overage", "plan_purchase", "charge")

_FIGURES = text("""
SELECT
  coalesce(sum(t.amount_cents) FILTER (WHERE t.kind = 'topup'), 0)::bigint AS topups_cents,
  coalesce(sum(t.amount_cents) FILTER (WHERE t.kind = ANY(:revenue)), 0)::bigint AS revenue_cents,
  coalesce(sum(t.amount_cents) FILTER (WHERE t.kind = 'refund'), 0)::bigint AS refunds_cents,
  (SELECT count(*) FROM accounts WHERE customer_id IS NOT NULL) AS customers,
  (SELECT count(*) FROM accounts WHERE customer_id IS NOT NULL AND in_debt) AS customers_in_debt,
  (SELECT count(*) FROM subscriptions WHERE status = 'active') AS active_subscriptions
FROM transfers t WHERE t.created_at >= :since
""")


async def wallet_figures(uow: UnitOfWork, *, now: datetime) -> wallet_pb2.WalletFigures:
    row = (await uow.connection.execute(_FIGURES, {"since": now - timedelta(hours=24),
                                                   "revenue": list(REVENUE_KINDS)})).one()
    return wallet_pb2.WalletFigures(**row._mapping)
