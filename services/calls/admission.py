"""May this call go now, for how long, and what does it hold: the one rule behind QuoteCall and StartCall.

Why one rule: the quote screen and the dial decided this apart (the servicer read the wallet's worst
case for the minutes asked, the placer re-did the arithmetic for the minutes affordable), so a quote
could read "held $1.50 (at most 0 minutes)" and promise a hold the dial never placed. Now the wallet
does the money arithmetic once (`pricing.quote_affordable_call`: the call capped at what the plan and
the balance cover, with the recording fee held beside the minutes) and this module decides from its
answer, the plan's terms and what the flow needs. `CallPlacer.admission` asks the wallet and calls
`admit`; QuoteCall and `_admit` both go through it, so they cannot disagree.

The plan's terms apply to the customer on that plan: a flow with a transfer step on a plan whose
terms exclude call transfer (the trial, Prime 1 day) is refused, at the quote and at the dial, with
words saying which plan and what to do. It is not billed from the balance instead: the settlement
takes plan minutes first whatever the hold reserved, so such a call would still use the plan. A
customer without a plan pays every minute from the balance and may transfer.

Pure: no I/O. Worked examples, at 15 ¢ a minute, 10 minutes asked:
- no plan, $5.00 → admitted, 10 minutes, BALANCE, $1.50 held;
- the trial (2 plan minutes), $0 → admitted, 2 minutes, PLAN, shortened, nothing held;
- the trial, $0.60 → admitted, 6 minutes (2 + 4 paid), PLAN_THEN_BALANCE, shortened, $0.60 held;
- no plan, $0 → refused INSUFFICIENT_FUNDS; recorded on the trial with $0.04 and a 5 ¢ fee →
  refused RECORDING_FEE_NOT_COVERED (the plan minutes are there: the fee is what is missing);
- Prime 1 day and a flow with a transfer step → refused PLAN_HAS_NO_TRANSFER; in debt → CUSTOMER_IN_DEBT.
`tests/calls/test_admission.py` checks these and, with Hypothesis, that an admitted call's hold is
never more than the balance and its minutes never more than asked.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from services.calls.flow_specs import transfer_numbers_of
from speechcue.calls.v1 import calls_pb2
from speechcue.wallet.v1 import wallet_pb2

UNLIMITED = -1


class AdmissionRefusal(StrEnum):
    """Why a call may not go, as the refusal's machine-readable reason (the bot has words for each)."""

    CUSTOMER_IN_DEBT = "CUSTOMER_IN_DEBT"
    PLAN_HAS_NO_TRANSFER = "PLAN_HAS_NO_TRANSFER"
    RECORDING_FEE_NOT_COVERED = "RECORDING_FEE_NOT_COVERED"
    INSUFFICIENT_FUNDS = "INSUFFICIENT_FUNDS"


class CostBasis(StrEnum):
    """Where the call's minutes are paid from: what the quote says in words."""

    PLAN = "plan"
    PLAN_THEN_BALANCE = "plan_then_balance"
    BALANCE = "balance"


COST_BASIS_MESSAGES = {
    CostBasis.PLAN: calls_pb2.COST_BASIS_PLAN,
    CostBasis.PLAN_THEN_BALANCE: calls_pb2.COST_BASIS_PLAN_THEN_BALANCE,
    CostBasis.BALANCE: calls_pb2.COST_BASIS_BALANCE,
}


@dataclass(frozen=True)
class WalletQuote:
    """The wallet's answer to QuoteCall (speechcue.wallet.v1.CallQuote), asked with the recording fee
    as `extra_cents`: the call capped at what the plan and the balance cover, and the plan's terms."""

    price_per_minute_cents: int
    plan_minutes_available: int  # UNLIMITED, or what the plan still offers for this kind of call
    plan_minutes: int
    paid_minutes: int
    hold_cents: int
    affordable_minutes: int
    in_debt: bool
    available_cents: int
    plan_code: str = ""  # "" without a plan
    plan_name: str = ""
    plan_call_transfer: bool = False

    @classmethod
    def of(cls, message: wallet_pb2.CallQuote) -> WalletQuote:
        return cls(
            price_per_minute_cents=message.price_per_minute_cents,
            plan_minutes_available=message.plan_minutes_available, plan_minutes=message.plan_minutes,
            paid_minutes=message.paid_minutes, hold_cents=message.hold_cents,
            affordable_minutes=message.affordable_minutes, in_debt=message.in_debt,
            available_cents=message.available_cents, plan_code=message.plan_code, plan_name=message.plan_name,
            plan_call_transfer=message.plan_call_transfer,
        )


