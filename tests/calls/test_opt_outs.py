"""Every opt-out holds, for every flow kind: the flow's opt-out key among the call's key presses, or a
spoken "stop calling me" (Retell's DNC detection), puts the number on the platform's do-not-call list,
a second call to it is refused, and a campaign never dials it again. The rule itself (opt_outs.py) is
checked with cases and Hypothesis first; then through the real services and the Retell simulator."""

from __future__ import annotations

import asyncio
import dataclasses

import asyncpg
import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from hypothesis import given
from hypothesis import strategies as st

from services.calls.flow_compiler import OPT_OUT_NODE
from services.calls.flow_rules import DIGIT_KEYS
from services.calls.opt_outs import POSSIBLE_KEYS, is_opt_out, keys_that_opt_out
from services.calls.retell_events import RetellCallFacts, read_call
from services.runtime.grpc_client import refusal_reason
from speechcue.calls.v1 import calls_pb2
from speechcue.common.v1 import common_pb2
from tests.calls.conftest import CallsHarness, menu_flow
from tests.wallet.conftest import ADMIN_ID

# ---- the rule -----------------------------------------------------------------------------------


def ended(*entries: dict[str, str], reason: str = "user_hangup") -> RetellCallFacts:
    return read_call("call_ended", {"call_id": "call_1", "call_status": "ended", "duration_ms": 30_000,
                                    "disconnection_reason": reason, "transcript_with_tool_calls": list(entries)})


def dtmf(digit: str) -> dict[str, str]:
    return {"role": "dtmf", "digit": digit}


@pytest.mark.parametrize(("facts", "key", "expected"), [
    (ended(dtmf("1"), dtmf("9")), "9", True),
    (ended(dtmf("1"), dtmf("2")), "9", False),
    (ended(dtmf("#")), "#", True),
    (ended(dtmf("9")), "#", False),
    (ended(reason="user_requested_dnc"), "9", True),
    (ended(reason="user_requested_dnc"), "", True),
    (ended({"role": "node_transition", "former_node_id": "menu", "new_node_id": OPT_OUT_NODE}), "9", True),
    (ended({"role": "node_transition", "former_node_id": "menu", "new_node_id": "bye"}), "9", False),
    (ended(dtmf("9")), "", False),  # a call admitted before keys were recorded
    (ended({"role": "user", "content": "press 9"}, reason="agent_hangup"), "9", False),
    (ended({"role": "dtmf", "digit": "99"}), "9", False),  # not one key: not a key press at all
    # Retell kept no transcript (an unrecorded call read by get-call): the keys are unknown.
    (read_call("call_ended", {"call_id": "c", "call_status": "ended", "duration_ms": 30_000}), "9", True),
    (read_call("call_ended", {"call_id": "c", "call_status": "ended", "duration_ms": 30_000}), "", False),
    (read_call("call_ended", {"call_id": "c", "call_status": "not_connected", "duration_ms": 0,
                              "disconnection_reason": "dial_no_answer"}), "9", False),
])
def test_an_opt_out_is_the_flows_key_pressed_or_a_request_not_to_be_called(
        facts: RetellCallFacts, key: str, expected: bool) -> None:
    assert is_opt_out(facts, key) is expected


@given(digits=st.lists(st.sampled_from(DIGIT_KEYS), max_size=12),
       reason=st.sampled_from(["user_hangup", "agent_hangup", "user_requested_dnc", "voicemail_reached"]),
       entered=st.lists(st.sampled_from(["menu", "bye", OPT_OUT_NODE]), max_size=3))
def test_the_keys_a_statement_looks_up_agree_with_the_rule_for_every_key(
        digits: list[str], reason: str, entered: list[str]) -> None:
    facts = dataclasses.replace(ended(reason=reason), digits=tuple(digits), nodes_entered=tuple(entered))
    opting = keys_that_opt_out(facts)
    for key in POSSIBLE_KEYS:
        assert (key in opting) is is_opt_out(facts, key)
    assert set(digits) <= set(opting)  # any key pressed opts out a flow whose key it is


# ---- through the services -----------------------------------------------------------------------

