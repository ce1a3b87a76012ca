"""SettleCalls: many ended calls settled in one transaction, exactly as the call-by-call path
(RecordUsage, then CaptureHold or ReleaseHold) settles them, once per call however often asked."""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass

import asyncpg
import grpc
import pytest

from services.runtime.grpc_client import refusal_reason
from speechcue.common.v1 import common_pb2
from speechcue.wallet.v1 import wallet_pb2
from tests.wallet.conftest import WalletHarness

SINGLE = wallet_pb2.USAGE_KIND_SINGLE


@dataclass(frozen=True)
class EndedCall:
    suffix: str
    hold_cents: int
    plan_minutes: int
    seconds: int
    extra_cents: int = 0


# The trial plan's 2 single minutes run out inside this batch: the first call's own reservation is
# freed and used, the second splits between the last plan minute and overage, one never connected.
CALLS = (
    EndedCall("a", hold_cents=45, plan_minutes=2, seconds=50),
    EndedCall("b", hold_cents=75, plan_minutes=0, seconds=70, extra_cents=10),
    EndedCall("c", hold_cents=75, plan_minutes=0, seconds=0),
    EndedCall("d", hold_cents=75, plan_minutes=0, seconds=200),
)


async def customer_with_holds(wallet: WalletHarness, calls: tuple[EndedCall, ...] = CALLS) -> tuple[str, list[str]]:
    customer = await wallet.open()
    await wallet.credit(customer, 1_000)
    await wallet.stub.BuySubscription(wallet_pb2.BuySubscriptionRequest(
        idempotency_key=wallet.key("buy"), customer_id=customer, plan_code="trial"))
    call_ids = []
    for call in calls:
        call_id = f"{customer}-call-{call.suffix}"
        await wallet.stub.PlaceHold(wallet_pb2.PlaceHoldRequest(
            idempotency_key=wallet.key("hold"), customer_id=customer, call_id=call_id,
            amount_cents=call.hold_cents, plan_minutes=call.plan_minutes, usage_kind=SINGLE))
        call_ids.append(call_id)
    return customer, call_ids


def settle_request(customer: str, call_ids: list[str], calls: tuple[EndedCall, ...] = CALLS
                   ) -> wallet_pb2.SettleCallsRequest:
    return wallet_pb2.SettleCallsRequest(calls=[wallet_pb2.CallToSettle(
        customer_id=customer, call_id=call_id, seconds=call.seconds, usage_kind=SINGLE,
        extra_cents=call.extra_cents) for call_id, call in zip(call_ids, calls, strict=True)])


async def settle_one_by_one(wallet: WalletHarness, customer: str, call_ids: list[str]) -> None:
    """What the calls service did before SettleCalls existed, call after call."""
    for call_id, call in zip(call_ids, CALLS, strict=True):
        if call.seconds == 0:
            await wallet.stub.ReleaseHold(wallet_pb2.ReleaseHoldRequest(
                idempotency_key=f"release:{call_id}", customer_id=customer, call_id=call_id))
            continue
        usage = await wallet.stub.RecordUsage(wallet_pb2.RecordUsageRequest(
            idempotency_key=f"usage:{call_id}", customer_id=customer, call_id=call_id, seconds=call.seconds,
            usage_kind=SINGLE))
        await wallet.stub.CaptureHold(wallet_pb2.CaptureHoldRequest(
            idempotency_key=f"capture:{call_id}", customer_id=customer, call_id=call_id,
            amount_cents=min(usage.overage_cents + call.extra_cents, call.hold_cents)))


async def money_state(wallet: WalletHarness, customer: str) -> dict[str, object]:
    """Everything settlement changes for one customer, with call ids made comparable across customers."""
    connection = await asyncpg.connect(wallet.database_url)
    try:
        def call_of(call_id: str) -> str:
            return call_id.rsplit("-", 1)[1]
        usage = await connection.fetch(
            "SELECT call_id, seconds, billed_minutes, plan_minutes, overage_minutes, overage_cents, paid_cents "
            "FROM usage WHERE customer_id = $1 ORDER BY call_id", customer)
        holds = await connection.fetch("SELECT call_id, status, captured_cents, reserved_minutes FROM holds "
                                       "WHERE customer_id = $1 ORDER BY call_id", customer)
        transfers = await connection.fetch("SELECT kind, amount_cents, cause_id FROM transfers "
                                           "WHERE customer_id = $1 ORDER BY kind, cause_id", customer)
        subscription = await connection.fetchrow("SELECT single_used, single_reserved FROM subscriptions "
                                                 "WHERE customer_id = $1 AND status = 'active'", customer)
        balance = await connection.fetchval("SELECT balance_cents FROM accounts WHERE customer_id = $1", customer)
    finally:
        await connection.close()
    return {
        "usage": [(call_of(row["call_id"]), *list(row.values())[1:]) for row in usage],
        "holds": [(call_of(row["call_id"]), *list(row.values())[1:]) for row in holds],
        "transfers": [(row["kind"], row["amount_cents"], call_of(row["cause_id"]) if "-call-" in row["cause_id"]
                       else "") for row in transfers],
        "subscription": tuple(subscription.values()),
        "balance": balance,
    }


