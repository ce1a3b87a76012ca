"""A campaign and its calls followed through the services by their trace ids
(services/runtime/tracing.py): the campaign's dialling, the wallet's holds included, carries the
campaign's own id; every Retell webhook of a call, and the `calls.call.ended` event its settlement
publishes, carry that call's id."""

from __future__ import annotations

import nats

from services.runtime.tracing import NATS_HEADER
from speechcue.calls.v1 import calls_pb2
from speechcue.events.v1 import calls_events_pb2, envelope_pb2
from tests.calls.conftest import CallsHarness
from tests.calls.test_campaigns import campaign, numbers, unlimited, wait_for_status
from tests.log_lines import LogLines, log_lines  # noqa: F401


async def test_a_campaign_is_followed_by_its_id_and_each_of_its_calls_by_the_calls_id(
        calls: CallsHarness, log_lines: LogLines) -> None:  # noqa: F811
    customer = await calls.customer_with_money(10_000)
    await unlimited(calls, customer)
    callees = numbers(2, "+1628")
    for number in callees:
        await calls.script_callee(number, duration_ms=20_000)
    created = await campaign(calls, customer, callees)
    await calls.stub.StartCampaign(calls_pb2.CampaignActionRequest(idempotency_key=calls.key("go"),
                                                                   customer_id=customer, campaign_id=created.id))
    await wait_for_status(calls, customer, created.id, calls_pb2.CAMPAIGN_STATUS_COMPLETED)

    dialling = log_lines.traced(created.id.replace("-", ""))
    holds = [line for line in dialling if line["msg"].startswith("PlaceHold: OK")]
    assert len(holds) == 2, "the wallet's hold of each call, under the campaign's trace"
    placed = (await calls.stub.ListCalls(calls_pb2.ListCallsRequest(customer_id=customer))).calls
    # Each placing names its call, whose id is the trace of its webhooks.
    assert sorted(line["call_id"] for line in dialling if line["msg"].startswith("call placed")) == \
        sorted(call.id for call in placed)
    for call in placed:
        await log_lines.wait_for(logger="services.calls.webhook", msg="retell call_ended",
                                 trace_id=call.id.replace("-", ""))
        webhooks = [line for line in log_lines.traced(call.id.replace("-", ""))
                    if line["logger"] == "services.calls.webhook"]
        assert {line["msg"].split(":")[0] for line in webhooks} >= {"retell call_started", "retell call_ended"}

    ended_headers = await ended_event_traces(calls.wallet.nats_url, {call.id for call in placed})
    assert ended_headers == {call.id: call.id.replace("-", "") for call in placed}


async def ended_event_traces(nats_url: str, call_ids: set[str]) -> dict[str, str]:
    """Per call id, the trace header of its `calls.call.ended` event on the CALLS stream."""
    client = await nats.connect(nats_url)
    try:
        subscription = await client.jetstream().subscribe("calls.call.ended", ordered_consumer=True)
        found: dict[str, str] = {}
        while set(found) != call_ids:
            message = await subscription.next_msg(timeout=15)
            ended = calls_events_pb2.CallEnded()
            envelope_pb2.Envelope.FromString(message.data).payload.Unpack(ended)
            if ended.call_id in call_ids:
                found[ended.call_id] = (message.headers or {}).get(NATS_HEADER, "")
        return found
    finally:
        await client.close()
