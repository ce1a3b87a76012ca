"""Refunds: money goes back from revenue to the customer, referencing the charge it reverses; the
refunds of one charge never add up to more than it.

Two kinds: an admin's refund of any charge (`refund`), and the refund of what a call was charged
besides its minutes (`refund_call_extra`: the recording fee when the recording could not be
delivered), which the bot asks for and which happens at most once per call whoever asks how often."""

from __future__ import annotations

from sqlalchemy import func, select

from services.runtime.database import UnitOfWork
from services.runtime.errors import FailedPrecondition, NotFound
from services.wallet.ledger import Leg, PostedTransfer, SystemAccount, post_transfer
from services.wallet.tables import ledger_entries, transfers, usage

REFUNDABLE_KINDS = frozenset({"charge", "capture", "plan_purchase", "overage"})


def call_extra_refund_key(call_id: str) -> str:
    """The natural key of a call's extra refund: the unique transfer key is what makes it happen once."""
    return f"extra-refund:{call_id}"


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


async def refund_call_extra(uow: UnitOfWork, *, customer_id: str, call_id: str, reason: str) -> PostedTransfer | None:
    """Refunds the call's extra charge once; answers the refund (the first one, when asked again), or
    None when the call was charged nothing besides its minutes.

    Settlement captures min(overage + extra, hold) in one transfer (call_settlement.py), so what the
    capture holds beyond the call's overage is exactly the extra it paid: max(0, captured - overage)."""
    key = call_extra_refund_key(call_id)
    capture = (await uow.connection.execute(
        select(transfers).where(transfers.c.idempotency_key == f"capture:{call_id}").with_for_update())).first()
    hold = (await uow.connection.execute(
        select(transfers.c.customer_id).where(transfers.c.idempotency_key == f"hold:{call_id}"))).first()
    for charged in (hold, capture):
        if charged is not None and charged.customer_id != customer_id:
            # Answered as if the call did not exist: another customer's call is neither touched nor revealed.
            raise NotFound(f"call {call_id} not found", reason="CALL_NOT_FOUND")
    if capture is None:  # not settled yet, or never charged
        return None
    done = (await uow.connection.execute(select(transfers).where(transfers.c.idempotency_key == key))).first()
    if done is not None:
        return PostedTransfer(id=done.id, kind=done.kind, customer_id=done.customer_id, amount_cents=done.amount_cents,
                              balance_effect_cents=done.amount_cents, balance_after_cents=None,
                              cause_type=done.cause_type, cause_id=done.cause_id, memo=done.memo,
                              created_at=done.created_at, account=None)
    overage = (await uow.connection.execute(
        select(usage.c.overage_cents).where(usage.c.call_id == call_id))).scalar_one_or_none() or 0
    extra = max(0, int(capture.amount_cents) - int(overage))
    if extra == 0:
        return None
    return await refund(uow, transfer_key=key, customer_id=customer_id, transfer_id=capture.id,
                        amount_cents=extra, reason=reason)