async def transfer_count(wallet: WalletHarness) -> int:
    connection = await asyncpg.connect(wallet.database_url)
    try:
        return int(await connection.fetchval("SELECT count(*) FROM transfers"))
    finally:
        await connection.close()


async def test_a_batch_settles_exactly_as_call_by_call_settlement_does(wallet: WalletHarness) -> None:
    batched, batched_calls = await customer_with_holds(wallet)
    one_by_one, one_by_one_calls = await customer_with_holds(wallet)

    answer = await wallet.stub.SettleCalls(settle_request(batched, batched_calls))
    await settle_one_by_one(wallet, one_by_one, one_by_one_calls)

    assert await money_state(wallet, batched) == await money_state(wallet, one_by_one)
    settled = {call.call_id.rsplit("-", 1)[1]: call for call in answer.calls}
    assert [call.refusal_reason for call in answer.calls] == ["", "", "", ""]
    # a: 1 minute from the plan; b: the last plan minute + 1 overage minute (15) + 10 extra; c: never
    # connected; d: 4 overage minutes (60).
    assert [(settled[s].cost_cents, settled[s].plan_minutes, settled[s].captured_cents) for s in "abcd"] == [
        (0, 1, 0), (25, 1, 25), (0, 0, 0), (60, 0, 60)]
    state = await money_state(wallet, batched)
    assert state["balance"] == 1_000 - 25 - 60
    assert [hold[1] for hold in state["holds"]] == ["captured", "captured", "released", "captured"]
    assert state["subscription"] == (2, 0)  # both plan minutes used, none left reserved
    assert (await wallet.ledger()).ok


async def test_settling_again_answers_the_same_and_moves_nothing(wallet: WalletHarness) -> None:
    customer, call_ids = await customer_with_holds(wallet)
    first = await wallet.stub.SettleCalls(settle_request(customer, call_ids))
    before = (await money_state(wallet, customer), await transfer_count(wallet))
    again = await wallet.stub.SettleCalls(settle_request(customer, call_ids))
    reordered = await wallet.stub.SettleCalls(settle_request(customer, call_ids[::-1], CALLS[::-1]))
    assert list(again.calls) == list(first.calls)
    assert sorted(reordered.calls, key=lambda call: call.call_id) == sorted(first.calls, key=lambda c: c.call_id)
    assert (await money_state(wallet, customer), await transfer_count(wallet)) == before
    debits = [event for event in await wallet.published("wallet.balance.debited")]
    captures = [event for event in debits if event.customer_id == customer]
    # The plan purchase is free (trial); holds are not announced; two captures were, once each.
    assert len(captures) == 2


async def test_a_refused_call_does_not_disturb_the_others_in_its_batch(wallet: WalletHarness) -> None:
    customer, call_ids = await customer_with_holds(wallet)
    await wallet.stub.RecordUsage(wallet_pb2.RecordUsageRequest(
        idempotency_key=wallet.key("usage"), customer_id=customer, call_id=call_ids[3], seconds=31,
        usage_kind=SINGLE))  # recorded earlier with other figures than the batch will send
    request = settle_request(customer, call_ids)
    request.calls.append(wallet_pb2.CallToSettle(customer_id="cust-nobody", call_id="call-of-nobody", seconds=60,
                                                 usage_kind=SINGLE))
    answer = await wallet.stub.SettleCalls(request)
    assert [call.refusal_reason for call in answer.calls] == ["", "", "", "USAGE_ALREADY_RECORDED",
                                                              "ACCOUNT_NOT_FOUND"]
    holds = (await money_state(wallet, customer))["holds"]
    assert [hold[1] for hold in holds] == ["captured", "captured", "released", "open"]
    assert (await wallet.ledger()).ok


