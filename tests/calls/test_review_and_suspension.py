"""The admin's review queue and the kill switch through the real calls service, wallet and Retell
simulator: the queue pages through every waiting flow oldest first, a customer's record adds up, and
a suspension pauses campaigns (CUSTOMER_SUSPENDED), fails queued calls with their holds released,
stops live calls and tells the customer once; lifting it tells them again."""

from __future__ import annotations

import asyncio

from speechcue.calls.v1 import calls_pb2
from speechcue.common.v1 import common_pb2
from speechcue.events.v1 import calls_events_pb2
from tests.calls.conftest import CallsHarness, menu_flow
from tests.calls.test_line_waiting import BUSY_CALLEE, WAITING_CALLEE
from tests.event_reader import read_events
from tests.wallet.conftest import ADMIN_ID


def held_flow(name: str) -> calls_pb2.FlowSpec:
    spec = menu_flow()
    spec.name = name
    spec.graph.nodes[0].text = "Please say your password after the tone."
    return spec


async def approved_flow(calls: CallsHarness, customer: str) -> calls_pb2.Flow:
    """A menu flow the customer may call with: approved by an admin if the policy held it (a new customer)."""
    flow = await calls.flow(customer)
    if flow.status == calls_pb2.FLOW_STATUS_PENDING_REVIEW:
        flow = await calls.stub.ReviewFlow(calls_pb2.ReviewFlowRequest(
            idempotency_key=calls.key("review"), admin_telegram_id=ADMIN_ID, flow_id=flow.id, approve=True,
            note="fine"))
    assert flow.status == calls_pb2.FLOW_STATUS_APPROVED
    return flow


async def review_queue(calls: CallsHarness, page_size: int) -> list[list[calls_pb2.Flow]]:
    pages, token = [], ""
    while True:
        page = await calls.stub.ListFlowsForReview(calls_pb2.ListFlowsForReviewRequest(
            admin_telegram_id=ADMIN_ID, page=common_pb2.PageRequest(page_size=page_size, page_token=token)))
        pages.append(list(page.flows))
        token = page.next_page_token
        if not token:
            return pages


async def test_the_review_queue_pages_through_every_waiting_flow_oldest_first(calls: CallsHarness) -> None:
    first, second = await calls.customer_with_money(0), await calls.customer_with_money(0)
    made = []
    for index in range(23):
        calls.clock.advance(seconds=1)
        flow = await calls.flow(first if index % 2 else second, held_flow(f"Held {index:02d}"))
        assert flow.status == calls_pb2.FLOW_STATUS_PENDING_REVIEW
        made.append(flow.id)

    pages = await review_queue(calls, 10)
    assert [len(page) for page in pages] == [10, 10, 3]
    assert [flow.id for page in pages for flow in page] == made

    # Reviewing flows of the first page does not make the next page skip any.
    token_after_first = (await calls.stub.ListFlowsForReview(calls_pb2.ListFlowsForReviewRequest(
        admin_telegram_id=ADMIN_ID, page=common_pb2.PageRequest(page_size=10)))).next_page_token
    for flow_id in made[:4]:
        await calls.stub.ReviewFlow(calls_pb2.ReviewFlowRequest(
            idempotency_key=calls.key("review"), admin_telegram_id=ADMIN_ID, flow_id=flow_id, approve=True,
            note="fine"))
    second_page = await calls.stub.ListFlowsForReview(calls_pb2.ListFlowsForReviewRequest(
        admin_telegram_id=ADMIN_ID, page=common_pb2.PageRequest(page_size=10, page_token=token_after_first)))
    assert [flow.id for flow in second_page.flows] == made[10:20]
    assert [flow.id for page in await review_queue(calls, 10) for flow in page] == made[4:]

    opened = await calls.stub.GetFlowForReview(calls_pb2.GetFlowForReviewRequest(admin_telegram_id=ADMIN_ID,
                                                                                 flow_id=made[5]))
    assert opened.customer_id == first and opened.spec.graph.nodes[0].text.startswith("Please say your password")


