"""The wallet's own metrics (the shared gRPC, outbox and consumer metrics are in services.runtime).
Labels are kinds, never customers or calls."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

transfers_total = Counter(
    "speechcue_wallet_transfers_total", "Ledger transfers posted, by kind.", ["kind"]
)
transferred_cents_total = Counter(
    "speechcue_wallet_transferred_cents_total", "Cents moved by ledger transfers, by kind.", ["kind"]
)
ledger_invariants_ok = Gauge(
    "speechcue_wallet_ledger_invariants_ok",
    "1 when the last ledger check found every invariant holding, 0 when one failed.",
)
ledger_check_timestamp_seconds = Gauge(
    "speechcue_wallet_ledger_check_timestamp_seconds", "When the ledger invariants were last checked."
)
debit_batch_size = Histogram(
    "speechcue_wallet_debit_batch_size", "Debits posted together in one transaction.",
    buckets=(1, 2, 4, 8, 16, 32, 64),
)
calls_settled_total = Counter(
    "speechcue_wallet_calls_settled_total", "Ended calls settled (usage, capture, release) by SettleCalls."
)
settle_batch_size = Histogram(
    "speechcue_wallet_settle_batch_size", "Calls settled together in one SettleCalls transaction.",
    buckets=(1, 4, 16, 64, 128, 256, 500),
)
