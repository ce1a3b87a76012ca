"""Premium-rate, shared-cost and not-allowed-country numbers are refused for calls and transfers, at
every door a number comes in by, before any money is held or Retell is asked; and a call always
goes out from a caller ID that can reach its callee (Retell's own numbers call the US only)."""

from __future__ import annotations

import grpc
import pytest

from services.runtime.grpc_client import refusal_reason
from speechcue.calls.v1 import calls_pb2
from tests.calls.conftest import CallsHarness
from tests.wallet.conftest import ADMIN_ID

RETELL_NUMBERS = ("+14155550100", "+14155550101", "+14155550102")
IMPORTED = "+442071838700"  # the sandbox's number imported to Retell (phone_number_type custom)
LONDON_LANDLINE = "+442071838750"


async def refused(attempt: object) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await attempt  # type: ignore[misc]
    return caught.value


async def nothing_held_or_dialled(calls: CallsHarness, customer: str, cents: int) -> None:
    assert (await calls.wallet.balance(customer)).available_cents == cents
    assert not calls.retell.create_requests


@pytest.mark.parametrize(("number", "reason"), [
    ("+19002345678", "PREMIUM_RATE"),  # US 900
    ("+449012345678", "PREMIUM_RATE"),  # UK 09
    ("+448712345678", "PREMIUM_RATE"),  # UK 0871
    ("+4918012345", "SHARED_COST"),  # DE 0180
    ("+33884012345", "SHARED_COST"),  # FR 0884
    ("+18002345678", "NUMBER_TYPE_NOT_ALLOWED"),  # toll-free
    ("+447012345678", "NUMBER_TYPE_NOT_ALLOWED"),  # UK 070 personal
    ("+2348031234567", "COUNTRY_NOT_ALLOWED"),  # a Nigerian mobile
])
async def test_a_call_to_a_number_whose_owner_is_paid_or_abroad_is_refused_before_money_or_retell(
        calls: CallsHarness, number: str, reason: str) -> None:
    customer = await calls.customer_with_money(1_000)
    flow = await calls.flow(customer)
    quote = await calls.stub.QuoteCall(calls_pb2.QuoteCallRequest(customer_id=customer, flow_id=flow.id,
                                                                  to_number=number))
    assert not quote.allowed_now and quote.blocked_reason == reason
    error = await refused(calls.call(customer, flow.id, number))
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION and refusal_reason(error) == reason
    assert number in (error.details() or "") or "Nigeria" in (error.details() or "")
    await nothing_held_or_dialled(calls, customer, 1_000)


