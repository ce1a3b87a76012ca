"""The wallet's events (stream WALLET), staged in the outbox with the change they report."""

from __future__ import annotations

from datetime import datetime

from google.protobuf.timestamp_pb2 import Timestamp

from services.runtime.database import UnitOfWork
from services.runtime.outbox import OutboxRelay, stage_event
from services.wallet.ledger import PostedTransfer
from speechcue.common.v1 import common_pb2
from speechcue.events.v1 import wallet_events_pb2

BALANCE_CREDITED = "wallet.balance.credited"
BALANCE_DEBITED = "wallet.balance.debited"
BALANCE_LOW = "wallet.balance.low"
SUBSCRIPTION_ACTIVATED = "wallet.subscription.activated"
SUBSCRIPTION_RENEWED = "wallet.subscription.renewed"
SUBSCRIPTION_EXPIRING = "wallet.subscription.expiring"
SUBSCRIPTION_EXPIRED = "wallet.subscription.expired"
OVERAGE_CHARGED = "wallet.overage.charged"
OVERAGE_FAILED = "wallet.overage.failed"

CAUSE_TYPES = {
    "payment": common_pb2.CAUSE_TYPE_PAYMENT,
    "call": common_pb2.CAUSE_TYPE_CALL,
    "plan": common_pb2.CAUSE_TYPE_PLAN,
    "refund": common_pb2.CAUSE_TYPE_REFUND,
    "promotion": common_pb2.CAUSE_TYPE_PROMOTION,
    "adjustment": common_pb2.CAUSE_TYPE_ADJUSTMENT,
}
CAUSE_NAMES = {value: name for name, value in CAUSE_TYPES.items()}


def cause_message(cause_type: str, cause_id: str) -> common_pb2.Cause:
    return common_pb2.Cause(type=CAUSE_TYPES.get(cause_type, common_pb2.CAUSE_TYPE_UNSPECIFIED), id=cause_id)


def timestamp(moment: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(moment)
    return stamp


class WalletEvents:
    """Stages wallet events; knows the low-balance threshold so every debit path checks it alike."""

    def __init__(self, relay: OutboxRelay | None, low_balance_cents: int) -> None:
        self.relay = relay
        self.low_balance_cents = low_balance_cents

    async def credited(self, uow: UnitOfWork, transfer: PostedTransfer) -> None:
        await stage_event(uow, self.relay, BALANCE_CREDITED, transfer.customer_id or "",
                          wallet_events_pb2.BalanceCredited(
                              transfer_id=transfer.id, amount_cents=transfer.amount_cents,
                              balance_cents=transfer.balance_after_cents or 0,
                              cause=cause_message(transfer.cause_type, transfer.cause_id)))

    async def debited(self, uow: UnitOfWork, transfer: PostedTransfer, *, announce: bool = True) -> None:
        """A debit (or hold) lowered the balance: announce it, and warn once when it crosses the
        low-balance threshold."""
        after = transfer.balance_after_cents or 0
        customer = transfer.customer_id or ""
        if announce:
            await stage_event(uow, self.relay, BALANCE_DEBITED, customer, wallet_events_pb2.BalanceDebited(
                transfer_id=transfer.id, amount_cents=transfer.amount_cents, balance_cents=after,
                cause=cause_message(transfer.cause_type, transfer.cause_id)))
        before = after - transfer.balance_effect_cents
        if before >= self.low_balance_cents > after:
            await stage_event(uow, self.relay, BALANCE_LOW, customer, wallet_events_pb2.BalanceLow(
                balance_cents=after, threshold_cents=self.low_balance_cents))

    async def subscription(self, uow: UnitOfWork, subject: str, customer_id: str,
                           change: wallet_events_pb2.SubscriptionChanged) -> None:
        await stage_event(uow, self.relay, subject, customer_id, change)

    async def overage_charged(self, uow: UnitOfWork, transfer: PostedTransfer, call_id: str) -> None:
        await stage_event(uow, self.relay, OVERAGE_CHARGED, transfer.customer_id or "",
                          wallet_events_pb2.OverageCharged(call_id=call_id, amount_cents=transfer.amount_cents,
                                                           balance_cents=transfer.balance_after_cents or 0))

    async def overage_failed(self, uow: UnitOfWork, customer_id: str, debt_cents: int, balance_cents: int) -> None:
        await stage_event(uow, self.relay, OVERAGE_FAILED, customer_id,
                          wallet_events_pb2.OverageFailed(debt_cents=debt_cents, balance_cents=balance_cents))
