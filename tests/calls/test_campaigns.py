"""Campaigns: never more calls in flight than allowed, each callee called as often as the retry
policy allows and only in their own daytime, cancel/pause/resume, money running out, the tick."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import timedelta
from decimal import Decimal

import asyncpg
import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from services.calls.phone_numbers import is_e164
from services.runtime.grpc_client import refusal_reason
from speechcue.calls.v1 import calls_pb2
from speechcue.common.v1 import common_pb2
from speechcue.events.v1 import calls_events_pb2
from speechcue.wallet.v1 import wallet_pb2
from tests.calls.conftest import CallsHarness, menu_flow
from tests.event_reader import read_events
from tests.wallet.conftest import ADMIN_ID


def numbers(count: int, prefix: str = "+1415") -> list[str]:
    found, candidate = [], 2_000_000
    while len(found) < count:
        number = f"{prefix}{candidate:07d}"
        if is_e164(number):
            found.append(number)
        candidate += 1
    return found


async def unlimited(calls: CallsHarness, customer: str) -> None:
    await calls.stub.SetCustomerLimits(calls_pb2.SetCustomerLimitsRequest(
        idempotency_key=calls.key("limits"), admin_telegram_id=ADMIN_ID, limits=calls_pb2.CustomerLimits(
            customer_id=customer, max_concurrent_calls=100, calls_per_hour=10_000, calls_per_day=10_000)))


async def campaign(calls: CallsHarness, customer: str, callees: list[str], **fields: object) -> calls_pb2.Campaign:
    flow = await calls.flow(customer)
    return await calls.stub.CreateCampaign(calls_pb2.CreateCampaignRequest(
        idempotency_key=calls.key("campaign"), customer_id=customer, name="Reminders", flow_id=flow.id,
        list="\n".join(callees).encode(), **fields))


async def wait_for_status(calls: CallsHarness, customer: str, campaign_id: str, status: int,
                          timeout: float = 90.0) -> calls_pb2.Campaign:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        current = await calls.stub.GetCampaign(calls_pb2.GetCampaignRequest(customer_id=customer,
                                                                            campaign_id=campaign_id))
        if current.status == status:
            return current
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"campaign did not reach {status}: {current}")
        await asyncio.sleep(0.1)


async def test_500_callees_at_concurrency_20_with_retries_and_a_correct_report(calls: CallsHarness) -> None:
    calls.retell.concurrency_limit = 20
    customer = await calls.customer_with_money(50_000)
    await unlimited(calls, customer)
    callees = numbers(500)
    unanswered = set(callees[::10])
    for number in unanswered:
        await calls.script_callee(number, outcome="no_answer", ring_ms=500)
    for number in callees:
        if number not in unanswered:
            await calls.script_callee(number, duration_ms=20_000, ring_ms=300)
    created = await campaign(calls, customer, callees, retry=calls_pb2.RetryPolicy(max_attempts=2))
    assert created.totals.callees == 500 and created.import_report.accepted == 500
    await calls.stub.StartCampaign(calls_pb2.CampaignActionRequest(idempotency_key="go", customer_id=customer,
                                                                   campaign_id=created.id))
    done = await wait_for_status(calls, customer, created.id, calls_pb2.CAMPAIGN_STATUS_COMPLETED, timeout=600)
    assert calls.retell.max_concurrent_seen <= 20
    dialled: dict[str, int] = {}
    for simulated in calls.retell.calls.values():
        dialled[simulated.record["to_number"]] = dialled.get(simulated.record["to_number"], 0) + 1
    assert {number: dialled.get(number) for number in callees} == {
        number: 2 if number in unanswered else 1 for number in callees}
    assert (done.totals.answered, done.totals.failed, done.totals.attempts) == (450, 50, 550)
    report = await calls.stub.GetCampaignReport(calls_pb2.GetCampaignRequest(customer_id=customer,
                                                                            campaign_id=created.id))
    rows = list(csv.DictReader(io.StringIO(report.csv.decode())))
    assert len(rows) == 500 and {row["status"] for row in rows} == {"answered", "not reached"}
    assert sum(Decimal(row["cost_usd"]) for row in rows) * 100 == done.totals.cost_cents == 450 * 15
    assert (await calls.wallet.balance(customer)).available_cents == 50_000 - 450 * 15
    await calls.running.context.relay.publish_pending()
    completed = await read_events(calls.wallet.nats_url, "CALLS", "calls.campaign.completed")
    assert len(completed) == 1
    progress = await read_events(calls.wallet.nats_url, "CALLS", "calls.campaign.progress")
    assert 5 <= len(progress) <= 60


async def test_callees_outside_their_window_wait_for_it_across_timezones_and_midnight(calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(5_000)
    tokyo, london = "+81312345678", "+442071838750"
    await calls.script_callee(tokyo, duration_ms=5_000)
    await calls.script_callee(london, duration_ms=5_000)
    created = await campaign(calls, customer, [tokyo, london])
    await calls.stub.StartCampaign(calls_pb2.CampaignActionRequest(idempotency_key="go", customer_id=customer,
                                                                   campaign_id=created.id))
    for _ in range(100):
        if len(calls.retell.calls) >= 1:
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)
    # 20:00 UTC: 20:00 in London (inside), 05:00 tomorrow in Tokyo (outside until 08:00 = 23:00 UTC).
    assert [c.record["to_number"] for c in calls.retell.calls.values()] == [london]
    connection = await asyncpg.connect(calls.database_url)
    try:
        waiting = await connection.fetchval(
            "SELECT next_attempt_at FROM campaign_callees WHERE number = $1", tokyo)
    finally:
        await connection.close()
    assert waiting == calls.clock.now.replace(hour=23, minute=0)
    calls.clock.advance(hours=3, minutes=1)  # 23:01 UTC: 08:01 in Tokyo, 23:01 in London
    await wait_for_status(calls, customer, created.id, calls_pb2.CAMPAIGN_STATUS_COMPLETED)
    assert sorted(c.record["to_number"] for c in calls.retell.calls.values()) == sorted([tokyo, london])


async def test_cancel_stops_new_dials_and_pause_resume_continue_where_they_stopped(calls: CallsHarness) -> None:
    calls.retell.concurrency_limit = 4  # two in flight after the reserve
    customer = await calls.customer_with_money(50_000)
    await unlimited(calls, customer)
    callees = numbers(12, "+1212")
    for number in callees:
        await calls.script_callee(number, duration_ms=50_000, ring_ms=100)
    created = await campaign(calls, customer, callees)
    action = calls_pb2.CampaignActionRequest(customer_id=customer, campaign_id=created.id)
    action.idempotency_key = "start"
    await calls.stub.StartCampaign(action)
    for _ in range(200):
        if len(calls.retell.calls) >= 2:
            break
        await asyncio.sleep(0.02)
    action.idempotency_key = "pause"
    paused = await calls.stub.PauseCampaign(action)
    assert paused.status == calls_pb2.CAMPAIGN_STATUS_PAUSED
    await asyncio.sleep(1.5)
    dialled_while_paused = len(calls.retell.calls)
    assert dialled_while_paused <= 3
    await asyncio.sleep(1.0)
    assert len(calls.retell.calls) == dialled_while_paused
    action.idempotency_key = "resume"
    await calls.stub.ResumeCampaign(action)
    for _ in range(300):
        if len(calls.retell.calls) > dialled_while_paused:
            break
        await asyncio.sleep(0.02)
    assert len(calls.retell.calls) > dialled_while_paused
    action.idempotency_key = "cancel"
    cancelled = await calls.stub.CancelCampaign(action)
    assert cancelled.status == calls_pb2.CAMPAIGN_STATUS_CANCELLED
    at_cancel = len(calls.retell.calls)
    await asyncio.sleep(1.5)
    assert len(calls.retell.calls) == at_cancel < 12
    numbers_called = [c.record["to_number"] for c in calls.retell.calls.values()]
    assert len(set(numbers_called)) == len(numbers_called)  # each once
    # In list order, but for a callee claimed before the cancel whose dial it stopped (two are claimed at a time).
    assert set(numbers_called) <= set(callees[:len(numbers_called) + 2])
    again = await calls.stub.CancelCampaign(action)  # a retried cancel changes nothing and tells no one again
    assert again.status == calls_pb2.CAMPAIGN_STATUS_CANCELLED
    await calls.running.context.relay.publish_pending()
    [told] = await read_events(calls.wallet.nats_url, "CALLS", "calls.campaign.cancelled")
    change = calls_events_pb2.CampaignChanged()
    assert told.payload.Unpack(change)
    assert (change.campaign_id, change.status) == (created.id, "cancelled")


async def hold_amounts(calls: CallsHarness, customer: str) -> list[int]:
    connection = await asyncpg.connect(calls.wallet.database_url)
    try:
        return [row["amount_cents"] for row in await connection.fetch(
            "SELECT amount_cents FROM holds WHERE customer_id = $1", customer)]
    finally:
        await connection.close()


async def test_money_running_out_pauses_the_campaign_and_says_why(calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(200)
    # $2.00 pays two holds of 5 minutes at 15 cents (75 each), then one of the 3 minutes the remaining
    # 50 cents afford (45): a call is shortened to what the wallet covers. The 5 cents left pay for no minute.
    await unlimited(calls, customer)
    callees = numbers(6, "+1646")
    for number in callees:
        await calls.script_callee(number, duration_ms=300_000)
    created = await campaign(calls, customer, callees)
    await calls.stub.StartCampaign(calls_pb2.CampaignActionRequest(idempotency_key="go", customer_id=customer,
                                                                   campaign_id=created.id))
    paused = await wait_for_status(calls, customer, created.id, calls_pb2.CAMPAIGN_STATUS_PAUSED, timeout=30)
    assert paused.pause_reason == "INSUFFICIENT_FUNDS"  # a code: the bot words it in the customer's language
    await calls.running.context.relay.publish_pending()
    events = await read_events(calls.wallet.nats_url, "CALLS", "calls.campaign.paused")
    assert len(events) == 1
    assert len(calls.retell.calls) == 3
    assert sorted(await hold_amounts(calls, customer)) == [45, 75, 75]


async def test_scheduled_start_reminder_and_catch_up_after_missed_minutes(calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(5_000)
    callee = "+14155550177"
    await calls.script_callee(callee, duration_ms=5_000)
    start = Timestamp()
    start.FromDatetime(calls.clock.now + timedelta(minutes=20))
    created = await campaign(calls, customer, [callee], start_at=start, reminder_minutes=10)
    assert created.status == calls_pb2.CAMPAIGN_STATUS_SCHEDULED

    async def tick(minute: int) -> common_pb2.TickResult:
        stamp = Timestamp()
        stamp.FromDatetime(calls.clock.now)
        return await calls.stub.RunCampaignTick(common_pb2.RunTickRequest(
            idempotency_key=f"tick:campaigns:{minute}", scheduled_at=stamp))

    calls.clock.advance(minutes=11)
    first, second = await asyncio.gather(tick(11), tick(11))
    assert first == second
    await calls.running.context.relay.publish_pending()
    assert len(await read_events(calls.wallet.nats_url, "CALLS", "calls.campaign.reminder")) == 1
    calls.clock.advance(minutes=1)
    await tick(12)
    assert len(await read_events(calls.wallet.nats_url, "CALLS", "calls.campaign.reminder")) == 1
    assert not calls.retell.calls
    calls.clock.advance(minutes=11)  # three minutes past the start; ticks 21-23 never ran
    await tick(23)
    done = await wait_for_status(calls, customer, created.id, calls_pb2.CAMPAIGN_STATUS_COMPLETED)
    assert done.totals.answered == 1


async def test_lists_with_garbage_duplicates_and_do_not_call_give_a_clear_report(calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(0)
    await calls.stub.AddDoNotCall(calls_pb2.AddDoNotCallRequest(idempotency_key="d", customer_id=customer,
                                                                number="+14155550188"))
    text = "number,name\n+14155550187,Ada\nnot a number,Bob\n+1 415 555 0187,Ada again\n+14155550188,Cy\n"
    report = await calls.stub.PreviewCallList(calls_pb2.PreviewCallListRequest(customer_id=customer,
                                                                                list=text.encode()))
    assert (report.accepted, report.invalid, report.duplicates, report.do_not_call) == (1, 1, 1, 1)
    assert report.do_not_call_examples == ["+14155550188"] and not report.refusal
    empty = await calls.stub.PreviewCallList(calls_pb2.PreviewCallListRequest(customer_id=customer, list=b""))
    assert empty.refusal == "the list has no numbers in it"


async def test_kill_switch_stops_calls_now_and_refuses_new_ones(calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(5_000)
    flow = await calls.flow(customer)
    await calls.script_callee("+14155550123", duration_ms=600_000)
    placed = await calls.call(customer, flow.id)
    for _ in range(100):
        if calls.retell.calls[placed.retell_call_id].record["call_status"] == "ongoing":
            break
        await asyncio.sleep(0.02)
    await calls.stub.SetCustomerLimits(calls_pb2.SetCustomerLimitsRequest(
        idempotency_key="kill", admin_telegram_id=ADMIN_ID, limits=calls_pb2.CustomerLimits(
            customer_id=customer, max_concurrent_calls=5, calls_per_hour=10, calls_per_day=10, suspended=True,
            suspension_reason="abuse report")))
    ended = await calls.settled(customer, placed.id, timeout=5)
    assert ended.disconnection_reason == "manual_stopped"
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await calls.call(customer, flow.id, number="+14155550124")
    assert refusal_reason(caught.value) == "CUSTOMER_SUSPENDED"


async def test_a_transfer_campaign_on_a_plan_without_transfer_pauses_instead_of_failing_its_list(
        calls: CallsHarness) -> None:
    """Prime 1 day excludes call transfer: that refusal holds for every callee alike, so the campaign
    pauses saying why and no callee is failed or dialled."""
    customer = await calls.customer_with_money(0)
    wallet = calls.wallet
    plans = {p.code: p for p in (await wallet.stub.ListPlans(wallet_pb2.ListPlansRequest())).plans}
    await wallet.credit(customer, plans["prime_1d"].price_cents + 1_000)
    await wallet.stub.BuySubscription(wallet_pb2.BuySubscriptionRequest(
        idempotency_key=wallet.key("buy"), customer_id=customer, plan_code="prime_1d"))
    spec = menu_flow("Front desk")
    spec.graph.nodes.append(calls_pb2.FlowNode(id="desk", kind=calls_pb2.NODE_KIND_TRANSFER,
                                               transfer_number="+14155550188"))
    menu = next(node for node in spec.graph.nodes if node.kind == calls_pb2.NODE_KIND_MENU)
    menu.edges.append(calls_pb2.FlowEdge(key="4", target_node_id="desk"))
    flow = await calls.flow(customer, spec)
    if flow.status != calls_pb2.FLOW_STATUS_APPROVED:  # a new customer's transfer waits for review
        await calls.stub.ReviewFlow(calls_pb2.ReviewFlowRequest(
            idempotency_key=calls.key("review"), admin_telegram_id=ADMIN_ID, flow_id=flow.id, approve=True))
    callees = numbers(3, "+1646")
    created = await calls.stub.CreateCampaign(calls_pb2.CreateCampaignRequest(
        idempotency_key=calls.key("campaign"), customer_id=customer, name="Desk", flow_id=flow.id,
        list="\n".join(callees).encode()))
    await calls.stub.StartCampaign(calls_pb2.CampaignActionRequest(idempotency_key="go", customer_id=customer,
                                                                   campaign_id=created.id))
    paused = await wait_for_status(calls, customer, created.id, calls_pb2.CAMPAIGN_STATUS_PAUSED, timeout=30)
    assert paused.pause_reason == "PLAN_HAS_NO_TRANSFER"
    assert paused.totals.failed == 0
    assert not calls.retell.calls
