"""Lines written by the calls service's batch writers carry the trace id of the call they are about
(services/runtime/tracing.py), not that of whichever webhook happened to start the batch writer: the
batched `call_ended` path (services/calls/ended_calls.py), whose worker tasks live on after the
request that started them."""

from __future__ import annotations

from services.runtime.tracing import trace_id_of
from tests.calls.conftest import CALLEE, CallsHarness
from tests.calls.test_webhook_attachment import event_body, post
from tests.log_lines import LogLines, log_lines  # noqa: F401

OTHER_CALLEE = "+14155550124"


async def test_a_refused_call_ended_is_logged_under_the_trace_of_the_call_it_names(
        calls: CallsHarness, log_lines: LogLines) -> None:  # noqa: F811
    customer = await calls.customer_with_money(1000)
    flow = await calls.flow(customer)
    for number in (CALLEE, OTHER_CALLEE):
        await calls.script_callee(number, manual=True)
    earlier = await calls.call(customer, flow.id, CALLEE)
    # The batch writer starts with this webhook, under the earlier call's trace.
    assert await post(calls, event_body("call_ended", earlier.retell_call_id, {})) == "accepted"
    named = await calls.call(customer, flow.id, OTHER_CALLEE)
    stranger = event_body("call_ended", "call_someone_else_0002", {"customer": customer, "call": named.id})
    assert await post(calls, stranger) == "mismatched_call"

    line = await log_lines.wait_for(logger="services.calls.call_updates", msg="call_someone_else_0002")
    assert line["trace_id"] == trace_id_of(named.id) != trace_id_of(earlier.id)
    assert line["level"] == "warning"