AI_SCRIPT = calls_pb2.FlowSpec(
    name="Delivery notice", kind=calls_pb2.FLOW_KIND_AI_SCRIPT, business_name="Acme Parcels",
    ai_prompt="Tell the callee their parcel arrives tomorrow between nine and twelve, and answer questions "
              "about the delivery window.")
FLOW_KINDS = {"graph": menu_flow(), "ai_script": AI_SCRIPT}
OPT_OUTS = {"key": {"keys": [{"digit": "9", "at_ms": 3000}]}, "spoken": {"stop_calling_at_ms": 3000}}


async def approved_flow(calls: CallsHarness, customer: str, spec: calls_pb2.FlowSpec) -> calls_pb2.Flow:
    """The flow, approved by an admin if the policy held it (an AI script of a new customer is)."""
    flow = await calls.flow(customer, spec)
    if flow.status == calls_pb2.FLOW_STATUS_PENDING_REVIEW:
        flow = await calls.stub.ReviewFlow(calls_pb2.ReviewFlowRequest(
            idempotency_key=calls.key("review"), admin_telegram_id=ADMIN_ID, flow_id=flow.id, approve=True,
            note="A delivery notice."))
    assert flow.status == calls_pb2.FLOW_STATUS_APPROVED
    return flow


async def refused(call: object) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call  # type: ignore[misc]
    return raised.value


@pytest.mark.parametrize("how", OPT_OUTS)
@pytest.mark.parametrize("kind", FLOW_KINDS)
async def test_an_opt_out_puts_the_number_on_the_do_not_call_list_and_refuses_the_next_call(
        calls: CallsHarness, kind: str, how: str) -> None:
    callee = "+14155550161"
    customer = await calls.customer_with_money(2_000)
    flow = await approved_flow(calls, customer, FLOW_KINDS[kind])
    await calls.script_callee(callee, duration_ms=20_000, **OPT_OUTS[how])
    placed = await calls.call(customer, flow.id, callee)
    call = await calls.settled(customer, placed.id)
    assert call.opted_out
    if how == "spoken":
        assert call.disconnection_reason == "user_requested_dnc"
        assert callee in calls.retell.do_not_call  # Retell's own mark: honor_internal_dnc's second net
    other = await calls.customer_with_money(1_000)
    check = await calls.stub.CheckDoNotCall(calls_pb2.CheckDoNotCallRequest(customer_id=other, number=callee))
    assert check.blocked
    error = await refused(calls.call(customer, flow.id, callee))
    assert refusal_reason(error) == "DO_NOT_CALL"
    assert sum(1 for c in calls.retell.calls.values() if c.record["to_number"] == callee) == 1


async def recovered_without_webhooks(calls: CallsHarness, callee: str, keys: list[dict[str, object]], *,
                                     record: bool) -> tuple[str, calls_pb2.Flow, calls_pb2.Call]:
    """A call whose webhooks never came, ended at Retell, then settled by the recovery tick."""
    customer = await calls.customer_with_money(2_000)
    flow = await approved_flow(calls, customer, AI_SCRIPT)
    await calls.script_callee(callee, duration_ms=20_000, keys=keys,
                              delivery={"drop": ["call_started", "call_ended", "call_analyzed"]})
    placed = await calls.call(customer, flow.id, callee, max_minutes=2, record=record)
    deadline = asyncio.get_running_loop().time() + 60
    while not any(c.record["to_number"] == callee and c.record["call_status"] == "ended"
                  for c in calls.retell.calls.values()):  # over at Retell; no webhook came
        assert asyncio.get_running_loop().time() < deadline, "the simulated call never ended"
        await asyncio.sleep(0.05)
    calls.clock.advance(minutes=10)
    late = Timestamp()
    late.FromDatetime(calls.clock.now)
    await calls.stub.RunRecoveryTick(common_pb2.RunTickRequest(idempotency_key=calls.key("tick"), scheduled_at=late))
    return customer, flow, placed


@pytest.mark.parametrize("record", [True, False])
async def test_an_opt_out_whose_webhooks_never_came_holds_once_the_recovery_tick_asks_retell(
        calls: CallsHarness, record: bool) -> None:
    callee = "+14155550165"
    customer, flow, placed = await recovered_without_webhooks(calls, callee, [{"digit": "9", "at_ms": 3000}],
                                                              record=record)
    assert (await calls.settled(customer, placed.id)).opted_out
    error = await refused(calls.call(customer, flow.id, callee))
    assert refusal_reason(error) == "DO_NOT_CALL"