async def test_usage_recorded_before_is_paid_by_the_capture_and_not_charged_again(wallet: WalletHarness) -> None:
    customer, call_ids = await customer_with_holds(wallet)
    recorded = await wallet.stub.RecordUsage(wallet_pb2.RecordUsageRequest(
        idempotency_key=wallet.key("usage"), customer_id=customer, call_id=call_ids[3], seconds=200,
        usage_kind=SINGLE))  # a settlement that stopped after recording the usage
    assert recorded.paid_cents == 0
    answer = await wallet.stub.SettleCalls(settle_request(customer, call_ids[3:], CALLS[3:]))
    assert (answer.calls[0].cost_cents, answer.calls[0].captured_cents) == (recorded.overage_cents,
                                                                            recorded.overage_cents)
    balance = (await wallet.balance(customer)).available_cents
    await wallet.stub.RunBillingTick(common_pb2.RunTickRequest(idempotency_key=wallet.key("tick")))
    assert (await wallet.balance(customer)).available_cents == balance
    usage = (await money_state(wallet, customer))["usage"]
    assert usage[0][-1] == recorded.overage_cents  # paid in full


async def test_concurrent_overlapping_batches_settle_every_call_once(wallet: WalletHarness) -> None:
    customers = [await customer_with_holds(wallet) for _ in range(4)]
    everything = [(customer, call_id, call) for customer, call_ids in customers
                  for call_id, call in zip(call_ids, CALLS, strict=True)]
    chooser = random.Random(7)

    async def settle_some() -> list[wallet_pb2.SettledCall]:
        chosen = chooser.sample(everything, 10)
        answer = await wallet.stub.SettleCalls(wallet_pb2.SettleCallsRequest(calls=[wallet_pb2.CallToSettle(
            customer_id=customer, call_id=call_id, seconds=call.seconds, usage_kind=SINGLE,
            extra_cents=call.extra_cents) for customer, call_id, call in chosen]))
        return list(answer.calls)

    answers = [call for batch in await asyncio.gather(*(settle_some() for _ in range(12))) for call in batch]
    answers += (await wallet.stub.SettleCalls(wallet_pb2.SettleCallsRequest(calls=[wallet_pb2.CallToSettle(
        customer_id=customer, call_id=call_id, seconds=call.seconds, usage_kind=SINGLE,
        extra_cents=call.extra_cents) for customer, call_id, call in everything]))).calls
    by_call: dict[str, set[tuple[int, int, int, str]]] = {}
    for call in answers:
        by_call.setdefault(call.call_id, set()).add((call.cost_cents, call.plan_minutes, call.captured_cents,
                                                     call.refusal_reason))
    assert all(len(outcomes) == 1 for outcomes in by_call.values())  # every ask got the same answer
    # The batches met the calls in different orders, so which call got the plan minutes differs;
    # what cannot differ is that each hold was resolved once and the money adds up.
    for customer, call_ids in customers:
        state = await money_state(wallet, customer)
        captured = [next(iter(by_call[call_id]))[2] for call_id in call_ids]
        assert [hold[1:3] for hold in state["holds"]] == [
            ("captured", captured[0]), ("captured", captured[1]), ("released", 0), ("captured", captured[3])]
        # Settled before call a, calls b and d find a's 2 minutes still reserved and pay overage, and a
        # then uses 1; after a, b takes the minute a left. Either way the plan counts what was answered.
        plan_minutes = sum(next(iter(by_call[call_id]))[1] for call_id in call_ids)
        assert state["subscription"] == (plan_minutes, 0) and plan_minutes in (1, 2)
        assert state["usage"] and sum(row[3] for row in state["usage"]) == plan_minutes
        assert state["balance"] == 1_000 - sum(captured)
        kinds = [transfer[0] for transfer in state["transfers"]]
        assert kinds.count("capture") == sum(1 for cents in captured if cents) and kinds.count("release") == 4
    assert (await wallet.ledger()).ok


@pytest.mark.parametrize("calls, reason", [
    ([], "FIELD_INVALID"),
    ([("c1", 60), ("c1", 60)], "FIELD_INVALID"),
    ([("c1", -1)], "FIELD_OUT_OF_RANGE"),
    ([("c1", 10**9)], "FIELD_OUT_OF_RANGE"),
    ([("", 60)], "FIELD_INVALID"),
])
async def test_bad_requests_are_refused_whole_and_change_nothing(wallet: WalletHarness, calls: list[tuple[str, int]],
                                                                 reason: str) -> None:
    customer, call_ids = await customer_with_holds(wallet)
    before = await money_state(wallet, customer)
    request = wallet_pb2.SettleCallsRequest(calls=[wallet_pb2.CallToSettle(
        customer_id=customer, call_id=f"{call_ids[0]}{suffix}" if suffix else "", seconds=seconds,
        usage_kind=SINGLE) for suffix, seconds in calls])
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await wallet.stub.SettleCalls(request)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert refusal_reason(caught.value) in (reason, "FIELD_REQUIRED")
    assert await money_state(wallet, customer) == before
