"""Custom outcomes through the calls service: the flow's fields reach Retell's agent, the answers Retell's
call_analyzed reports are kept per call (those that fit the fields the call was dialled with), a replay
changes nothing, ListCalls filters by an answer and lists leads, and the events carry counts only."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import timedelta
from typing import Any

import asyncpg
import httpx
from google.protobuf.timestamp_pb2 import Timestamp

from services.calls.custom_fields import CustomField, FieldType, field_message
from services.sandbox.retell_signing import retell_signature
from speechcue.calls.v1 import calls_pb2
from speechcue.common.v1 import common_pb2
from speechcue.events.v1 import calls_events_pb2
from tests.calls.conftest import CALLEE, RETELL_KEY, CallsHarness, menu_flow
from tests.event_reader import read_events

INTERESTED = CustomField("interested?", FieldType.YES_NO, "Did the callee say they are interested?", lead_answer="yes")
DAY = CustomField("preferred day", FieldType.CHOICE, "Which day suits the callee?", ("Mon", "Tue", "Wed"))
SEATS = CustomField("seats", FieldType.NUMBER, "How many seats")
NOTE = CustomField("note", FieldType.TEXT, "Anything the callee asked us to remember")
OTHER = "+14155550124"


def with_fields(*fields: CustomField) -> calls_pb2.FlowSpec:
    spec = menu_flow()
    spec.custom_fields.extend(field_message(field) for field in fields)
    return spec


def answers_of(call: calls_pb2.Call) -> list[tuple[str, str, bool]]:
    return [(answer.name, answer.value, answer.lead) for answer in call.custom_answers]


async def post_webhook(calls: CallsHarness, event: str, record: dict[str, Any]) -> dict[str, Any]:
    body = json.dumps({"event": event, "call": record}, separators=(",", ":"))
    async with httpx.AsyncClient() as client:
        answer = await client.post(f"{calls.settings.speechcue_public_base_url}/webhooks/retell", content=body.encode(),
                                   headers={"X-Retell-Signature": retell_signature(body, RETELL_KEY)})
    answer.raise_for_status()
    return dict(answer.json())


async def test_the_answers_retell_reports_are_kept_in_the_fields_order_and_those_that_fit_only(
        calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(1000)
    flow = await calls.flow(customer, with_fields(INTERESTED, DAY, SEATS))
    agent = calls.retell.agents[flow.approved_retell_agent_id or flow.retell_agent_id]
    assert [item["name"] for item in agent["post_call_analysis_data"]] == [
        "call_summary", "interested?", "preferred day", "seats"]
    await calls.script_callee(CALLEE, answers={"preferred day": "tue", "interested?": True, "seats": "lots"})
    placed = await calls.call(customer, flow.id)
    call = await calls.settled(customer, placed.id, analyzed=True)
    # "lots" is no number: dropped; "tue" is the option as the customer wrote it.
    assert answers_of(call) == [("interested?", "yes", True), ("preferred day", "Tue", False)]


async def test_a_replayed_call_analyzed_changes_no_answer_and_announces_nothing_again(calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(1000)
    flow = await calls.flow(customer, with_fields(INTERESTED, NOTE))
    await calls.script_callee(CALLEE, answers={"interested?": True, "note": "call me on Tuesday morning"})
    placed = await calls.call(customer, flow.id)
    call = await calls.settled(customer, placed.id, analyzed=True)
    record = calls.retell.get_call(call.retell_call_id)
    for _ in range(2):
        replay = {**record, "call_analysis": {**record["call_analysis"],
                                              "custom_analysis_data": {"interested?": False, "note": "changed"}}}
        assert await post_webhook(calls, "call_analyzed", replay) == {"status": "duplicate"}
    again = await calls.stub.GetCall(calls_pb2.GetCallRequest(customer_id=customer, call_id=call.id))
    assert answers_of(again) == [("interested?", "yes", True), ("note", "call me on Tuesday morning", False)]

    await calls.running.context.relay.publish_pending()
    events = await read_events(calls.wallet.nats_url, "CALLS", "calls.call.analyzed")
    assert len(events) == 1
    analyzed = calls_events_pb2.CallAnalyzed()
    events[0].payload.Unpack(analyzed)
    # Counts and a flag: the answers themselves are the customer's, read with GetCall.
    assert (analyzed.custom_answers, analyzed.lead) == (2, True)
    assert b"Tuesday" not in events[0].SerializeToString()


async def test_a_call_reads_its_answers_by_the_fields_it_was_dialled_with(calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(1000)
    flow = await calls.flow(customer, with_fields(INTERESTED))
    await calls.script_callee(CALLEE, manual=True)  # rings until the test's webhooks end it
    placed = await calls.call(customer, flow.id)
    # The flow's next version asks something else; the ringing call still has its own question.
    await calls.stub.UpdateFlow(calls_pb2.UpdateFlowRequest(
        idempotency_key=calls.key("edit"), customer_id=customer, flow_id=flow.id, expected_version=flow.version,
        spec=with_fields(DAY)))
    record = calls.retell.get_call(placed.retell_call_id)
    analysis = {"call_summary": "Interested.", "user_sentiment": "Positive", "call_successful": True,
                "in_voicemail": False, "custom_analysis_data": {"interested?": "no", "preferred day": "Mon"}}
    assert await post_webhook(calls, "call_analyzed", {**record, "call_analysis": analysis}) == {
        "status": "accepted"}
    call = await calls.stub.GetCall(calls_pb2.GetCallRequest(customer_id=customer, call_id=placed.id))
    assert answers_of(call) == [("interested?", "no", False)]


async def test_calls_are_listed_by_an_answer_and_leads_on_their_own(calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(2000)
    flow = await calls.flow(customer, with_fields(INTERESTED, DAY))
    await calls.script_callee(CALLEE, answers={"interested?": True, "preferred day": "Mon"})
    await calls.script_callee(OTHER, answers={"interested?": False, "preferred day": "Mon"})
    keen = await calls.settled(customer, (await calls.call(customer, flow.id)).id, analyzed=True)
    not_keen = await calls.settled(customer, (await calls.call(customer, flow.id, number=OTHER)).id, analyzed=True)

    async def listed(**filters: Any) -> list[str]:
        answer = await calls.stub.ListCalls(calls_pb2.ListCallsRequest(customer_id=customer, **filters))
        return [call.id for call in answer.calls]

    assert await listed(answer_field="interested?", answer_value="yes") == [keen.id]
    assert await listed(answer_field="interested?", answer_value="no") == [not_keen.id]
    assert set(await listed(answer_field="preferred day", answer_value="Mon")) == {keen.id, not_keen.id}
    assert await listed(answer_field="preferred day", answer_value="Tue") == []
    assert await listed(leads_only=True) == [keen.id]
    # Another customer's leads are not this one's.
    stranger = await calls.customer_with_money(0)
    answer = await calls.stub.ListCalls(calls_pb2.ListCallsRequest(customer_id=stranger, leads_only=True))
    assert list(answer.calls) == []


async def test_the_retention_purges_the_answers_and_keeps_the_lead(calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(1000)
    flow = await calls.flow(customer, with_fields(INTERESTED, NOTE))
    await calls.script_callee(CALLEE, answers={"interested?": True, "note": "ring my mobile after six"})
    call = await calls.settled(customer, (await calls.call(customer, flow.id)).id, analyzed=True)
    assert len(call.custom_answers) == 2
    connection = await asyncpg.connect(calls.database_url)
    try:
        await connection.execute("UPDATE calls SET created_at = $2 WHERE id = $1", call.id,
                                 calls.clock.now - timedelta(days=calls.settings.calls_retention_days + 1))
    finally:
        await connection.close()
    scheduled = Timestamp()
    scheduled.FromDatetime(calls.clock.now)
    await calls.stub.RunRetentionTick(common_pb2.RunTickRequest(idempotency_key="tick:retention:answers",
                                                                scheduled_at=scheduled))
    purged = await calls.stub.GetCall(calls_pb2.GetCallRequest(customer_id=customer, call_id=call.id))
    assert list(purged.custom_answers) == []
    leads = await calls.stub.ListCalls(calls_pb2.ListCallsRequest(customer_id=customer, leads_only=True))
    assert [lead.id for lead in leads.calls] == [call.id]


async def campaign_calling_both(calls: CallsHarness, customer: str,
                                flow_id: str) -> tuple[calls_pb2.Campaign, list[calls_pb2.Call]]:
    """A started campaign "Offer" of CALLEE and OTHER, and its two calls once both are placed."""
    created = await calls.stub.CreateCampaign(calls_pb2.CreateCampaignRequest(
        idempotency_key=calls.key("campaign"), customer_id=customer, name="Offer", flow_id=flow_id,
        list=f"{CALLEE}\n{OTHER}".encode()))
    await calls.stub.StartCampaign(calls_pb2.CampaignActionRequest(idempotency_key=calls.key("go"),
                                                                   customer_id=customer, campaign_id=created.id))
    placed: list[calls_pb2.Call] = []
    for _ in range(600):
        placed = list((await calls.stub.ListCalls(calls_pb2.ListCallsRequest(
            customer_id=customer, campaign_id=created.id))).calls)
        if len(placed) == 2:
            break
        await asyncio.sleep(0.05)
    return created, placed


async def test_the_campaign_report_has_a_column_per_field_with_each_callees_answer(calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(2000)
    flow = await calls.flow(customer, with_fields(INTERESTED, DAY))
    await calls.script_callee(CALLEE, answers={"interested?": True, "preferred day": "Tue"})
    await calls.script_callee(OTHER, answers={"interested?": "no"})
    created, placed = await campaign_calling_both(calls, customer, flow.id)
    for call in placed:
        await calls.settled(customer, call.id, analyzed=True)
    report = await calls.stub.GetCampaignReport(calls_pb2.GetCampaignRequest(customer_id=customer,
                                                                            campaign_id=created.id))
    rows = list(csv.DictReader(io.StringIO(report.csv.decode())))
    assert [(row["number"], row["answer:yes_no:interested?"], row["answer:choice:preferred day"]) for row in rows] == [
        (CALLEE, "yes", "Tue"), (OTHER, "no", "")]
