"""Who may call which wallet method (services/runtime/callers.py). Built from what each caller's code
calls; anything else is PERMISSION_DENIED. Only the bot reaches an admin RPC (Refund, UpsertPlan,
GetWalletFigures), and only payments may Credit a wallet."""

from __future__ import annotations

from services.runtime.callers import BOT, CALLS, PAYMENTS, access_table, tick_identity
from speechcue.wallet.v1 import wallet_pb2

WALLET_ACCESS = access_table(wallet_pb2.DESCRIPTOR.services_by_name["WalletService"], {
    BOT: {"OpenAccount", "GetBalance", "ListTransactions", "RefundCallExtra", "ListPlans", "BuySubscription",
          "GetSubscription", "SetAutoRenew",
          "Refund", "UpsertPlan", "GetWalletFigures"},  # admin RPCs
    CALLS: {"QuoteCall", "PlaceHold", "SettleCalls"},
    PAYMENTS: {"Credit", "ListPlans", "BuySubscription"},
    tick_identity("billing"): {"RunBillingTick"},
    tick_identity("subscriptions"): {"RunSubscriptionTick"},
    # The ledger check's token is also the operator's for a CheckLedger on demand (docs/runbooks.md).
    tick_identity("ledger"): {"RunLedgerCheckTick", "CheckLedger"},
})
