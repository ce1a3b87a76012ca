"""Turning wallet rows into the protobuf messages of speechcue.wallet.v1."""

from __future__ import annotations

from typing import Any

from services.wallet import metrics
from services.wallet.accounts import BalanceView
from services.wallet.events import cause_message, timestamp
from services.wallet.ledger import PostedTransfer
from speechcue.wallet.v1 import wallet_pb2

TRANSFER_KINDS = {
    "topup": wallet_pb2.TRANSFER_KIND_TOPUP,
    "promotion": wallet_pb2.TRANSFER_KIND_PROMOTION,
    "charge": wallet_pb2.TRANSFER_KIND_CHARGE,
    "hold": wallet_pb2.TRANSFER_KIND_HOLD,
    "capture": wallet_pb2.TRANSFER_KIND_CAPTURE,
    "release": wallet_pb2.TRANSFER_KIND_RELEASE,
    "refund": wallet_pb2.TRANSFER_KIND_REFUND,
    "plan_purchase": wallet_pb2.TRANSFER_KIND_PLAN_PURCHASE,
    "overage": wallet_pb2.TRANSFER_KIND_OVERAGE,
    "adjustment": wallet_pb2.TRANSFER_KIND_ADJUSTMENT,
}
USAGE_KINDS = {wallet_pb2.USAGE_KIND_SINGLE: "single", wallet_pb2.USAGE_KIND_BULK: "bulk"}
USAGE_KIND_VALUES = {name: value for value, name in USAGE_KINDS.items()}
HOLD_STATUSES = {
    "open": wallet_pb2.HOLD_STATUS_OPEN,
    "captured": wallet_pb2.HOLD_STATUS_CAPTURED,
    "released": wallet_pb2.HOLD_STATUS_RELEASED,
}
SUBSCRIPTION_STATUSES = {
    "active": wallet_pb2.SUBSCRIPTION_STATUS_ACTIVE,
    "expired": wallet_pb2.SUBSCRIPTION_STATUS_EXPIRED,
    "replaced": wallet_pb2.SUBSCRIPTION_STATUS_REPLACED,
}


def balance_message(view: BalanceView) -> wallet_pb2.Balance:
    return wallet_pb2.Balance(
        customer_id=view.customer_id, available_cents=view.available_cents, held_cents=view.held_cents,
        in_debt=view.in_debt, debt_cents=view.debt_cents,
    )


def transfer_message(transfer: PostedTransfer) -> wallet_pb2.Transfer:
    return wallet_pb2.Transfer(
        id=transfer.id, kind=TRANSFER_KINDS.get(transfer.kind, wallet_pb2.TRANSFER_KIND_UNSPECIFIED),
        amount_cents=transfer.amount_cents, balance_effect_cents=transfer.balance_effect_cents,
        balance_after_cents=transfer.balance_after_cents or 0,
        cause=cause_message(transfer.cause_type, transfer.cause_id), memo=transfer.memo,
        created_at=timestamp(transfer.created_at),
    )


def plan_message(plan: Any) -> wallet_pb2.Plan:
    return wallet_pb2.Plan(
        code=plan.code, name=plan.name, duration_days=plan.duration_days, price_cents=plan.price_cents,
        single_minutes=plan.single_minutes, bulk_minutes=plan.bulk_minutes, call_transfer=plan.call_transfer,
        overage_cents_per_minute=plan.overage_cents_per_minute, is_trial=plan.is_trial, active=plan.active,
    )


def hold_message(hold: Any, balance: BalanceView) -> wallet_pb2.Hold:
    return wallet_pb2.Hold(
        call_id=hold.call_id, customer_id=hold.customer_id,
        status=HOLD_STATUSES.get(hold.status, wallet_pb2.HOLD_STATUS_UNSPECIFIED),
        amount_cents=hold.amount_cents, plan_minutes=hold.plan_minutes, captured_cents=hold.captured_cents,
        balance=balance_message(balance),
    )


def _left(included: int, used: int) -> int:
    return -1 if included == -1 else max(included - used, 0)


def subscription_message(subscription: Any | None, plan: Any | None, *, customer_id: str,
                         trial_used: bool) -> wallet_pb2.Subscription:
    if subscription is None or plan is None:
        return wallet_pb2.Subscription(customer_id=customer_id, status=wallet_pb2.SUBSCRIPTION_STATUS_NONE,
                                       trial_used=trial_used)
    terms = plan_message(plan)
    # The period's own terms, as bought, override the catalogue's current ones.
    terms.price_cents = subscription.price_cents
    terms.single_minutes = subscription.single_minutes
    terms.bulk_minutes = subscription.bulk_minutes
    terms.overage_cents_per_minute = subscription.overage_cents_per_minute
    return wallet_pb2.Subscription(
        id=subscription.id, customer_id=customer_id,
        status=SUBSCRIPTION_STATUSES.get(subscription.status, wallet_pb2.SUBSCRIPTION_STATUS_UNSPECIFIED),
        plan=terms, started_at=timestamp(subscription.started_at), expires_at=timestamp(subscription.expires_at),
        auto_renew=subscription.auto_renew,
        single_minutes_left=_left(subscription.single_minutes, subscription.single_used),
        bulk_minutes_left=_left(subscription.bulk_minutes, subscription.bulk_used),
        trial_used=trial_used,
    )


def usage_message(row: Any) -> wallet_pb2.Usage:
    return wallet_pb2.Usage(
        call_id=row.call_id, seconds=row.seconds, billed_minutes=row.billed_minutes,
        plan_minutes=row.plan_minutes, overage_minutes=row.overage_minutes, overage_cents=row.overage_cents,
        paid_cents=row.paid_cents,
    )


def transfer_result(transfer: PostedTransfer, balance: BalanceView | None = None) -> wallet_pb2.TransferResult:
    """The answer to a posting RPC; counts the transfer. `balance` is needed only when the transfer
    does not carry the account state it left behind."""
    metrics.transfers_total.labels(transfer.kind).inc()
    metrics.transferred_cents_total.labels(transfer.kind).inc(transfer.amount_cents)
    if balance is None:
        account = transfer.account
        if account is None:
            raise ValueError("a transfer without its account state needs the balance read separately")
        balance = BalanceView(transfer.customer_id or "", account.balance_cents, account.held_cents,
                              account.in_debt, account.debt_cents)
    return wallet_pb2.TransferResult(transfer=transfer_message(transfer), balance=balance_message(balance))
