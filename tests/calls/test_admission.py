"""The admission rule (services/calls/admission.py) with many cases, and the wallet's arithmetic it
stands on (pricing.quote_affordable_call): may a call go, for how long, holding what; and the quote and
the dial answering alike because they both ask it."""

from __future__ import annotations

import asyncpg
import grpc
import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.calls.admission import (
    AdmissionRefusal,
    CostBasis,
    FlowNeeds,
    WalletQuote,
    admit,
    cost_basis_of,
)
from services.runtime.grpc_client import refusal_reason
from services.wallet.pricing import UNLIMITED, Quote, quote_affordable_call, split_usage
from speechcue.calls.v1 import calls_pb2
from speechcue.wallet.v1 import wallet_pb2
from tests.calls.conftest import CALLEE, CallsHarness, menu_flow
from tests.wallet.conftest import ADMIN_ID

PRICE = 15
FEE = 5
TRIAL = ("trial", "Free trial", False)
PRIME_1D = ("prime_1d", "Prime 1 day", False)
PRIME_7D = ("prime_7d", "Prime 7 days", True)
NO_PLAN = ("", "", False)


def wallet_quote(asked: int, plan_minutes_left: int, balance: int, *, fee: int = 0,
                 plan: tuple[str, str, bool] = NO_PLAN, in_debt: bool = False) -> WalletQuote:
    """What the wallet answers (wallet/servicer.py QuoteCall), from the same pure arithmetic."""
    quote = Quote(0, 0, 0, 0) if in_debt else quote_affordable_call(asked, plan_minutes_left, PRICE, balance, fee)
    code, name, transfer = plan
    return WalletQuote(PRICE, plan_minutes_left, quote.plan_minutes, quote.paid_minutes, quote.hold_cents,
                       quote.affordable_minutes, in_debt, balance, code, name, transfer)


@pytest.mark.parametrize(("plan_left", "balance", "fee", "minutes", "plan_minutes", "hold"), [
    (0, 500, 0, 10, 0, 150),        # no plan, $5.00: the whole call paid, its worst case held
    (0, 50, 0, 3, 0, 45),           # no plan, $0.50: three minutes, and only those held
    (2, 0, 0, 2, 2, 0),             # the trial, $0: its two minutes, nothing held
    (2, 60, 0, 6, 2, 60),           # the trial, $0.60: two from the plan, four paid
    (UNLIMITED, 0, 0, 10, 10, 0),   # unlimited: every minute from the plan
    (0, 50, FEE, 3, 0, 50),         # the fee is held beside the three minutes it leaves room for
    (2, 4, FEE, 0, 0, 0),           # the fee is not covered: nothing
    (0, 0, 0, 0, 0, 0),             # nothing at all
])
def test_the_call_as_it_can_be_placed(plan_left: int, balance: int, fee: int, minutes: int, plan_minutes: int,
                                      hold: int) -> None:
    quote = quote_affordable_call(10, plan_left, PRICE, balance, fee)
    assert (quote.affordable_minutes, quote.plan_minutes, quote.hold_cents) == (minutes, plan_minutes, hold)


@given(asked=st.integers(1, 120), plan_left=st.one_of(st.just(UNLIMITED), st.integers(0, 500)),
       price=st.integers(0, 1_000), balance=st.integers(0, 10**6), fee=st.integers(0, 500))
def test_the_hold_covers_the_call_and_never_more_than_the_balance(asked: int, plan_left: int, price: int,
                                                                 balance: int, fee: int) -> None:
    quote = quote_affordable_call(asked, plan_left, price, balance, fee)
    assert 0 <= quote.affordable_minutes <= asked
    assert quote.plan_minutes + quote.paid_minutes == quote.affordable_minutes
    assert quote.hold_cents <= balance
    if quote.affordable_minutes:
        # The worst case of the call as placed is exactly what is held, with the fee.
        assert split_usage(quote.affordable_minutes * 60, plan_left, price).overage_cents + fee == quote.hold_cents
        if plan_left != UNLIMITED:
            assert quote.plan_minutes <= plan_left
    else:
        assert quote == Quote(0, 0, 0, 0)


