"""Plans, subscriptions, plan minutes, overage and the billing and subscription ticks."""

from __future__ import annotations

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from services.runtime.grpc_client import refusal_reason
from speechcue.common.v1 import common_pb2
from speechcue.wallet.v1 import wallet_pb2
from tests.wallet.conftest import ADMIN_ID, WalletHarness

SINGLE = wallet_pb2.USAGE_KIND_SINGLE
BULK = wallet_pb2.USAGE_KIND_BULK


async def buy(wallet: WalletHarness, customer: str, plan: str, *, auto_renew: bool = False) -> wallet_pb2.Subscription:
    return await wallet.stub.BuySubscription(wallet_pb2.BuySubscriptionRequest(
        idempotency_key=wallet.key("buy"), customer_id=customer, plan_code=plan, auto_renew=auto_renew))


async def usage(wallet: WalletHarness, customer: str, call_id: str, seconds: int, kind: int) -> wallet_pb2.Usage:
    return await wallet.stub.RecordUsage(wallet_pb2.RecordUsageRequest(
        idempotency_key=f"usage:{call_id}", customer_id=customer, call_id=call_id, seconds=seconds,
        usage_kind=kind))


async def tick(wallet: WalletHarness, name: str) -> common_pb2.TickResult:
    scheduled = Timestamp()
    scheduled.FromDatetime(wallet.clock.now)
    request = common_pb2.RunTickRequest(idempotency_key=f"tick:{name}:{wallet.clock.now.isoformat()}",
                                        scheduled_at=scheduled)
    if name == "billing":
        return await wallet.stub.RunBillingTick(request)
    return await wallet.stub.RunSubscriptionTick(request)


async def test_seeded_catalogue_has_the_trial_and_nine_paid_plans(wallet: WalletHarness) -> None:
    plans = {plan.code: plan for plan in (await wallet.stub.ListPlans(wallet_pb2.ListPlansRequest())).plans}
    assert len(plans) == 10
    assert (plans["trial"].duration_days, plans["trial"].single_minutes, plans["trial"].price_cents) == (2, 2, 0)
    assert (plans["prime_1d"].price_cents, plans["prime_1d"].bulk_minutes) == (1000, 100)
    assert (plans["elite_7d"].price_cents, plans["elite_7d"].bulk_minutes) == (2500, 300)
    assert (plans["ultra_30d"].price_cents, plans["ultra_30d"].bulk_minutes) == (4000, 800)
    assert not plans["prime_1d"].call_transfer and plans["prime_7d"].call_transfer
    assert all(plan.single_minutes == -1 for code, plan in plans.items() if code != "trial")
    assert all(plan.overage_cents_per_minute == 15 for plan in plans.values())


async def test_free_trial_is_offered_once_and_covers_two_single_minutes(wallet: WalletHarness) -> None:
    customer = await wallet.open()
    trial = await buy(wallet, customer, "trial")
    assert trial.status == wallet_pb2.SUBSCRIPTION_STATUS_ACTIVE and trial.single_minutes_left == 2
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await buy(wallet, customer, "trial")
    assert refusal_reason(caught.value) == "TRIAL_ALREADY_USED"
    recorded = await usage(wallet, customer, "call-1", 150, SINGLE)  # 3 started minutes
    assert (recorded.billed_minutes, recorded.plan_minutes, recorded.overage_minutes) == (3, 2, 1)
    assert recorded.overage_cents == 15
    current = await wallet.stub.GetSubscription(wallet_pb2.GetSubscriptionRequest(customer_id=customer))
    assert current.single_minutes_left == 0 and current.trial_used


async def test_plan_bought_from_balance_then_bulk_minutes_first_and_overage_after(wallet: WalletHarness) -> None:
    customer = await wallet.open()
    await wallet.credit(customer, 2500)
    subscription = await buy(wallet, customer, "prime_1d")
    assert subscription.bulk_minutes_left == 100 and subscription.single_minutes_left == -1
    assert (await wallet.balance(customer)).available_cents == 1500
    first = await usage(wallet, customer, "bulk-1", 95 * 60, BULK)
    assert (first.plan_minutes, first.overage_minutes) == (95, 0)
    second = await usage(wallet, customer, "bulk-2", 7 * 60 + 1, BULK)  # 8 started minutes
    assert (second.plan_minutes, second.overage_minutes, second.overage_cents) == (5, 3, 45)
    single = await usage(wallet, customer, "single-1", 600, SINGLE)
    assert (single.plan_minutes, single.overage_minutes) == (10, 0)
    assert await usage(wallet, customer, "bulk-2", 7 * 60 + 1, BULK) == second
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await wallet.stub.RecordUsage(wallet_pb2.RecordUsageRequest(
            idempotency_key="other-key", customer_id=customer, call_id="bulk-2", seconds=30, usage_kind=BULK))
    assert refusal_reason(caught.value) == "USAGE_ALREADY_RECORDED"
    result = await tick(wallet, "billing")
    assert (result.processed, result.succeeded) == (1, 1)
    assert (await wallet.balance(customer)).available_cents == 1500 - 45
    assert (await tick(wallet, "billing")) == result
    wallet.clock.advance(minutes=5)
    assert (await tick(wallet, "billing")).processed == 0
    charged = await wallet.published("wallet.overage.charged")
    assert len(charged) == 1


