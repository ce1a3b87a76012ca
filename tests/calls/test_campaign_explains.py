"""A campaign that explains itself (issue 16, item 4), in the calls service: its estimate and how many
first calls the money covers (the admission rule, asked for the campaign's calls), why its callees
wait (their calling hours, a retry), pause reasons as codes, a draft scheduled after its quote, and a
new name."""

from __future__ import annotations

import asyncio
from datetime import UTC, timedelta

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from services.calls.admission import Admission, AdmissionRefusal, CostBasis
from services.calls.campaign_estimate import campaign_quote, first_calls
from services.runtime.grpc_client import refusal_reason
from speechcue.calls.v1 import calls_pb2
from speechcue.wallet.v1 import wallet_pb2
from tests.calls.conftest import CallsHarness
from tests.calls.test_campaigns import campaign, numbers, wait_for_status


def admitted(max_minutes: int, *, plan_minutes: int = 0, price: int = 15) -> Admission:
    return Admission(None, "", max_minutes=max_minutes, plan_minutes=plan_minutes,
                     paid_minutes=max_minutes - plan_minutes, hold_cents=(max_minutes - plan_minutes) * price,
                     cost_basis=CostBasis.BALANCE, shortened=False, price_per_minute_cents=price, plan_code="",
                     plan_name="")


@pytest.mark.parametrize(("callees", "minutes", "at_once", "expected"), [
    (40, 5, 10, 10), (3, 5, 20, 3), (500, 60, 500, 24), (0, 5, 20, 1)])
def test_the_first_calls_are_those_in_flight_at_once_within_one_quote(callees: int, minutes: int, at_once: int,
                                                                     expected: int) -> None:
    assert first_calls(callees=callees, minutes_per_call=minutes, max_concurrent=at_once) == expected


def test_the_estimate_is_a_calls_worst_case_times_the_callees_and_counts_the_calls_covered() -> None:
    quote = campaign_quote(admitted(13), campaign_id="c", callees=40, minutes_per_call=5, first_calls=10)
    assert (quote.call_cost_cents, quote.estimate_cents) == (75, 3000)
    assert (quote.first_calls, quote.calls_covered, quote.blocked_reason) == (10, 2, "")
    refused = Admission(AdmissionRefusal.INSUFFICIENT_FUNDS, "no", max_minutes=0, plan_minutes=0, paid_minutes=0,
                        hold_cents=0, cost_basis=CostBasis.BALANCE, shortened=False, price_per_minute_cents=15,
                        plan_code="", plan_name="")
    nothing = campaign_quote(refused, campaign_id="c", callees=40, minutes_per_call=5, first_calls=10)
    assert (nothing.calls_covered, nothing.blocked_reason, nothing.estimate_cents) == (0, "INSUFFICIENT_FUNDS", 3000)


async def quote(calls: CallsHarness, customer: str, campaign_id: str) -> calls_pb2.CampaignQuote:
    return await calls.stub.QuoteCampaign(calls_pb2.GetCampaignRequest(customer_id=customer, campaign_id=campaign_id))


async def test_the_quote_says_what_the_wallet_covers_of_the_first_calls(calls: CallsHarness) -> None:
    rich = await calls.customer_with_money(5_000)
    created = await campaign(calls, rich, numbers(4, "+1415"))
    answer = await quote(calls, rich, created.id)
    assert (answer.callees, answer.minutes_per_call, answer.price_per_minute_cents) == (4, 5, 15)
    assert (answer.estimate_cents, answer.first_calls, answer.calls_covered) == (300, 4, 4)

    # $1.00 at 15 ¢ a minute: 6 minutes, one 5-minute call of the four.
    poor = await calls.customer_with_money(100)
    created = await campaign(calls, poor, numbers(4, "+1415"))
    answer = await quote(calls, poor, created.id)
    assert (answer.first_calls, answer.calls_covered, answer.blocked_reason) == (4, 1, "")

    broke = await calls.customer_with_money(0)
    created = await campaign(calls, broke, numbers(4, "+1415"))
    answer = await quote(calls, broke, created.id)
    assert (answer.calls_covered, answer.blocked_reason) == (0, "INSUFFICIENT_FUNDS")