@pytest.mark.parametrize(("quote", "needs", "fee", "expected"), [
    (wallet_quote(10, 0, 500), FlowNeeds(False), 0, (None, 10, 0, 150, CostBasis.BALANCE, False)),
    (wallet_quote(10, 2, 0, plan=TRIAL), FlowNeeds(False), 0, (None, 2, 2, 0, CostBasis.PLAN, True)),
    (wallet_quote(10, 2, 60, plan=TRIAL), FlowNeeds(False), 0,
     (None, 6, 2, 60, CostBasis.PLAN_THEN_BALANCE, True)),
    (wallet_quote(10, UNLIMITED, 0, plan=PRIME_7D), FlowNeeds(True), 0, (None, 10, 10, 0, CostBasis.PLAN, False)),
    (wallet_quote(10, 0, 500, fee=FEE), FlowNeeds(True), FEE, (None, 10, 0, 155, CostBasis.BALANCE, False)),
    (wallet_quote(10, 0, 0), FlowNeeds(False), 0,
     (AdmissionRefusal.INSUFFICIENT_FUNDS, 0, 0, 0, CostBasis.BALANCE, False)),
    (wallet_quote(10, 2, 4, fee=FEE, plan=TRIAL), FlowNeeds(False), FEE,
     (AdmissionRefusal.RECORDING_FEE_NOT_COVERED, 0, 0, 0, CostBasis.BALANCE, False)),
    (wallet_quote(10, 0, 4, fee=FEE), FlowNeeds(False), FEE,
     (AdmissionRefusal.INSUFFICIENT_FUNDS, 0, 0, 0, CostBasis.BALANCE, False)),
    (wallet_quote(10, UNLIMITED, 500, plan=PRIME_1D), FlowNeeds(True), 0,
     (AdmissionRefusal.PLAN_HAS_NO_TRANSFER, 0, 0, 0, CostBasis.BALANCE, False)),
    (wallet_quote(10, 2, 500, plan=TRIAL), FlowNeeds(True), 0,
     (AdmissionRefusal.PLAN_HAS_NO_TRANSFER, 0, 0, 0, CostBasis.BALANCE, False)),
    (wallet_quote(10, UNLIMITED, 500, plan=PRIME_1D), FlowNeeds(False), 0, (None, 10, 10, 0, CostBasis.PLAN, False)),
    (wallet_quote(10, UNLIMITED, 500, plan=PRIME_7D, in_debt=True), FlowNeeds(False), 0,
     (AdmissionRefusal.CUSTOMER_IN_DEBT, 0, 0, 0, CostBasis.BALANCE, False)),
])
def test_admission(quote: WalletQuote, needs: FlowNeeds, fee: int,
                   expected: tuple[AdmissionRefusal | None, int, int, int, CostBasis, bool]) -> None:
    admission = admit(quote, asked_minutes=10, recording_fee_cents=fee, needs=needs)
    assert (admission.refusal, admission.max_minutes, admission.plan_minutes, admission.hold_cents,
            admission.cost_basis, admission.shortened) == expected
    assert admission.admitted == (expected[0] is None)
    assert bool(admission.message) == (expected[0] is not None)


def test_a_transfer_refusal_names_the_plan_and_what_to_do() -> None:
    admission = admit(wallet_quote(10, UNLIMITED, 0, plan=PRIME_1D), asked_minutes=10, recording_fee_cents=0,
                      needs=FlowNeeds(True))
    assert "Prime 1 day" in admission.message and "call transfer" in admission.message
    assert "without a transfer step" in admission.message


def test_a_customer_without_a_plan_may_transfer_paying_from_the_balance() -> None:
    admission = admit(wallet_quote(10, 0, 500), asked_minutes=10, recording_fee_cents=0, needs=FlowNeeds(True))
    assert admission.admitted and admission.cost_basis == CostBasis.BALANCE


@given(asked=st.integers(1, 120), plan_left=st.one_of(st.just(UNLIMITED), st.integers(0, 500)),
       balance=st.integers(0, 10**5), record=st.booleans(), transfers=st.booleans(), in_debt=st.booleans(),
       plan=st.sampled_from([NO_PLAN, TRIAL, PRIME_1D, PRIME_7D]))
def test_an_admitted_call_holds_at_most_the_balance_and_lasts_at_most_what_was_asked(
        asked: int, plan_left: int, balance: int, record: bool, transfers: bool, in_debt: bool,
        plan: tuple[str, str, bool]) -> None:
    fee = FEE if record else 0
    quote = wallet_quote(asked, plan_left if plan[0] else 0, balance, fee=fee, plan=plan, in_debt=in_debt)
    admission = admit(quote, asked_minutes=asked, recording_fee_cents=fee, needs=FlowNeeds(transfers))
    if admission.admitted:
        assert 1 <= admission.max_minutes <= asked
        assert fee <= admission.hold_cents <= balance
        assert admission.plan_minutes + admission.paid_minutes == admission.max_minutes
        assert admission.cost_basis == cost_basis_of(admission.plan_minutes, admission.paid_minutes)
        assert admission.shortened == (admission.max_minutes < asked)
        assert not in_debt and not (transfers and plan[0] and not plan[2])
    else:
        assert (admission.max_minutes, admission.hold_cents) == (0, 0)


