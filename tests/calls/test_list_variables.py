"""Every column a variable, through the service: a campaign list's columns reach each callee's call as
Retell's `retell_llm_dynamic_variables` (read from what the Retell simulator recorded of each
create-phone-call), on every attempt; the callee hears the words filled in; a list or a single call
without a value the flow says is refused, naming what is missing."""

from __future__ import annotations

import asyncio
import json

import asyncpg
import grpc
import pytest

from services.calls.flow_compiler import CALLEE_DATA_VARIABLE
from services.runtime.grpc_client import refusal_metadata, refusal_reason
from speechcue.calls.v1 import calls_pb2
from tests.calls.conftest import CallsHarness
from tests.calls.test_campaigns import wait_for_status

ADA, BOB, CY = "+14155550191", "+14155550192", "+14155550193"


def reminder_flow() -> calls_pb2.FlowSpec:
    return calls_pb2.FlowSpec(
        name="Payment reminder", kind=calls_pb2.FLOW_KIND_GRAPH, business_name="Acme Dental",
        graph=calls_pb2.FlowGraph(start_node_id="hello", nodes=[
            calls_pb2.FlowNode(id="hello", kind=calls_pb2.NODE_KIND_MESSAGE,
                               text="Hello {{first_name}}, your payment of {{amount}} is due.",
                               edges=[calls_pb2.FlowEdge(key="next", target_node_id="bye")]),
            calls_pb2.FlowNode(id="bye", kind=calls_pb2.NODE_KIND_END, text="Thank you, {{first_name}}. Goodbye."),
        ]))


async def approved_reminder(calls: CallsHarness, customer: str) -> calls_pb2.Flow:
    flow = await calls.flow(customer, reminder_flow())
    assert flow.status == calls_pb2.FLOW_STATUS_APPROVED, flow.review_reasons
    return flow


async def create(calls: CallsHarness, customer: str, flow_id: str, text: str, **fields: object) -> calls_pb2.Campaign:
    return await calls.stub.CreateCampaign(calls_pb2.CreateCampaignRequest(
        idempotency_key=calls.key("campaign"), customer_id=customer, name="Reminders", flow_id=flow_id,
        list=text.encode(), **fields))