async def test_the_quote_states_the_plan_and_its_minutes(calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(0)
    wallet = calls.wallet
    plans = {p.code: p for p in (await wallet.stub.ListPlans(wallet_pb2.ListPlansRequest())).plans}
    await wallet.credit(customer, plans["prime_7d"].price_cents)
    await wallet.stub.BuySubscription(wallet_pb2.BuySubscriptionRequest(
        idempotency_key=wallet.key("buy"), customer_id=customer, plan_code="prime_7d"))
    created = await campaign(calls, customer, numbers(3, "+1415"))
    answer = await quote(calls, customer, created.id)
    assert (answer.plan_code, answer.plan_minutes, answer.calls_covered) == ("prime_7d", 15, 3)


async def test_callees_outside_their_hours_are_counted_with_their_next_opening(calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(5_000)
    # 20:00 UTC: 20:00 in London (inside its hours), 05:00 tomorrow in Tokyo (outside until 08:00 = 23:00 UTC).
    tokyo, london = ["+81312345678", "+81312345679"], "+442071838750"
    for number in [*tokyo, london]:
        await calls.script_callee(number, duration_ms=5_000)
    created = await campaign(calls, customer, [*tokyo, london])
    await calls.stub.StartCampaign(calls_pb2.CampaignActionRequest(idempotency_key=calls.key("go"),
                                                                   customer_id=customer, campaign_id=created.id))
    request = calls_pb2.GetCampaignRequest(customer_id=customer, campaign_id=created.id)
    for _ in range(200):
        current = await calls.stub.GetCampaign(request)
        if current.waiting.calling_hours == 2:
            break
        await asyncio.sleep(0.05)
    assert current.waiting.calling_hours == 2
    assert current.waiting.calling_hours_next.ToDatetime(tzinfo=UTC) == calls.clock.now.replace(hour=23, minute=0)
    assert current.waiting.calling_hours_zone == "Asia/Tokyo"
    calls.clock.advance(hours=3, minutes=1)
    done = await wait_for_status(calls, customer, created.id, calls_pb2.CAMPAIGN_STATUS_COMPLETED)
    assert done.waiting.calling_hours == 0


async def test_a_pause_by_the_customer_is_a_code_and_a_draft_with_a_start_is_scheduled_when_started(
        calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(5_000)
    start = Timestamp()
    start.FromDatetime(calls.clock.now + timedelta(hours=2))
    created = await campaign(calls, customer, numbers(2, "+1415"), start_at=start, as_draft=True)
    assert created.status == calls_pb2.CAMPAIGN_STATUS_DRAFT
    action = calls_pb2.CampaignActionRequest(customer_id=customer, campaign_id=created.id)
    action.idempotency_key = calls.key("start")
    scheduled = await calls.stub.StartCampaign(action)
    assert scheduled.status == calls_pb2.CAMPAIGN_STATUS_SCHEDULED
    action.idempotency_key = calls.key("pause")
    paused = await calls.stub.PauseCampaign(action)
    assert paused.pause_reason == "PAUSED_BY_CUSTOMER"
    action.idempotency_key = calls.key("resume")
    assert (await calls.stub.ResumeCampaign(action)).status == calls_pb2.CAMPAIGN_STATUS_SCHEDULED


async def test_a_campaign_can_be_renamed_but_not_to_nothing(calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(0)
    created = await campaign(calls, customer, numbers(1, "+1415"))
    renamed = await calls.stub.RenameCampaign(calls_pb2.RenameCampaignRequest(
        idempotency_key=calls.key("rename"), customer_id=customer, campaign_id=created.id, name="  Flu shots "))
    assert renamed.name == "Flu shots"
    listed = await calls.stub.ListCampaigns(calls_pb2.ListCampaignsRequest(customer_id=customer))
    assert [c.name for c in listed.campaigns] == ["Flu shots"]
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await calls.stub.RenameCampaign(calls_pb2.RenameCampaignRequest(
            idempotency_key=calls.key("rename"), customer_id=customer, campaign_id=created.id, name=" "))
    assert refusal_reason(refused.value) == "EMPTY_NAME"
