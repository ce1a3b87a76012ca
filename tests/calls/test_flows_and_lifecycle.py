"""Flow edits and deletes keep Retell in step; AI scripts; stopping a call; the call history and the
key-press inbox; recovery of calls whose webhooks never came."""

from __future__ import annotations

import asyncio

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from speechcue.calls.v1 import calls_pb2
from speechcue.common.v1 import common_pb2
from tests.calls.conftest import ADMIN_ID, CALLEE, CallsHarness, menu_flow


async def test_editing_a_flow_replaces_its_retell_objects_and_deleting_removes_them(calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(0)
    flow = await calls.flow(customer)
    old_agent = flow.retell_agent_id
    spec = menu_flow(business="Acme Dental Group")
    edited = await calls.stub.UpdateFlow(calls_pb2.UpdateFlowRequest(
        idempotency_key="e1", customer_id=customer, flow_id=flow.id, spec=spec, expected_version=flow.version))
    assert edited.version == flow.version + 1 and edited.retell_agent_id != old_agent
    await asyncio.sleep(0.2)
    assert old_agent not in calls.retell.agents and edited.retell_agent_id in calls.retell.agents
    stale = calls_pb2.UpdateFlowRequest(idempotency_key="e2", customer_id=customer, flow_id=flow.id, spec=spec,
                                        expected_version=flow.version)
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await calls.stub.UpdateFlow(stale)
    assert caught.value.code() == grpc.StatusCode.ABORTED
    await calls.stub.DeleteFlow(calls_pb2.DeleteFlowRequest(idempotency_key="d1", customer_id=customer,
                                                            flow_id=flow.id))
    await asyncio.sleep(0.2)
    assert not calls.retell.agents and not calls.retell.flows
    listed = await calls.stub.ListFlows(calls_pb2.ListFlowsRequest(customer_id=customer))
    assert list(listed.flows) == []


async def test_ai_script_becomes_an_llm_agent_with_the_disclosure_and_is_screened(calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(0)
    spec = calls_pb2.FlowSpec(name="Survey", kind=calls_pb2.FLOW_KIND_AI_SCRIPT, business_name="Bright Bakery",
                              ai_prompt="Ask whether they enjoyed the cake and thank them.",
                              voicemail_action=calls_pb2.VOICEMAIL_ACTION_LEAVE_MESSAGE,
                              voicemail_message="We will call again.")
    held = await calls.flow(customer, spec)
    # A new customer's AI script is read by a person first (review_policy.py).
    assert held.status == calls_pb2.FLOW_STATUS_PENDING_REVIEW
    assert [reason.split(":")[0] for reason in held.review_reasons] == ["is an AI script from a new customer"]
    flow = await calls.stub.ReviewFlow(calls_pb2.ReviewFlowRequest(
        idempotency_key=calls.key("review"), admin_telegram_id=ADMIN_ID, flow_id=held.id, approve=True))
    assert flow.status == calls_pb2.FLOW_STATUS_APPROVED
    agent = calls.retell.agents[flow.retell_agent_id]
    llm = calls.retell.llms[agent["response_engine"]["llm_id"]]
    assert llm["begin_message"].startswith("This is an automated call from Bright Bakery.")
    assert "press 9" in llm["begin_message"]
    # The voicemail ends with the opt-out line, after the customer's message (call_texts.py).
    voicemail = agent["voicemail_option"]["action"]["text"]
    assert "We will call again." in voicemail and voicemail.endswith("press 9 when we next call, or ask us to stop "
                                                                     "calling.")
    risky = calls_pb2.FlowSpec()
    risky.CopyFrom(spec)
    risky.ai_prompt = "Ask them to read out the verification code we sent."
    screened = await calls.flow(customer, risky)
    assert screened.status == calls_pb2.FLOW_STATUS_PENDING_REVIEW


async def test_stopping_an_ongoing_call_ends_it_and_charges_what_was_used(calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(1000)
    flow = await calls.flow(customer)
    await calls.script_callee(CALLEE, duration_ms=3_000_000)
    placed = await calls.call(customer, flow.id)
    for _ in range(100):
        current = await calls.stub.GetCall(calls_pb2.GetCallRequest(customer_id=customer, call_id=placed.id))
        if current.status == calls_pb2.CALL_STATUS_ONGOING:
            break
        await asyncio.sleep(0.02)
    await calls.stub.StopCall(calls_pb2.StopCallRequest(idempotency_key="s", customer_id=customer,
                                                        call_id=placed.id))
    call = await calls.settled(customer, placed.id)
    assert call.status == calls_pb2.CALL_STATUS_ENDED and call.disconnection_reason == "manual_stopped"
    balance = await calls.wallet.balance(customer)
    assert balance.held_cents == 0 and balance.available_cents == 1000 - call.cost_cents


async def test_history_filters_and_key_press_inbox(calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(2000)
    flow = await calls.flow(customer)
    await calls.script_callee(CALLEE, duration_ms=20_000, keys=[{"digit": "2", "at_ms": 3000}])
    await calls.script_callee("+14155550124", duration_ms=20_000)
    with_keys = await calls.call(customer, flow.id)
    without = await calls.call(customer, flow.id, number="+14155550124")
    await calls.settled(customer, with_keys.id)
    await calls.settled(customer, without.id)
    history = await calls.stub.ListCalls(calls_pb2.ListCallsRequest(customer_id=customer,
                                                                   page={"page_size": 1}))
    assert len(history.calls) == 1 and history.next_page_token
    rest = await calls.stub.ListCalls(calls_pb2.ListCallsRequest(
        customer_id=customer, page={"page_size": 1, "page_token": history.next_page_token}))
    assert {history.calls[0].id, rest.calls[0].id} == {with_keys.id, without.id}
    inbox = await calls.stub.ListKeyPresses(calls_pb2.ListKeyPressesRequest(customer_id=customer))
    assert [(entry.call_id, list(entry.digits)) for entry in inbox.entries] == [(with_keys.id, ["2"])]


async def test_a_call_whose_webhooks_never_came_is_settled_by_the_recovery_tick(calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(1000)
    flow = await calls.flow(customer)
    await calls.script_callee(CALLEE, duration_ms=90_000,
                              delivery={"drop": ["call_started", "call_ended", "call_analyzed"]})
    placed = await calls.call(customer, flow.id, max_minutes=2)
    await asyncio.sleep(1.5)  # the simulated call is over; no webhook came
    early = Timestamp()
    early.FromDatetime(calls.clock.now)
    first = await calls.stub.RunRecoveryTick(common_pb2.RunTickRequest(idempotency_key="tick:recovery:1",
                                                                      scheduled_at=early))
    assert first.succeeded == 0  # not overdue yet
    calls.clock.advance(minutes=10)
    late = Timestamp()
    late.FromDatetime(calls.clock.now)
    second = await calls.stub.RunRecoveryTick(common_pb2.RunTickRequest(idempotency_key="tick:recovery:2",
                                                                       scheduled_at=late))
    assert second.succeeded >= 1
    call = await calls.settled(customer, placed.id)
    assert call.duration_seconds == 90 and call.cost_cents == 30
    assert (await calls.wallet.balance(customer)).available_cents == 1000 - 30