async def test_a_uk_callee_gets_the_imported_caller_id_and_never_a_retell_number(calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(5_000)
    flow = await calls.flow(customer)
    await calls.script_callee(LONDON_LANDLINE, duration_ms=1_000, ring_ms=0)
    reaching = await calls.stub.ListCallerIds(calls_pb2.ListCallerIdsRequest(customer_id=customer,
                                                                             to_number=LONDON_LANDLINE))
    assert [caller.number for caller in reaching.caller_ids] == [IMPORTED]
    for key in range(4):  # the spread over the pool never lands on a Retell number
        placed = await calls.call(customer, flow.id, LONDON_LANDLINE, idempotency_key=f"uk-{key}")
        assert placed.caller_id == IMPORTED
    error = await refused(calls.call(customer, flow.id, LONDON_LANDLINE, caller_id=RETELL_NUMBERS[0]))
    assert refusal_reason(error) == "CALLER_ID_CANNOT_REACH"
    assert "US numbers only" in (error.details() or "")


async def test_without_a_caller_id_that_reaches_the_country_the_number_is_refused_naming_it(
        calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(1_000)
    flow = await calls.flow(customer)
    await calls.stub.SetCallerIdEnabled(calls_pb2.SetCallerIdEnabledRequest(
        idempotency_key=calls.key("off"), admin_telegram_id=ADMIN_ID, number=IMPORTED, enabled=False))
    try:
        check = await calls.stub.CheckDestination(calls_pb2.CheckDestinationRequest(customer_id=customer,
                                                                                    number=LONDON_LANDLINE))
        assert (check.allowed, check.reason, check.country) == (False, "NO_CALLER_ID_REACHES", "GB")
        assert list(check.callable_countries) == ["US"]
        error = await refused(calls.call(customer, flow.id, LONDON_LANDLINE))
        assert refusal_reason(error) == "NO_CALLER_ID_REACHES" and "United Kingdom" in (error.details() or "")
        await nothing_held_or_dialled(calls, customer, 1_000)
    finally:
        await calls.stub.SetCallerIdEnabled(calls_pb2.SetCallerIdEnabledRequest(
            idempotency_key=calls.key("on"), admin_telegram_id=ADMIN_ID, number=IMPORTED, enabled=True))


async def test_check_destination_answers_without_changing_anything(calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(0)

    async def check(number: str, region: str = "") -> calls_pb2.CheckDestinationResponse:
        return await calls.stub.CheckDestination(calls_pb2.CheckDestinationRequest(
            customer_id=customer, number=number, default_region=region))

    ok = await check("(415) 555-0123", "US")
    assert (ok.allowed, ok.number, ok.country, ok.number_type) == (True, "+14155550123", "US", "FIXED_LINE_OR_MOBILE")
    assert {"US", "GB", "FR"} <= set(ok.callable_countries)
    premium = await check("+44 909 879 0000")
    assert (premium.allowed, premium.reason, premium.number_type) == (False, "PREMIUM_RATE", "PREMIUM_RATE")
    assert "premium-rate" in premium.message and premium.number == "+449098790000"
    abroad = await check("+234 803 123 4567")
    assert (abroad.reason, abroad.country) == ("COUNTRY_NOT_ALLOWED", "NG") and "Nigeria" in abroad.message
    garbage = await check("call me maybe")
    assert (garbage.allowed, garbage.reason, garbage.number) == (False, "INVALID_NUMBER", "")
    assert not calls.retell.create_requests


async def test_caller_ids_record_what_retell_says_they_can_call(calls: CallsHarness) -> None:
    calls.retell.add_phone_number("+33142685300", "custom", ["FR"])
    try:
        synced = await calls.stub.SyncCallerIds(calls_pb2.SyncCallerIdsRequest(idempotency_key=calls.key("sync"),
                                                                               admin_telegram_id=ADMIN_ID))
        kinds = {caller.number: (caller.phone_number_type, list(caller.outbound_countries))
                 for caller in synced.caller_ids}
        assert kinds[RETELL_NUMBERS[0]] == ("retell-twilio", [])
        assert kinds[IMPORTED] == ("custom", [])
        assert kinds["+33142685300"] == ("custom", ["FR"])
        paris = await calls.stub.ListCallerIds(calls_pb2.ListCallerIdsRequest(to_number="+33612345678"))
        assert sorted(caller.number for caller in paris.caller_ids) == ["+33142685300", IMPORTED]
    finally:
        del calls.retell.phone_numbers["+33142685300"]
        await calls.stub.SyncCallerIds(calls_pb2.SyncCallerIdsRequest(idempotency_key=calls.key("sync"),
                                                                      admin_telegram_id=ADMIN_ID))


@pytest.mark.parametrize(("transfer", "words"), [
    ("+19002345678", "premium-rate"), ("+448712345678", "premium-rate"), ("+4918012345", "shared-cost"),
    ("+2348031234567", "Nigeria"),
])
async def test_a_flow_transferring_to_a_number_whose_owner_is_paid_or_abroad_is_refused_naming_the_step(
        calls: CallsHarness, transfer: str, words: str) -> None:
    customer = await calls.customer_with_money(0)
    error = await refused(calls.stub.CreateFlow(calls_pb2.CreateFlowRequest(
        idempotency_key=calls.key("flow"), customer_id=customer, spec=transfer_flow(transfer))))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "transfer step 'desk'" in (error.details() or "") and words in (error.details() or "")
    allowed = await calls.stub.CreateFlow(calls_pb2.CreateFlowRequest(
        idempotency_key=calls.key("flow"), customer_id=customer, spec=transfer_flow("+14155550199")))
    assert allowed.id


def transfer_flow(number: str) -> calls_pb2.FlowSpec:
    return calls_pb2.FlowSpec(
        name="Front desk", kind=calls_pb2.FLOW_KIND_GRAPH, business_name="Acme Dental",
        graph=calls_pb2.FlowGraph(start_node_id="menu", nodes=[
            calls_pb2.FlowNode(id="menu", kind=calls_pb2.NODE_KIND_MENU, text="Press 1 to talk to us.", edges=[
                calls_pb2.FlowEdge(key="1", target_node_id="desk"),
                calls_pb2.FlowEdge(key="timeout", target_node_id="bye")]),
            calls_pb2.FlowNode(id="desk", kind=calls_pb2.NODE_KIND_TRANSFER, transfer_number=number),
            calls_pb2.FlowNode(id="bye", kind=calls_pb2.NODE_KIND_END, text="Goodbye."),
        ]))


def test_the_retell_simulator_refuses_what_retell_refuses() -> None:
    from services.sandbox.retell_simulator import reachable

    retell = {"phone_number_type": "retell-twilio"}
    assert reachable(retell, "+14155550123") and not reachable(retell, "+442071838750")
    assert not reachable(retell, "+14165550123")  # Canada is not the US
    assert reachable({"phone_number_type": "custom"}, "+81312345678")
    assert not reachable({"phone_number_type": "custom", "allowed_outbound_country_list": ["GB"]}, "+33612345678")


async def test_a_list_import_drops_numbers_no_call_may_go_to_with_their_reason(calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(1_000)
    listed = "\n".join(["+14155550123", "+19002345678", LONDON_LANDLINE, "+2348031234567", "+4918012345"]).encode()
    report = await calls.stub.PreviewCallList(calls_pb2.PreviewCallListRequest(customer_id=customer, list=listed))
    assert (report.accepted, report.refused) == (2, 3)
    assert [(refused.number, refused.reason) for refused in report.refused_examples] == [
        ("+19002345678", "PREMIUM_RATE"), ("+2348031234567", "COUNTRY_NOT_ALLOWED"), ("+4918012345", "SHARED_COST")]
    assert "Nigeria" in report.refused_examples[1].message


async def test_a_campaign_from_a_retell_number_keeps_only_the_us_callees(calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(1_000)
    flow = await calls.flow(customer)
    created = await calls.stub.CreateCampaign(calls_pb2.CreateCampaignRequest(
        idempotency_key=calls.key("campaign"), customer_id=customer, name="Reminders", flow_id=flow.id,
        list=f"+14155550123\n{LONDON_LANDLINE}\n".encode(), caller_id=RETELL_NUMBERS[0]))
    report = created.import_report
    assert (report.accepted, report.refused) == (1, 1)
    assert report.refused_examples[0].country == "GB" and "United Kingdom" in report.refused_examples[0].message
    error = await refused(calls.stub.CreateCampaign(calls_pb2.CreateCampaignRequest(
        idempotency_key=calls.key("campaign"), customer_id=customer, name="Premium", flow_id=flow.id,
        list=b"+19002345678\n+448712345678\n")))
    assert refusal_reason(error) == "LIST_UNUSABLE" and "premium-rate" in (error.details() or "")


async def test_a_call_whose_flow_transfers_abroad_goes_out_from_a_caller_id_that_reaches_the_transfer_too(
        calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(5_000)
    flow = await calls.stub.CreateFlow(calls_pb2.CreateFlowRequest(
        idempotency_key=calls.key("flow"), customer_id=customer, spec=transfer_flow("+442071838751")))
    if flow.status != calls_pb2.FLOW_STATUS_APPROVED:  # a new customer's transfer waits for a person
        flow = await calls.stub.ReviewFlow(calls_pb2.ReviewFlowRequest(
            idempotency_key=calls.key("review"), admin_telegram_id=ADMIN_ID, flow_id=flow.id, approve=True))
    await calls.script_callee("+14155550123", duration_ms=1_000, ring_ms=0)
    error = await refused(calls.call(customer, flow.id, "+14155550123", caller_id=RETELL_NUMBERS[0]))
    assert refusal_reason(error) == "CALLER_ID_CANNOT_REACH" and "United Kingdom" in (error.details() or "")
    for key in range(3):
        placed = await calls.call(customer, flow.id, "+14155550123", idempotency_key=f"transfer-{key}")
        assert placed.caller_id == IMPORTED
