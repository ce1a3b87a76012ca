"""Abuse controls (issue 9, part 4), against the calls service with its real wallet, the Retell
simulator, PostgreSQL and NATS: phishing-like scripts wait for an admin, caller IDs come only from
the pool, the kill switch stops a customer's calls and placed calls stay stopped, an opt-out holds
for every customer, and the per-customer caps hold when many calls are asked for at once.

Already covered elsewhere and not repeated here: the screening words one by one
(tests/calls/test_flow_rules.py), a PIN flow refused until approved and a do-not-call number refused
(tests/calls/test_webhook_and_refusals.py), the kill switch ending one ongoing call
(tests/calls/test_campaigns.py), an opt-out seen by CheckDoNotCall (tests/calls/test_calls_flow.py).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import grpc
import pytest

from services.calls.dispatcher import Dispatcher
from services.calls.servicer import KILL_SWITCH_RETRY_PAUSES, CallsServicer
from services.calls.text_screening import LabeledText, screen_texts
from services.runtime.grpc_client import refusal_reason
from speechcue.calls.v1 import calls_pb2
from speechcue.common.v1 import common_pb2
from tests.calls import conftest as calls_fixtures
from tests.calls.conftest import CallsHarness, menu_flow
from tests.calls.test_campaigns import numbers, unlimited, wait_for_status
from tests.wallet.conftest import ADMIN_ID

# The calls service with its wallet and the Retell simulator (tests/calls/conftest.py).
calls, sandbox_server, wallet = calls_fixtures.calls, calls_fixtures.sandbox_server, calls_fixtures.wallet

POOL = ("+14155550100", "+14155550101")
LONG_CALL = {"duration_ms": 600_000, "ring_ms": 0}


async def refused(attempt: object) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await attempt  # type: ignore[misc]
    return caught.value


async def until(condition: Callable[[], bool], *, within: float = 15.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "the condition was not met in time"
        await asyncio.sleep(0.02)


def at_retell(calls: CallsHarness, customer: str) -> list[dict[str, object]]:
    """Every call the simulator was asked to place for `customer`."""
    return [call.record for call in calls.retell.calls.values()
            if call.record["metadata"].get("customer") == customer]


def live_at_retell(calls: CallsHarness, customer: str) -> list[dict[str, object]]:
    return [record for record in at_retell(calls, customer) if record["call_status"] in ("registered", "ongoing")]


@contextmanager
def counted_dispatch_passes(calls: CallsHarness) -> Iterator[Callable[[], int]]:
    """Counts the passes the calls service's dispatcher finishes from now on (woken by a tick, a
    settlement or its half-second poll): after N of them, whatever they would dial has been dialled."""
    dispatcher: Dispatcher = next(part.servicer for part in calls.running.parts.grpc_services
                                  if isinstance(part.servicer, CallsServicer)).dispatcher
    finished = 0
    dispatch_once = dispatcher.dispatch_once

    async def counted() -> int:
        nonlocal finished
        try:
            return await dispatch_once()
        finally:
            finished += 1

    dispatcher.dispatch_once = counted  # type: ignore[method-assign]
    try:
        yield lambda: finished
    finally:
        dispatcher.dispatch_once = dispatch_once  # type: ignore[method-assign]


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def calls_service_warnings() -> Iterator[list[str]]:
    """What the calls service logs from now on (its servicer's logger), to wait for a give-up."""
    handler, logger = _Records(), logging.getLogger(CallsServicer.__module__)
    logger.addHandler(handler)
    try:
        yield handler.messages
    finally:
        logger.removeHandler(handler)


async def set_limits(calls: CallsHarness, customer: str, *, concurrent: int = 100, per_hour: int = 10_000,
                     suspended: bool = False) -> None:
    await calls.stub.SetCustomerLimits(calls_pb2.SetCustomerLimitsRequest(
        idempotency_key=calls.key("limits"), admin_telegram_id=ADMIN_ID, limits=calls_pb2.CustomerLimits(
            customer_id=customer, max_concurrent_calls=concurrent, calls_per_hour=per_hour, calls_per_day=10_000,
            suspended=suspended, suspension_reason="abuse report" if suspended else "")))


# ---- scripts asking for secrets go to review ---------------------------------------------------

@pytest.mark.parametrize("text", [
    "Please read me the code we just texted you.",
    "Enter your PIN followed by the hash key.",
    "Say your password after the tone.",
    "What is your passcode?",
    "This is your bank calling about your account.",
    "Chase fraud department here.",
    "Press 1 to speak to Wells Fargo.",
    "Type your pincode now.",
    "Enter your P.I.N. now.",
    "Enter your P I N now.",
    "Enter your P\u200bIN now.",          # a zero-width space inside the word
    "Enter your \uff30\uff29\uff2e now.",  # full-width letters
    "Enter your pass-word now.",
    "Say your one-time code.",
    "Your \u0412ank account is locked.",   # a Cyrillic В posing as a Latin B
])
def test_scripts_asking_for_secrets_or_naming_banks_go_to_review_even_disguised(text: str) -> None:
    assert screen_texts([LabeledText("step 'hello'", text)]), text


@pytest.mark.parametrize("text", [
    "Your table is ready. Press 1 to confirm.",
    "We are spinning up your order; press 2 to cancel.",
    "Our opening hours changed: we open at nine.",
    "Café Müller reminds you of your booking.",
])
def test_ordinary_scripts_are_not_sent_to_review(text: str) -> None:
    assert screen_texts([LabeledText("step 'hello'", text)]) == []


@pytest.mark.parametrize("place", ["node", "ai_prompt", "voicemail", "business", "name"])
async def test_a_flow_asking_for_a_pin_anywhere_waits_for_review_and_places_no_call(
        calls: CallsHarness, place: str) -> None:
    customer = await calls.customer_with_money(1_000)
    spec = menu_flow()
    wording = "Please confirm your PIN"
    if place == "node":
        spec.graph.nodes[0].text = wording
    elif place == "ai_prompt":
        spec = calls_pb2.FlowSpec(name="Assistant", kind=calls_pb2.FLOW_KIND_AI_SCRIPT, business_name="Acme",
                                  ai_prompt=f"Call the customer. {wording}.")
    elif place == "voicemail":
        spec.voicemail_action = calls_pb2.VOICEMAIL_ACTION_LEAVE_MESSAGE
        spec.voicemail_message = wording
    elif place == "business":
        spec.business_name = "Chase Bank"
    else:
        spec.name = "PIN reset"
    flow = await calls.flow(customer, spec)
    assert flow.status == calls_pb2.FLOW_STATUS_PENDING_REVIEW and flow.review_reasons
    error = await refused(calls.call(customer, flow.id))
    assert refusal_reason(error) == "FLOW_NOT_APPROVED"
    assert not at_retell(calls, customer)


async def test_editing_an_approved_flow_to_ask_for_a_password_waits_for_review_and_never_dials_the_edit(
        calls: CallsHarness) -> None:
    """Issue 14: an edit is a draft. Its campaign goes on with the approved version's agent while the
    edit that asks for a password waits for review; no call, before or after the edit, dials the edit."""
    customer = await calls.customer_with_money(20_000)
    await unlimited(calls, customer)
    flow = await calls.flow(customer)
    assert flow.status == calls_pb2.FLOW_STATUS_APPROVED
    approved_agent = flow.approved_retell_agent_id
    callees = numbers(30, prefix="+1415")
    for number in callees:
        await calls.script_callee(number, duration_ms=1_000, ring_ms=0)
    campaign = await calls.stub.CreateCampaign(calls_pb2.CreateCampaignRequest(
        idempotency_key=calls.key("campaign"), customer_id=customer, name="List", flow_id=flow.id,
        list="\n".join(callees).encode()))
    await set_limits(calls, customer, concurrent=1)
    await calls.stub.StartCampaign(calls_pb2.CampaignActionRequest(
        idempotency_key=calls.key("go"), customer_id=customer, campaign_id=campaign.id))
    await until(lambda: bool(at_retell(calls, customer)))

    edited = menu_flow()
    edited.graph.nodes[0].text = "Before we go on, say your password."
    changed = await calls.stub.UpdateFlow(calls_pb2.UpdateFlowRequest(
        idempotency_key=calls.key("edit"), customer_id=customer, flow_id=flow.id, spec=edited,
        expected_version=flow.version))
    assert changed.status == calls_pb2.FLOW_STATUS_PENDING_REVIEW
    assert changed.approved_retell_agent_id == approved_agent != changed.retell_agent_id
    placed_before_the_edit_was_saved = len(at_retell(calls, customer))

    await wait_for_status(calls, customer, campaign.id, calls_pb2.CAMPAIGN_STATUS_COMPLETED, timeout=60)
    dialled = at_retell(calls, customer)
    assert len(dialled) == len(callees) > placed_before_the_edit_was_saved
    assert {record["agent_id"] for record in dialled} == {approved_agent}


# ---- caller ID only from the pool ----------------------------------------------------------------

@pytest.mark.parametrize("caller_id", ["+14155550199", "+12125550100", "+1 (212) 555-0100", "14155550100"])
async def test_a_caller_id_outside_the_pool_is_refused_for_calls_and_campaigns(
        calls: CallsHarness, caller_id: str) -> None:
    customer = await calls.customer_with_money(1_000)
    flow = await calls.flow(customer)
    error = await refused(calls.call(customer, flow.id, caller_id=caller_id))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    campaign = await refused(calls.stub.CreateCampaign(calls_pb2.CreateCampaignRequest(
        idempotency_key=calls.key("campaign"), customer_id=customer, name="Spoof", flow_id=flow.id,
        list=b"+14155550131\n", caller_id=caller_id)))
    assert campaign.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert not at_retell(calls, customer)


async def test_a_disabled_pool_number_is_never_used_even_by_a_campaign_made_before(calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(5_000)
    await unlimited(calls, customer)
    flow = await calls.flow(customer)
    callees = numbers(3, prefix="+1415")
    for number in callees:
        await calls.script_callee(number, duration_ms=1_000, ring_ms=0)
    campaign = await calls.stub.CreateCampaign(calls_pb2.CreateCampaignRequest(
        idempotency_key=calls.key("campaign"), customer_id=customer, name="Pinned", flow_id=flow.id,
        list="\n".join(callees).encode(), caller_id=POOL[0]))
    await calls.stub.SetCallerIdEnabled(calls_pb2.SetCallerIdEnabledRequest(
        idempotency_key=calls.key("disable"), admin_telegram_id=ADMIN_ID, number=POOL[0], enabled=False))
    try:
        error = await refused(calls.call(customer, flow.id, caller_id=POOL[0]))
        assert refusal_reason(error) == "CALLER_ID_NOT_IN_POOL"
        await calls.script_callee("+14155550123", duration_ms=1_000, ring_ms=0)
        await calls.call(customer, flow.id, "+14155550123")
        await calls.stub.StartCampaign(calls_pb2.CampaignActionRequest(
            idempotency_key=calls.key("go"), customer_id=customer, campaign_id=campaign.id))
        await wait_for_status(calls, customer, campaign.id, calls_pb2.CAMPAIGN_STATUS_COMPLETED, timeout=30)
        pool = await calls.stub.ListCallerIds(calls_pb2.ListCallerIdsRequest(customer_id=customer))
        used = {record["from_number"] for record in at_retell(calls, customer)}
        assert used and POOL[0] not in used and used <= {caller.number for caller in pool.caller_ids}
    finally:
        await calls.stub.SetCallerIdEnabled(calls_pb2.SetCallerIdEnabledRequest(
            idempotency_key=calls.key("enable"), admin_telegram_id=ADMIN_ID, number=POOL[0], enabled=True))


# ---- the kill switch ---------------------------------------------------------------------------

async def test_kill_switch_stops_every_call_within_a_second_and_nothing_is_dialled_after(
        calls: CallsHarness) -> None:
    """Measured from sending SetCustomerLimits(suspended) to the simulator having ended every call
    of the customer (the product promise is one second; printed, not asserted), while a campaign runs
    and more StartCalls race the switch. Afterwards no StartCall, campaign pass or tick places a call."""
    customer = await calls.customer_with_money(100_000)
    await unlimited(calls, customer)
    flow = await calls.flow(customer)
    single, listed, racing, after = (numbers(5, "+1415")[:5], numbers(10, "+1510"), numbers(10, "+1650"),
                                     numbers(3, "+1707"))
    for number in [*single, *listed, *racing, *after]:
        await calls.script_callee(number, **LONG_CALL)
    for number in single:
        await calls.call(customer, flow.id, number)
    campaign = await calls.stub.CreateCampaign(calls_pb2.CreateCampaignRequest(
        idempotency_key=calls.key("campaign"), customer_id=customer, name="Big list", flow_id=flow.id,
        list="\n".join(listed).encode()))
    await set_limits(calls, customer, concurrent=10)
    await calls.stub.StartCampaign(calls_pb2.CampaignActionRequest(
        idempotency_key=calls.key("go"), customer_id=customer, campaign_id=campaign.id))
    await until(lambda: len(live_at_retell(calls, customer)) == 10)
    await set_limits(calls, customer, concurrent=100)

    race = [asyncio.ensure_future(calls.call(customer, flow.id, number)) for number in racing]
    await asyncio.sleep(0)
    started = time.perf_counter()
    await set_limits(calls, customer, suspended=True)
    answered = time.perf_counter() - started
    await asyncio.gather(*race, return_exceptions=True)
    while live_at_retell(calls, customer):
        if time.perf_counter() - started > 30:
            break
        await asyncio.sleep(0.005)
    stopped = time.perf_counter() - started
    placed = len(at_retell(calls, customer))
    # The figure is printed, not asserted: a test never depends on how loaded the machine is (the
    # one-second promise is measured on a quiet machine, see docs/reliability.md).
    print(f"\nkill switch: RPC answered in {answered * 1000:.0f} ms; {placed} calls placed, all ended at "
          f"Retell {stopped * 1000:.0f} ms after the switch was sent")
    assert not live_at_retell(calls, customer)

    for number in after:
        assert refusal_reason(await refused(calls.call(customer, flow.id, number))) == "CUSTOMER_SUSPENDED"
    try:  # the customer tries to resume the campaign the switch paused
        await calls.stub.ResumeCampaign(calls_pb2.CampaignActionRequest(
            idempotency_key=calls.key("resume"), customer_id=customer, campaign_id=campaign.id))
    except grpc.aio.AioRpcError:
        pass
    with counted_dispatch_passes(calls) as passes:
        await calls.stub.RunCampaignTick(common_pb2.RunTickRequest(idempotency_key=calls.key("tick:c")))
        await until(lambda: passes() >= 3)
    assert len(at_retell(calls, customer)) == placed
    # Paused by the switch, and completed once every callee's stopped call has settled (nothing is
    # left to dial): which of the two depends on how far settlement got, never running again.
    after_switch = await calls.stub.GetCampaign(calls_pb2.GetCampaignRequest(customer_id=customer,
                                                                              campaign_id=campaign.id))
    assert after_switch.status in (calls_pb2.CAMPAIGN_STATUS_PAUSED, calls_pb2.CAMPAIGN_STATUS_COMPLETED)


# ---- opt-out across customers --------------------------------------------------------------------

async def test_a_callee_who_opts_out_on_one_customers_call_is_refused_to_every_other_customer(
        calls: CallsHarness) -> None:
    callee = "+14155550177"
    first = await calls.customer_with_money(1_000)
    await calls.script_callee(callee, keys=[{"digit": "9", "at_ms": 1000}])
    placed = await calls.call(first, (await calls.flow(first)).id, callee)
    assert (await calls.settled(first, placed.id)).opted_out

    second = await calls.customer_with_money(5_000)
    flow = await calls.flow(second, menu_flow("Other Business"))
    for written in (callee, "+1 (415) 555-0177", "+1-415-555-0177"):
        error = await refused(calls.call(second, flow.id, written))
        assert refusal_reason(error) == "DO_NOT_CALL", written
    quote = await calls.stub.QuoteCall(calls_pb2.QuoteCallRequest(customer_id=second, flow_id=flow.id,
                                                                  to_number=callee))
    assert quote.blocked_reason == "DO_NOT_CALL"
    preview = await calls.stub.PreviewCallList(calls_pb2.PreviewCallListRequest(
        customer_id=second, list=f"{callee}\n+14155550178\n".encode()))
    assert (preview.accepted, preview.do_not_call) == (1, 1)
    await calls.script_callee("+14155550178", duration_ms=1_000, ring_ms=0)
    campaign = await calls.stub.CreateCampaign(calls_pb2.CreateCampaignRequest(
        idempotency_key=calls.key("campaign"), customer_id=second, name="After", flow_id=flow.id,
        list=f"{callee}\n+14155550178\n".encode()))
    await calls.stub.StartCampaign(calls_pb2.CampaignActionRequest(
        idempotency_key=calls.key("go"), customer_id=second, campaign_id=campaign.id))
    await wait_for_status(calls, second, campaign.id, calls_pb2.CAMPAIGN_STATUS_COMPLETED, timeout=30)
    assert [record["to_number"] for record in at_retell(calls, second)] == ["+14155550178"]


# ---- caps under concurrency ----------------------------------------------------------------------

async def test_many_concurrent_start_calls_never_exceed_the_concurrency_cap(calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(100_000)
    flow = await calls.flow(customer)
    await set_limits(calls, customer, concurrent=3)
    callees = numbers(24, "+1415")
    for number in callees:
        await calls.script_callee(number, **LONG_CALL)
    outcomes = await asyncio.gather(*(calls.call(customer, flow.id, number) for number in callees),
                                    return_exceptions=True)
    placed = [outcome for outcome in outcomes if isinstance(outcome, calls_pb2.Call)]
    reasons = {refusal_reason(outcome) for outcome in outcomes if isinstance(outcome, grpc.aio.AioRpcError)}
    unexpected = [outcome for outcome in outcomes if not isinstance(outcome, calls_pb2.Call | grpc.aio.AioRpcError)]
    print(f"\nconcurrency cap 3: {len(placed)} of {len(callees)} simultaneous StartCalls placed; refused: {reasons}")
    assert not unexpected
    assert len(placed) == 3 and len(live_at_retell(calls, customer)) == 3
    assert reasons == {"CALL_CAP_REACHED"}


async def test_many_concurrent_start_calls_never_exceed_the_hourly_cap(calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(100_000)
    flow = await calls.flow(customer)
    await set_limits(calls, customer, per_hour=4)
    callees = numbers(20, "+1510")
    for number in callees:
        await calls.script_callee(number, duration_ms=1_000, ring_ms=0)
    outcomes = await asyncio.gather(*(calls.call(customer, flow.id, number) for number in callees),
                                    return_exceptions=True)
    placed = [outcome for outcome in outcomes if isinstance(outcome, calls_pb2.Call)]
    assert len(placed) == 4 and len(at_retell(calls, customer)) == 4
    assert {refusal_reason(o) for o in outcomes if isinstance(o, grpc.aio.AioRpcError)} == {"CALL_CAP_REACHED"}


async def test_calls_the_kill_switch_could_not_stop_are_stopped_by_the_recovery_tick(calls: CallsHarness) -> None:
    """Retell down when the switch is thrown: the retries give up, the calls stay live at Retell, and
    the next recovery tick (every minute) asks Retell again until they are stopped."""
    customer = await calls.customer_with_money(100_000)
    flow = await calls.flow(customer)
    numbers_called = numbers(2, "+1808")
    for number in numbers_called:
        await calls.script_callee(number, **LONG_CALL)
        await calls.call(customer, flow.id, number)
    await wait_until(lambda: len(live_at_retell(calls, customer)) == 2)
    calls.retell.fail_for("error")
    with calls_service_warnings() as warnings:
        await set_limits(calls, customer, suspended=True)
        # The kill switch tries each call len(KILL_SWITCH_RETRY_PAUSES) times, then gives up on it.
        await wait_until(lambda: sum("could not be stopped at Retell" in text for text in warnings) == 2,
                         within=15 + sum(KILL_SWITCH_RETRY_PAUSES))
    assert len(live_at_retell(calls, customer)) == 2
    calls.retell.fail_for("")
    tick = await calls.stub.RunRecoveryTick(common_pb2.RunTickRequest(idempotency_key=calls.key("tick:recovery")))
    assert tick.succeeded >= 2
    await wait_until(lambda: not live_at_retell(calls, customer))


async def wait_until(condition: Callable[[], bool], within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "the condition did not come true in time"
        await asyncio.sleep(0.02)