async def test_overage_paid_by_the_hold_is_not_charged_again_by_the_billing_tick(wallet: WalletHarness) -> None:
    customer = await wallet.open()
    await wallet.credit(customer, 1000)
    quote = await wallet.stub.QuoteCall(wallet_pb2.QuoteCallRequest(customer_id=customer, usage_kind=SINGLE,
                                                                    max_minutes=10))
    assert (quote.price_per_minute_cents, quote.hold_cents, quote.affordable_minutes) == (15, 150, 10)
    await wallet.stub.PlaceHold(wallet_pb2.PlaceHoldRequest(
        idempotency_key=wallet.key(), customer_id=customer, call_id="c1", amount_cents=quote.hold_cents,
        usage_kind=SINGLE))
    recorded = await usage(wallet, customer, "c1", 125, SINGLE)
    assert recorded.overage_cents == 45
    assert (await tick(wallet, "billing")).processed == 0  # the hold is still open: it will pay
    await wallet.stub.CaptureHold(wallet_pb2.CaptureHoldRequest(
        idempotency_key=wallet.key(), customer_id=customer, call_id="c1", amount_cents=recorded.overage_cents))
    wallet.clock.advance(minutes=5)
    assert (await tick(wallet, "billing")).processed == 0
    balance = await wallet.balance(customer)
    assert (balance.available_cents, balance.held_cents) == (955, 0)


async def test_customer_who_cannot_pay_overage_is_in_debt_and_gets_no_holds_until_paid(wallet: WalletHarness) -> None:
    customer = await wallet.open()
    await wallet.credit(customer, 20)
    await usage(wallet, customer, "c1", 240, SINGLE)  # 4 minutes, 60 cents, no hold
    result = await tick(wallet, "billing")
    assert (result.processed, result.failed) == (1, 1)
    balance = await wallet.balance(customer)
    assert (balance.available_cents, balance.in_debt, balance.debt_cents) == (0, True, 40)
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await wallet.stub.PlaceHold(wallet_pb2.PlaceHoldRequest(
            idempotency_key=wallet.key(), customer_id=customer, call_id="c2", amount_cents=1, usage_kind=SINGLE))
    assert refusal_reason(caught.value) == "CUSTOMER_IN_DEBT"
    quote = await wallet.stub.QuoteCall(wallet_pb2.QuoteCallRequest(customer_id=customer, usage_kind=SINGLE,
                                                                    max_minutes=5))
    assert quote.in_debt and quote.affordable_minutes == 0
    assert len(await wallet.published("wallet.overage.failed")) == 1
    await wallet.credit(customer, 100)
    wallet.clock.advance(minutes=5)
    assert (await tick(wallet, "billing")).succeeded == 1
    balance = await wallet.balance(customer)
    assert (balance.available_cents, balance.in_debt, balance.debt_cents) == (60, False, 0)
    assert (await wallet.ledger()).ok


async def test_plan_minutes_reserved_by_holds_are_not_promised_twice(wallet: WalletHarness) -> None:
    customer = await wallet.open()
    await wallet.credit(customer, 1000)
    await buy(wallet, customer, "prime_1d")
    await wallet.stub.PlaceHold(wallet_pb2.PlaceHoldRequest(
        idempotency_key=wallet.key(), customer_id=customer, call_id="c1", plan_minutes=80, usage_kind=BULK))
    quote = await wallet.stub.QuoteCall(wallet_pb2.QuoteCallRequest(customer_id=customer, usage_kind=BULK,
                                                                    max_minutes=30))
    # The balance is spent on the plan: the call can last the 20 minutes still free, and holds nothing.
    assert (quote.plan_minutes_available, quote.plan_minutes, quote.paid_minutes) == (20, 20, 0)
    assert (quote.affordable_minutes, quote.hold_cents) == (20, 0)
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await wallet.stub.PlaceHold(wallet_pb2.PlaceHoldRequest(
            idempotency_key=wallet.key(), customer_id=customer, call_id="c2", plan_minutes=21, usage_kind=BULK))
    assert refusal_reason(caught.value) == "NOT_ENOUGH_PLAN_MINUTES"
    recorded = await usage(wallet, customer, "c1", 10 * 60, BULK)
    assert recorded.plan_minutes == 10
    await wallet.stub.ReleaseHold(wallet_pb2.ReleaseHoldRequest(idempotency_key=wallet.key(), customer_id=customer,
                                                                call_id="c1"))
    after = await wallet.stub.GetSubscription(wallet_pb2.GetSubscriptionRequest(customer_id=customer))
    assert after.bulk_minutes_left == 90
    quote = await wallet.stub.QuoteCall(wallet_pb2.QuoteCallRequest(customer_id=customer, usage_kind=BULK,
                                                                    max_minutes=30))
    assert quote.plan_minutes_available == 90