# ---- the quote and the dial ask the same rule -----------------------------------------------------------

def transfer_flow() -> calls_pb2.FlowSpec:
    return calls_pb2.FlowSpec(
        name="Front desk", kind=calls_pb2.FLOW_KIND_GRAPH, business_name="Acme Dental",
        graph=calls_pb2.FlowGraph(start_node_id="menu", nodes=[
            calls_pb2.FlowNode(id="menu", kind=calls_pb2.NODE_KIND_MENU, text="Press 1 to talk to us.", edges=[
                calls_pb2.FlowEdge(key="1", target_node_id="desk"),
                calls_pb2.FlowEdge(key="timeout", target_node_id="bye")]),
            calls_pb2.FlowNode(id="desk", kind=calls_pb2.NODE_KIND_TRANSFER, transfer_number="+14155550199"),
            calls_pb2.FlowNode(id="bye", kind=calls_pb2.NODE_KIND_END, text="Goodbye."),
        ]))


async def approved_flow(calls: CallsHarness, customer: str, spec: calls_pb2.FlowSpec) -> calls_pb2.Flow:
    flow = await calls.flow(customer, spec)
    if flow.status != calls_pb2.FLOW_STATUS_APPROVED:  # a new customer's transfer waits for review
        await calls.stub.ReviewFlow(calls_pb2.ReviewFlowRequest(
            idempotency_key=calls.key("review"), admin_telegram_id=ADMIN_ID, flow_id=flow.id, approve=True))
    return flow


async def buy(calls: CallsHarness, customer: str, plan: str) -> None:
    """Buys `plan` with money credited for it, so the balance is as it was."""
    plans = {p.code: p for p in (await calls.wallet.stub.ListPlans(wallet_pb2.ListPlansRequest())).plans}
    await calls.wallet.credit(customer, plans[plan].price_cents)
    await calls.wallet.stub.BuySubscription(wallet_pb2.BuySubscriptionRequest(
        idempotency_key=calls.wallet.key("buy"), customer_id=customer, plan_code=plan))


@pytest.mark.parametrize(("balance", "plan", "transfers", "record", "refusal"), [
    (500, "", False, False, ""),                    # paid from the balance, all of it held
    (50, "", False, True, ""),                      # the balance sets the length; the fee is held too
    (1_000, "prime_1d", False, False, ""),          # unlimited single minutes: nothing held
    (1_000, "prime_1d", True, False, "PLAN_HAS_NO_TRANSFER"),  # a transfer on a plan without it
    (1_000, "prime_7d", True, True, ""),            # a plan with transfer
    (0, "prime_7d", False, True, "RECORDING_FEE_NOT_COVERED"),  # the plan has the minutes, not the fee
    (500, "", True, False, ""),                     # no plan: a transfer is paid from the balance
    (0, "", False, False, "INSUFFICIENT_FUNDS"),    # nothing
])
async def test_the_quote_says_what_the_dial_does(calls: CallsHarness, balance: int, plan: str, transfers: bool,
                                                 record: bool, refusal: str) -> None:
    customer = await calls.customer_with_money(balance)
    if plan:
        await buy(calls, customer, plan)
    flow = await approved_flow(calls, customer, transfer_flow() if transfers else menu_flow())
    quote = await calls.stub.QuoteCall(calls_pb2.QuoteCallRequest(
        customer_id=customer, flow_id=flow.id, to_number=CALLEE, max_minutes=10, record=record))
    try:
        call = await calls.call(customer, flow.id, max_minutes=10, record=record)
    except grpc.aio.AioRpcError as error:
        assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
        assert (quote.allowed_now, quote.blocked_reason) == (False, refusal_reason(error)) == (False, refusal)
        return
    assert (quote.allowed_now, quote.blocked_reason) == (True, "") and not refusal
    row = await calls_row(calls, call.id)
    assert (row["max_minutes"], row["plan_minutes"], row["hold_cents"]) == (
        quote.affordable_minutes, quote.plan_minutes, quote.hold_cents)


async def calls_row(calls: CallsHarness, call_id: str) -> dict[str, int]:
    connection = await asyncpg.connect(calls.database_url)
    try:
        row = await connection.fetchrow("SELECT max_minutes, plan_minutes, hold_cents FROM calls WHERE id = $1",
                                        call_id)
    finally:
        await connection.close()
    assert row is not None
    return dict(row)
