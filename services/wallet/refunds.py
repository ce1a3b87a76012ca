"""Refunds by admins: money goes back from revenue to the customer, referencing the charge it
reverses; the refunds of one charge never add up to more than it."""

from __future__ import annotations

from sqlalchemy import func, select

from services.runtime.database import UnitOfWork
from services.runtime.errors import FailedPrecondition, NotFound
from services.wallet.ledger import Leg, PostedTransfer, SystemAccount, post_transfer
from services.wallet.tables import ledger_entries, transfers

REFUNDABLE_KINDS = frozenset({"charge", "capture", "plan_purchase", "overage"})


class RefundExceedsCharge(FailedPrecondition):
    default_reason = "REFUND_EXCEEDS_CHARGE"


async def refund(uow: UnitOfWork, *, transfer_key: str, customer_id: str, transfer_id: int,
                 amount_cents: int, reason: str) -> PostedTransfer:
    # Locking the original charge serialises concurrent refunds of it.
    original = (
        await uow.connection.execute(
            select(transfers).where(transfers.c.id == transfer_id).with_for_update()
        )
    ).first()
    if original is None or original.customer_id != customer_id:
        raise NotFound("this customer has no such charge", reason="TRANSFER_NOT_FOUND")
    if original.kind not in REFUNDABLE_KINDS:
        raise FailedPrecondition(f"a {original.kind} is not a charge and cannot be refunded",
                                 reason="NOT_REFUNDABLE")
    charged = (
        await uow.connection.execute(
            select(func.coalesce(func.sum(ledger_entries.c.amount_cents), 0)).where(
                ledger_entries.c.transfer_id == transfer_id,
                ledger_entries.c.account_id == int(SystemAccount.REVENUE),
            )
        )
    ).scalar_one()
    refunded = (
        await uow.connection.execute(
            select(func.coalesce(func.sum(transfers.c.amount_cents), 0)).where(
                transfers.c.kind == "refund", transfers.c.cause_id == str(transfer_id)
            )
        )
    ).scalar_one()
    refundable = int(charged) - int(refunded)
    if amount_cents > refundable:
        raise RefundExceedsCharge(f"at most {refundable} cents of this charge can still be refunded")
    return await post_transfer(
        uow, key=transfer_key, kind="refund", customer_id=customer_id,
        legs=[Leg(-amount_cents, SystemAccount.REVENUE), Leg(amount_cents)],
        cause_type="refund", cause_id=str(transfer_id), memo=reason,
    )
