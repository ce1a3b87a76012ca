"""The version that dials is the version that was approved: an edit of an approved flow is a draft
with its own Retell agent, and until it is approved every call (StartCall, the line waiter, a
campaign) dials the approved agent; rejecting the draft changes nothing for calls; approving a
harmless edit switches new calls to it, and the replaced agent is deleted only once no call uses it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import grpc
import pytest

from services.runtime.grpc_client import refusal_reason
from speechcue.calls.v1 import calls_pb2
from speechcue.common.v1 import common_pb2
from tests.calls.conftest import CallsHarness
from tests.calls.flow_versions import approved_flow, asking_for_a_pin, edit, reminder, review
from tests.wallet.conftest import ADMIN_ID

BUSY_CALLEE = "+14155550160"
WAITING_CALLEE = "+14155550161"
LATER_CALLEE = "+14155550162"
AFTER_REJECTION_CALLEE = "+14155550163"
AFTER_APPROVAL_CALLEE = "+14155550164"


def dialled_agents(calls: CallsHarness, number: str) -> list[str]:
    """The agent of every create-phone-call Retell accepted for `number` (the body's override_agent_id)."""
    return [call.record["agent_id"] for call in calls.retell.calls.values() if call.record["to_number"] == number]


async def eventually(condition: Callable[[], bool], *, timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("the condition did not come true in time")
        await asyncio.sleep(0.05)


async def test_an_approved_flow_edited_to_ask_for_a_pin_keeps_dialling_its_approved_agent(
        calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(2_000)
    flow = await approved_flow(calls, customer)
    approved_agent = flow.approved_retell_agent_id

    # The only line is busy; a single call waits for it, admitted with version 1's agent.
    calls.retell.concurrency_limit = 1
    await calls.script_callee(BUSY_CALLEE, duration_ms=5_000_000)
    busy = await calls.call(customer, flow.id, BUSY_CALLEE)
    waiting = await calls.call(customer, flow.id, WAITING_CALLEE)
    assert waiting.waiting_for_line

    # The customer edits the flow to ask for a PIN: a draft, held for review, with its own agent.
    drafted = await edit(calls, customer, flow, asking_for_a_pin())
    assert drafted.status == calls_pb2.FLOW_STATUS_PENDING_REVIEW and drafted.review_reasons
    assert (drafted.version, drafted.approved_version) == (2, 1)
    assert drafted.approved_retell_agent_id == approved_agent
    draft_agent = drafted.retell_agent_id
    assert draft_agent != approved_agent and draft_agent in calls.retell.agents
    assert approved_agent in calls.retell.agents  # still serving
    listed = await calls.stub.ListFlows(calls_pb2.ListFlowsRequest(customer_id=customer))
    assert [(f.id, f.approved_version) for f in listed.flows] == [(flow.id, 1)]  # still in the pickers
    queue = await calls.stub.ListFlowsForReview(calls_pb2.ListFlowsForReviewRequest(
        admin_telegram_id=ADMIN_ID, page=common_pb2.PageRequest(page_size=50)))
    assert flow.id in [f.id for f in queue.flows]

    # The line frees: the call the line waiter places dials the approved agent.
    await calls.stub.StopCall(calls_pb2.StopCallRequest(idempotency_key=calls.key("stop"), customer_id=customer,
                                                        call_id=busy.id))
    placed = await calls.settled(customer, waiting.id, timeout=30)
    assert placed.status == calls_pb2.CALL_STATUS_ENDED
    assert dialled_agents(calls, WAITING_CALLEE) == [approved_agent]

    # A new StartCall dials the approved agent too.
    later = await calls.call(customer, flow.id, LATER_CALLEE)
    await calls.settled(customer, later.id, timeout=30)
    assert dialled_agents(calls, LATER_CALLEE) == [approved_agent]

    # Rejecting the draft leaves version 1 dialling.
    rejected = await review(calls, flow.id, approve=False, note="A reminder must not ask for a PIN.")
    assert rejected.status == calls_pb2.FLOW_STATUS_REJECTED
    assert (rejected.approved_version, rejected.approved_retell_agent_id) == (1, approved_agent)
    after_rejection = await calls.call(customer, flow.id, AFTER_REJECTION_CALLEE)
    await calls.settled(customer, after_rejection.id, timeout=30)
    assert dialled_agents(calls, AFTER_REJECTION_CALLEE) == [approved_agent]
    assert not any(call.record["agent_id"] == draft_agent for call in calls.retell.calls.values())

    # A harmless edit, once approved, switches new calls to its agent; the replaced ones are deleted.
    harmless = await edit(calls, customer, rejected, reminder("Your appointment is tomorrow at eleven."))
    if harmless.status == calls_pb2.FLOW_STATUS_PENDING_REVIEW:
        harmless = await review(calls, flow.id, approve=True)
    assert (harmless.status, harmless.approved_version) == (calls_pb2.FLOW_STATUS_APPROVED, 3)
    new_agent = harmless.approved_retell_agent_id
    assert new_agent == harmless.retell_agent_id and new_agent not in (approved_agent, draft_agent)
    assert approved_agent not in calls.retell.agents  # no call uses it: deleted with the approval
    await eventually(lambda: draft_agent not in calls.retell.agents)
    after_approval = await calls.call(customer, flow.id, AFTER_APPROVAL_CALLEE)
    await calls.settled(customer, after_approval.id, timeout=30)
    assert dialled_agents(calls, AFTER_APPROVAL_CALLEE) == [new_agent]
    assert (await calls.wallet.ledger()).ok


async def test_a_waiting_call_dials_the_newly_approved_agent_and_the_old_one_outlives_its_live_call(
        calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(2_000)
    flow = await approved_flow(calls, customer)
    old_agent = flow.approved_retell_agent_id
    calls.retell.concurrency_limit = 1
    await calls.script_callee(BUSY_CALLEE, duration_ms=5_000_000)
    busy = await calls.call(customer, flow.id, BUSY_CALLEE)
    waiting = await calls.call(customer, flow.id, WAITING_CALLEE)
    drafted = await edit(calls, customer, flow, asking_for_a_pin())
    approved = await review(calls, flow.id, approve=True, note="the PIN is the customer's own booking code")
    assert approved.approved_version == 2 and approved.approved_retell_agent_id == drafted.retell_agent_id
    # The busy call still talks through version 1's agent: kept, not deleted under it.
    assert old_agent in calls.retell.agents

    await calls.stub.StopCall(calls_pb2.StopCallRequest(idempotency_key=calls.key("stop"), customer_id=customer,
                                                        call_id=busy.id))
    await calls.settled(customer, busy.id, timeout=30)
    await calls.settled(customer, waiting.id, timeout=30)
    # Admitted with version 1, dialled after version 2 was approved: the approved agent of now.
    assert dialled_agents(calls, WAITING_CALLEE) == [drafted.retell_agent_id]
    await calls.stub.RunRecoveryTick(common_pb2.RunTickRequest(idempotency_key=calls.key("tick")))
    assert old_agent not in calls.retell.agents  # no live call names it any more


async def test_a_flow_never_approved_is_not_dialled_whatever_its_edits(calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(1_000)
    flow = await calls.flow(customer, asking_for_a_pin())
    assert (flow.status, flow.approved_version) == (calls_pb2.FLOW_STATUS_PENDING_REVIEW, 0)
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await calls.call(customer, flow.id, LATER_CALLEE)
    assert refusal_reason(refused.value) == "FLOW_NOT_APPROVED"
    quote = await calls.stub.QuoteCall(calls_pb2.QuoteCallRequest(customer_id=customer, flow_id=flow.id,
                                                                  to_number=LATER_CALLEE))
    assert (quote.allowed_now, quote.blocked_reason) == (False, "FLOW_NOT_APPROVED")
    rejected = await review(calls, flow.id, approve=False)
    with pytest.raises(grpc.aio.AioRpcError) as refused_again:
        await calls.call(customer, rejected.id, LATER_CALLEE)
    assert refusal_reason(refused_again.value) == "FLOW_NOT_APPROVED"
    assert dialled_agents(calls, LATER_CALLEE) == []


async def test_a_campaign_started_while_an_edit_waits_dials_the_approved_agent_with_its_retries(
        calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(5_000)
    flow = await approved_flow(calls, customer)
    drafted = await edit(calls, customer, flow, asking_for_a_pin())
    assert drafted.status == calls_pb2.FLOW_STATUS_PENDING_REVIEW
    callees = ["+14155550170", "+14155550171"]
    await calls.script_callee(callees[0], outcome="no_answer", ring_ms=200)  # tried twice
    await calls.script_callee(callees[1], duration_ms=10_000, ring_ms=100)
    created = await calls.stub.CreateCampaign(calls_pb2.CreateCampaignRequest(
        idempotency_key=calls.key("campaign"), customer_id=customer, name="Reminders", flow_id=flow.id,
        list="\n".join(callees).encode(), default_region="US",
        retry=calls_pb2.RetryPolicy(max_attempts=2, spacing_minutes=0)))
    await calls.stub.StartCampaign(calls_pb2.CampaignActionRequest(idempotency_key=calls.key("go"),
                                                                   customer_id=customer, campaign_id=created.id))
    await eventually(lambda: len(dialled_agents(calls, callees[0])) == 2 and bool(dialled_agents(calls, callees[1])),
                     timeout=60)
    every_dial = dialled_agents(calls, callees[0]) + dialled_agents(calls, callees[1])
    assert set(every_dial) == {flow.approved_retell_agent_id}


async def test_a_call_waiting_when_its_flow_is_deleted_fails_undialled_and_its_hold_comes_back(
        calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(1_000)
    flow = await approved_flow(calls, customer)
    calls.retell.concurrency_limit = 1
    await calls.script_callee(BUSY_CALLEE, duration_ms=5_000_000)
    busy = await calls.call(customer, flow.id, BUSY_CALLEE)
    waiting = await calls.call(customer, flow.id, WAITING_CALLEE)
    await calls.stub.DeleteFlow(calls_pb2.DeleteFlowRequest(idempotency_key=calls.key("delete"),
                                                            customer_id=customer, flow_id=flow.id))
    assert flow.approved_retell_agent_id in calls.retell.agents  # the busy call still talks through it

    await calls.stub.StopCall(calls_pb2.StopCallRequest(idempotency_key=calls.key("stop"), customer_id=customer,
                                                        call_id=busy.id))
    failed = await calls.settled(customer, waiting.id, timeout=30)
    assert (failed.status, failed.failure_reason) == (calls_pb2.CALL_STATUS_FAILED, "FLOW_NOT_APPROVED")
    assert dialled_agents(calls, WAITING_CALLEE) == []
    ended = await calls.settled(customer, busy.id, timeout=30)
    balance = await calls.wallet.balance(customer)
    assert (balance.held_cents, balance.available_cents) == (0, 1_000 - ended.cost_cents)
    await calls.stub.RunRecoveryTick(common_pb2.RunTickRequest(idempotency_key=calls.key("tick")))
    assert flow.approved_retell_agent_id not in calls.retell.agents
