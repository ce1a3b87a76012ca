"""A campaign and its calls followed through the services by their trace ids
(services/runtime/tracing.py): the campaign's dialling, the wallet's holds included, carries the
campaign's own id, and every Retell webhook of a call carries that call's id."""

from __future__ import annotations

from speechcue.calls.v1 import calls_pb2
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