async def test_a_customers_record_counts_their_flows_and_calls(calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(1_000)
    approved = await approved_flow(calls, customer)
    held = [await calls.flow(customer, held_flow(f"Held {index}")) for index in range(3)]
    await calls.stub.ReviewFlow(calls_pb2.ReviewFlowRequest(
        idempotency_key=calls.key("review"), admin_telegram_id=ADMIN_ID, flow_id=held[0].id, approve=False,
        note="asks for a password"))
    await calls.script_callee("+14155550161", duration_ms=20_000)
    await calls.script_callee("+14155550162", outcome="no_answer")
    answered = await calls.call(customer, approved.id, "+14155550161")
    unanswered = await calls.call(customer, approved.id, "+14155550162")
    await calls.settled(customer, answered.id)
    await calls.settled(customer, unanswered.id)

    record = await calls.stub.GetCustomerRecord(calls_pb2.GetCustomerRecordRequest(admin_telegram_id=ADMIN_ID,
                                                                                   customer_id=customer))
    assert (record.flows_approved, record.flows_rejected, record.flows_waiting) == (1, 1, 2)
    assert (record.calls_placed, record.calls_answered, record.campaigns) == (2, 1, 0)
    assert len(record.recent_flows) == 4 and len(record.recent_calls) == 2
    assert not record.limits.suspended


async def suspend(calls: CallsHarness, customer: str, on: bool) -> calls_pb2.CustomerLimits:
    return await calls.stub.SetCustomerLimits(calls_pb2.SetCustomerLimitsRequest(
        idempotency_key=calls.key("limits"), admin_telegram_id=ADMIN_ID, limits=calls_pb2.CustomerLimits(
            customer_id=customer, max_concurrent_calls=5, calls_per_hour=100, calls_per_day=100, suspended=on,
            suspension_reason="abuse report" if on else "")))


async def suspensions(calls: CallsHarness, customer: str) -> list[tuple[str, calls_events_pb2.CustomerSuspension]]:
    found = []
    for envelope in await read_events(calls.wallet.nats_url, "CALLS", "calls.customer.>"):
        if envelope.customer_id == customer:
            change = calls_events_pb2.CustomerSuspension()
            envelope.payload.Unpack(change)
            found.append((envelope.type, change))
    return found


async def test_a_suspension_pauses_campaigns_fails_queued_calls_stops_live_ones_and_tells_the_customer(
        calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(5_000)
    flow = await approved_flow(calls, customer)
    # The only line taken by a call long enough to outlast the test, and a second call waiting for it.
    calls.retell.concurrency_limit = 1
    await calls.script_callee(BUSY_CALLEE, duration_ms=7_000_000)
    live_call = await calls.call(customer, flow.id, BUSY_CALLEE, max_minutes=120)
    waiting = await calls.call(customer, flow.id, WAITING_CALLEE)
    assert waiting.waiting_for_line
    campaign = await calls.stub.CreateCampaign(calls_pb2.CreateCampaignRequest(
        idempotency_key=calls.key("campaign"), customer_id=customer, name="Reminders", flow_id=flow.id,
        list=b"+14155550171\n+14155550172\n"))
    await calls.stub.StartCampaign(calls_pb2.CampaignActionRequest(
        idempotency_key=calls.key("go"), customer_id=customer, campaign_id=campaign.id))
    held_before = (await calls.wallet.balance(customer)).held_cents
    assert held_before > 0

    await suspend(calls, customer, True)

    paused = await calls.stub.GetCampaign(calls_pb2.GetCampaignRequest(customer_id=customer, campaign_id=campaign.id))
    assert (paused.status, paused.pause_reason) == (calls_pb2.CAMPAIGN_STATUS_PAUSED, "CUSTOMER_SUSPENDED")
    failed = await calls.settled(customer, waiting.id)
    assert (failed.status, failed.failure_reason) == (calls_pb2.CALL_STATUS_FAILED, "CUSTOMER_SUSPENDED")
    assert all(call.record["to_number"] != WAITING_CALLEE for call in calls.retell.calls.values())
    stopped = await calls.settled(customer, live_call.id, timeout=10)
    assert stopped.disconnection_reason == "manual_stopped"
    balance = await calls.wallet.balance(customer)
    assert balance.held_cents == 0 and balance.available_cents == 5_000 - stopped.cost_cents

    await suspend(calls, customer, True)  # again: nothing new to tell
    await suspend(calls, customer, False)
    for _ in range(100):
        told = await suspensions(calls, customer)
        if len(told) == 2:
            break
        await asyncio.sleep(0.05)
    assert [subject for subject, _ in told] == ["calls.customer.suspended", "calls.customer.unsuspended"]
    change = told[0][1]
    assert (change.suspended, change.campaigns_paused, change.calls_stopped) == (True, 1, 1)
    assert change.calls_failed >= 1  # the call waiting for a line (and any campaign call not yet dialled)
    assert not told[1][1].suspended
    # Lifted: the customer calls again, and resumes the campaign themselves.
    await calls.script_callee("+14155550173", duration_ms=1_000)
    again = await calls.call(customer, flow.id, "+14155550173")
    assert again.status != calls_pb2.CALL_STATUS_FAILED