async def test_subscription_tick_warns_renews_and_expires(wallet: WalletHarness) -> None:
    renewing, lapsing, broke = await wallet.open(), await wallet.open(), await wallet.open()
    await wallet.credit(renewing, 2000)
    await wallet.credit(lapsing, 1000)
    await wallet.credit(broke, 1000)  # the first day uses it all: auto-renew will fail
    await buy(wallet, renewing, "prime_1d", auto_renew=True)
    await buy(wallet, lapsing, "prime_1d", auto_renew=False)
    await buy(wallet, broke, "prime_1d", auto_renew=True)
    wallet.clock.advance(hours=1)
    assert (await tick(wallet, "subscriptions")).processed == 0  # a 1-day plan is warned halfway through
    wallet.clock.advance(hours=12)
    warned = await tick(wallet, "subscriptions")
    assert warned.processed == 3
    assert len(await wallet.published("wallet.subscription.expiring")) == 3
    wallet.clock.advance(hours=1)
    assert (await tick(wallet, "subscriptions")).processed == 0  # warned once only
    wallet.clock.advance(hours=11)
    result = await tick(wallet, "subscriptions")
    assert (result.processed, result.succeeded, result.failed) == (3, 1, 1)
    subscriptions = {customer: await wallet.stub.GetSubscription(wallet_pb2.GetSubscriptionRequest(
        customer_id=customer)) for customer in (renewing, lapsing, broke)}
    assert subscriptions[renewing].status == wallet_pb2.SUBSCRIPTION_STATUS_ACTIVE
    assert subscriptions[renewing].bulk_minutes_left == 100
    assert subscriptions[lapsing].status == wallet_pb2.SUBSCRIPTION_STATUS_EXPIRED
    assert subscriptions[broke].status == wallet_pb2.SUBSCRIPTION_STATUS_EXPIRED
    assert (await wallet.balance(renewing)).available_cents == 0
    assert len(await wallet.published("wallet.subscription.renewed")) == 1
    assert len(await wallet.published("wallet.subscription.expired")) == 2
    assert (await wallet.ledger()).ok


async def test_admin_changes_a_price_at_run_time_and_running_periods_keep_their_terms(wallet: WalletHarness) -> None:
    customer = await wallet.open()
    await wallet.credit(customer, 5000)
    before = await buy(wallet, customer, "elite_1d")
    changed = await wallet.stub.UpsertPlan(wallet_pb2.UpsertPlanRequest(
        idempotency_key=wallet.key(), admin_telegram_id=ADMIN_ID, plan=wallet_pb2.Plan(
            code="elite_1d", name="Elite 1 day", duration_days=1, price_cents=1800, single_minutes=-1,
            bulk_minutes=180, call_transfer=True, overage_cents_per_minute=12, active=True)))
    assert (changed.price_cents, changed.bulk_minutes) == (1800, 180)
    current = await wallet.stub.GetSubscription(wallet_pb2.GetSubscriptionRequest(customer_id=customer))
    assert (current.plan.price_cents, current.bulk_minutes_left) == (before.plan.price_cents, 150)
    quote = await wallet.stub.QuoteCall(wallet_pb2.QuoteCallRequest(customer_id=customer, usage_kind=BULK,
                                                                    max_minutes=1))
    assert quote.price_per_minute_cents == 15


async def test_a_tick_key_used_by_one_tick_is_refused_for_another(wallet: WalletHarness) -> None:
    request = common_pb2.RunTickRequest(idempotency_key="tick:billing:2026-11-24T12:00:00Z")
    await wallet.stub.RunBillingTick(request)
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await wallet.stub.RunSubscriptionTick(request)
    assert refusal_reason(caught.value) == "IDEMPOTENCY_KEY_REUSED"