@pytest.mark.parametrize(("record", "opted_out"), [(True, False), (False, True)])
async def test_a_call_whose_keys_retell_did_not_keep_protects_the_callee_when_no_webhook_came(
        calls: CallsHarness, record: bool, opted_out: bool) -> None:
    """No key pressed: a recorded call's transcript shows it, so the callee stays callable; an
    unrecorded call keeps no transcript at Retell (basic attributes only), so whether the callee
    pressed the opt-out key cannot be known and the callee is protected."""
    callee = "+14155550166"
    customer, flow, placed = await recovered_without_webhooks(calls, callee, [{"digit": "1", "at_ms": 3000}],
                                                              record=record)
    assert (await calls.settled(customer, placed.id)).opted_out is opted_out
    if opted_out:
        assert refusal_reason(await refused(calls.call(customer, flow.id, callee))) == "DO_NOT_CALL"


async def test_without_the_opt_out_key_or_a_request_the_number_stays_callable(calls: CallsHarness) -> None:
    callee = "+14155550162"
    customer = await calls.customer_with_money(2_000)
    flow = await approved_flow(calls, customer, AI_SCRIPT)
    await calls.script_callee(callee, duration_ms=20_000, keys=[{"digit": "1", "at_ms": 3000}])
    call = await calls.settled(customer, (await calls.call(customer, flow.id, callee)).id)
    assert not call.opted_out and list(call.digits) == ["1"]
    check = await calls.stub.CheckDoNotCall(calls_pb2.CheckDoNotCallRequest(customer_id=customer, number=callee))
    assert not check.blocked


@pytest.mark.parametrize("kind", FLOW_KINDS)
async def test_a_campaign_never_dials_again_a_callee_who_opted_out_on_the_first_try(
        calls: CallsHarness, kind: str) -> None:
    opting, other = "+14155550163", "+14155550164"
    customer = await calls.customer_with_money(5_000)
    flow = await approved_flow(calls, customer, FLOW_KINDS[kind])
    await calls.script_callee(opting, duration_ms=20_000, keys=[{"digit": "9", "at_ms": 3000}])
    await calls.script_callee(other, duration_ms=5_000)
    created = await calls.stub.CreateCampaign(calls_pb2.CreateCampaignRequest(
        idempotency_key=calls.key("campaign"), customer_id=customer, name="Deliveries", flow_id=flow.id,
        list=f"{opting}\n{other}".encode(), retry=calls_pb2.RetryPolicy(max_attempts=3, spacing_minutes=1)))
    await calls.stub.StartCampaign(calls_pb2.CampaignActionRequest(
        idempotency_key=calls.key("go"), customer_id=customer, campaign_id=created.id))
    done = await wait_for_completion(calls, customer, created.id)
    for _ in range(3):  # past every retry's spacing: nothing is left to dial
        calls.clock.advance(minutes=2)
        await asyncio.sleep(0.3)
    dialled = [c.record["to_number"] for c in calls.retell.calls.values()]
    assert dialled.count(opting) == 1 and dialled.count(other) == 1
    assert done.totals.attempts == 2
    connection = await asyncpg.connect(calls.database_url)
    try:
        row = await connection.fetchrow("SELECT status, outcome, attempts FROM campaign_callees "
                                        "WHERE campaign_id = $1 AND number = $2", created.id, opting)
    finally:
        await connection.close()
    assert (row["outcome"], row["attempts"]) == ("opted_out", 1) and row["status"] != "pending"


async def wait_for_completion(calls: CallsHarness, customer: str, campaign_id: str,
                              timeout: float = 60.0) -> calls_pb2.Campaign:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        current = await calls.stub.GetCampaign(calls_pb2.GetCampaignRequest(customer_id=customer,
                                                                            campaign_id=campaign_id))
        if current.status == calls_pb2.CAMPAIGN_STATUS_COMPLETED:
            return current
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"campaign did not complete: {current}")
        await asyncio.sleep(0.1)