@dataclass(frozen=True)
class FlowNeeds:
    """What a flow version asks of the plan's terms."""

    transfers: bool

    @classmethod
    def of(cls, serialized_spec: bytes) -> FlowNeeds:
        """Of a flow version as a flow row stores it (the approved one is the one that dials)."""
        return cls(transfers=bool(transfer_numbers_of(serialized_spec)))


@dataclass(frozen=True)
class Admission:
    """What may happen: admitted (refusal None) with the call's limits and hold, or refused with why."""

    refusal: AdmissionRefusal | None
    message: str  # the refusal in plain words ("" when admitted); the bot words each reason itself
    max_minutes: int
    plan_minutes: int
    paid_minutes: int
    hold_cents: int
    cost_basis: CostBasis
    shortened: bool  # fewer minutes than asked: the plan and the balance cover no more
    # What the quote says besides: the price of a paid minute, and the plan ("" without one).
    price_per_minute_cents: int
    plan_code: str
    plan_name: str

    @property
    def admitted(self) -> bool:
        return self.refusal is None


def cost_basis_of(plan_minutes: int, paid_minutes: int) -> CostBasis:
    """Plan minutes only → PLAN (an unlimited plan too); none → BALANCE; both → PLAN_THEN_BALANCE."""
    if paid_minutes == 0 and plan_minutes > 0:
        return CostBasis.PLAN
    if plan_minutes == 0:
        return CostBasis.BALANCE
    return CostBasis.PLAN_THEN_BALANCE


def admit(quote: WalletQuote, *, asked_minutes: int, recording_fee_cents: int, needs: FlowNeeds) -> Admission:
    """The wallet's quote of a call of `asked_minutes` (with the fee as its extra when recorded, else 0),
    the plan's terms it carries and the flow's needs → admitted with limits and hold, or refused."""
    refusal, message = _refusal(quote, recording_fee_cents=recording_fee_cents, needs=needs)
    if refusal is not None:
        # Nothing is held for a refused call; what a minute costs is still said.
        return Admission(refusal, message, max_minutes=0, plan_minutes=0, paid_minutes=0, hold_cents=0,
                         cost_basis=CostBasis.BALANCE, shortened=False,
                         price_per_minute_cents=quote.price_per_minute_cents, plan_code=quote.plan_code,
                         plan_name=quote.plan_name)
    return Admission(
        refusal=None, message="", max_minutes=quote.affordable_minutes, plan_minutes=quote.plan_minutes,
        paid_minutes=quote.paid_minutes, hold_cents=quote.hold_cents,
        cost_basis=cost_basis_of(quote.plan_minutes, quote.paid_minutes),
        shortened=quote.affordable_minutes < asked_minutes,
        price_per_minute_cents=quote.price_per_minute_cents, plan_code=quote.plan_code, plan_name=quote.plan_name,
    )


def _refusal(quote: WalletQuote, *, recording_fee_cents: int,
             needs: FlowNeeds) -> tuple[AdmissionRefusal | None, str]:
    # In order of what the customer must change first: debt blocks everything; a plan term is not
    # fixed by a top-up, so it is said before money.
    if quote.in_debt:
        return (AdmissionRefusal.CUSTOMER_IN_DEBT,
                "unpaid overage must be paid first; top up your wallet to call again")
    if needs.transfers and quote.plan_code and not quote.plan_call_transfer:
        return (AdmissionRefusal.PLAN_HAS_NO_TRANSFER,
                f"this flow transfers calls and your plan ({quote.plan_name or quote.plan_code}) does not include "
                "call transfer; choose a plan with call transfer, or call with a flow without a transfer step")
    if quote.affordable_minutes > 0:
        return None, ""
    plan_covers_a_minute = quote.plan_minutes_available == UNLIMITED or quote.plan_minutes_available > 0
    if recording_fee_cents and quote.available_cents < recording_fee_cents and plan_covers_a_minute:
        return (AdmissionRefusal.RECORDING_FEE_NOT_COVERED,
                f"your plan covers the minutes but the balance does not cover the recording fee of "
                f"{_dollars(recording_fee_cents)}; turn recording off or top up")
    return (AdmissionRefusal.INSUFFICIENT_FUNDS,
            f"your balance and plan minutes do not cover a call ({_dollars(quote.price_per_minute_cents)} a minute); "
            "top up or buy a plan")


def _dollars(cents: int) -> str:
    return f"${cents // 100}.{cents % 100:02d}"