async def test_each_callee_is_called_with_the_values_of_its_own_line_on_every_attempt(calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(20_000)
    flow = await approved_reminder(calls, customer)
    await calls.script_callee(ADA, duration_ms=2_000)
    await calls.script_callee(BOB, duration_ms=2_000)
    await calls.script_callee(CY, outcome="no_answer", ring_ms=200)
    created = await create(calls, customer, flow.id,
                           f"phone,First Name,amount\n{ADA},Ada,$12.50\n{BOB},Bob,$3\n{CY},Cy,$7\n",
                           retry=calls_pb2.RetryPolicy(max_attempts=2, spacing_minutes=0))
    assert list(created.import_report.variables) == ["first_name", "amount", "name"]
    assert dict(created.import_report.first_callee) == {"first_name": "Ada", "amount": "$12.50", "name": "Ada"}
    await calls.stub.StartCampaign(calls_pb2.CampaignActionRequest(idempotency_key=calls.key("go"),
                                                                   customer_id=customer, campaign_id=created.id))
    await wait_for_status(calls, customer, created.id, calls_pb2.CAMPAIGN_STATUS_COMPLETED)

    sent: dict[str, list[dict[str, str]]] = {}
    for simulated in calls.retell.calls.values():
        sent.setdefault(simulated.record["to_number"], []).append(simulated.record["retell_llm_dynamic_variables"])
    assert {number: len(requests) for number, requests in sent.items()} == {ADA: 1, BOB: 1, CY: 2}
    expected = {ADA: ("Ada", "$12.50"), BOB: ("Bob", "$3"), CY: ("Cy", "$7")}
    for number, requests in sent.items():
        first_name, amount = expected[number]
        for variables in requests:  # every attempt carries the line's values
            assert {key: value for key, value in variables.items() if key != CALLEE_DATA_VARIABLE} == {
                "first_name": first_name, "amount": amount, "name": first_name}
            assert json.loads(variables[CALLEE_DATA_VARIABLE])["amount"] == amount
    # What the callee heard, in the transcript Retell reports: the words with the values filled in.
    ada = next(simulated for simulated in calls.retell.calls.values() if simulated.record["to_number"] == ADA)
    assert "Hello Ada, your payment of $12.50 is due." in ada.record["transcript"]
    assert "Thank you, Ada. Goodbye." in ada.record["transcript"] and "{{" not in ada.record["transcript"]

    connection = await asyncpg.connect(calls.database_url)
    try:
        kept = await connection.fetch("SELECT number, variables FROM campaign_callees WHERE campaign_id = $1 "
                                      "ORDER BY position", created.id)
    finally:
        await connection.close()
    assert [(row["number"], json.loads(row["variables"])["amount"]) for row in kept] == [
        (ADA, "$12.50"), (BOB, "$3"), (CY, "$7")]


async def test_a_list_with_lines_lacking_a_value_is_refused_naming_the_lines(calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(5_000)
    flow = await approved_reminder(calls, customer)
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await create(calls, customer, flow.id, f"phone,first_name,amount\n{ADA},Ada,$1\n{BOB},Bob,\n{CY},,$2\n")
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert refusal_reason(caught.value) == "LIST_LACKS_VARIABLES"
    metadata = refusal_metadata(caught.value)
    assert (metadata["lines"], metadata["lacking"]) == ("3:amount;4:first_name", "2")
    assert "list lines 3, 4 have no value" in (caught.value.details() or "")
    assert not calls.retell.calls


async def test_a_list_without_a_column_the_flow_says_is_refused_naming_it(calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(5_000)
    flow = await approved_reminder(calls, customer)
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await create(calls, customer, flow.id, f"phone,first_name\n{ADA},Ada\n")
    assert refusal_reason(caught.value) == "LIST_LACKS_VARIABLES"
    assert refusal_metadata(caught.value)["missing"] == "amount"


async def test_a_single_call_without_the_flows_values_is_refused_and_with_them_carries_them(
        calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(5_000)
    flow = await approved_reminder(calls, customer)
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await calls.call(customer, flow.id, number=ADA, variables={"first_name": "Ada"})
    assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert refusal_reason(caught.value) == "FLOW_NEEDS_VARIABLES"
    assert refusal_metadata(caught.value)["variables"] == "amount"
    assert not calls.retell.calls
    await calls.script_callee(ADA, duration_ms=1_000)
    placed = await calls.call(customer, flow.id, number=ADA, variables={"first_name": "Ada", "amount": "$5"})
    for _ in range(200):
        if calls.retell.calls:
            break
        await asyncio.sleep(0.05)
    (simulated,) = calls.retell.calls.values()
    assert simulated.record["retell_llm_dynamic_variables"]["amount"] == "$5"
    await calls.settled(customer, placed.id)


async def test_a_campaign_whose_flow_starts_saying_a_variable_its_list_lacks_pauses_saying_why(
        calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(5_000)
    flow = await approved_reminder(calls, customer)
    created = await create(calls, customer, flow.id, f"phone,first_name,amount\n{ADA},Ada,$1\n")
    edited = reminder_flow()
    edited.graph.nodes[1].text = "Your invoice {{invoice}} is attached. Goodbye."
    updated = await calls.stub.UpdateFlow(calls_pb2.UpdateFlowRequest(
        idempotency_key=calls.key("edit"), customer_id=customer, flow_id=flow.id, spec=edited,
        expected_version=flow.version))
    assert updated.approved_version == 2, updated.review_reasons
    await calls.stub.StartCampaign(calls_pb2.CampaignActionRequest(idempotency_key=calls.key("go"),
                                                                   customer_id=customer, campaign_id=created.id))
    paused = await wait_for_status(calls, customer, created.id, calls_pb2.CAMPAIGN_STATUS_PAUSED)
    assert paused.pause_reason == "FLOW_NEEDS_VARIABLES" and paused.totals.pending == 1
    assert not calls.retell.calls
