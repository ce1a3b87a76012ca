"""ListKeyPresses, the key-press inbox's answer: each call's full number, its flow's and campaign's
names, and its keys cut into a menu choice and the digits typed at a collect step, read from Retell's
record of where each key was pressed. Without that record (the retention purged it) the keys are given
as they are, of no kind. Only the customer's own calls are listed."""

from __future__ import annotations

import asyncpg

from speechcue.calls.v1 import calls_pb2
from speechcue.common.v1 import common_pb2
from tests.calls.conftest import CALLEE, CallsHarness
from tests.calls.inbox_flow import KEYS, approved_order_confirmation


async def inbox(calls: CallsHarness, customer: str) -> list[calls_pb2.KeyPresses]:
    answer = await calls.stub.ListKeyPresses(calls_pb2.ListKeyPressesRequest(
        customer_id=customer, page=common_pb2.PageRequest(page_size=10)))
    return list(answer.entries)


async def a_campaign_call_with_keys(calls: CallsHarness) -> tuple[str, calls_pb2.Call]:
    customer = await calls.customer_with_money(5_000)
    flow = await approved_order_confirmation(calls, customer)
    campaign = await calls.stub.CreateCampaign(calls_pb2.CreateCampaignRequest(
        idempotency_key=calls.key("campaign"), customer_id=customer, name="Spring follow-up", flow_id=flow.id,
        list=CALLEE.encode()))
    await calls.script_callee(CALLEE, duration_ms=65_000, keys=KEYS)
    call = await calls.call(customer, flow.id, CALLEE, campaign_id=campaign.id)
    return customer, await calls.settled(customer, call.id)


async def test_an_entry_names_its_flow_and_campaign_and_tells_the_menu_choice_from_the_digits(
        calls: CallsHarness) -> None:
    customer, call = await a_campaign_call_with_keys(calls)

    [entry] = await inbox(calls, customer)
    assert (entry.call_id, entry.to_number, list(entry.digits)) == (call.id, CALLEE, list("14821#"))
    assert (entry.flow_name, entry.campaign_id, entry.campaign_name) == (
        "Order confirmation", call.campaign_id, "Spring follow-up")
    assert [(item.kind, item.keys, item.step_id) for item in entry.inputs] == [
        (calls_pb2.KEY_INPUT_KIND_MENU_CHOICE, "1", "menu"), (calls_pb2.KEY_INPUT_KIND_DIGITS, "4821", "pin")]


async def test_a_key_that_matched_no_menu_choice_is_never_kept_or_shown(calls: CallsHarness) -> None:
    # The menu is said again on a wrong key: 7 and 3 would be two digits of a code, typed one wrong
    # key at a time at a menu the review policy counts as one key.
    customer = await calls.customer_with_money(5_000)
    flow = await approved_order_confirmation(calls, customer)
    keys = [{"digit": digit, "at_ms": 3000 + 500 * index} for index, digit in enumerate("7314821#")]
    await calls.script_callee(CALLEE, duration_ms=65_000, keys=keys)
    call = await calls.settled(customer, (await calls.call(customer, flow.id, CALLEE)).id)

    assert list(call.digits) == list("14821#")
    [entry] = await inbox(calls, customer)
    assert list(entry.digits) == list("14821#")
    assert [(item.kind, item.keys, item.step_id) for item in entry.inputs] == [
        (calls_pb2.KEY_INPUT_KIND_MENU_CHOICE, "1", "menu"), (calls_pb2.KEY_INPUT_KIND_DIGITS, "4821", "pin")]


async def test_once_retells_record_is_purged_the_keys_are_given_as_they_are(calls: CallsHarness) -> None:
    customer, call = await a_campaign_call_with_keys(calls)
    connection = await asyncpg.connect(calls.database_url)
    try:  # a call ended before its row kept its keys' places, once the retention tick empties the kept
        # webhook body (services/calls/retention.py)
        await connection.execute("UPDATE calls SET key_places = '{}' WHERE id = $1", call.id)
        await connection.execute("UPDATE call_events SET payload = '{}'::jsonb WHERE retell_call_id = $1",
                                 call.retell_call_id)
    finally:
        await connection.close()

    [entry] = await inbox(calls, customer)
    assert [(item.kind, item.keys) for item in entry.inputs] == [(calls_pb2.KEY_INPUT_KIND_UNSPECIFIED, "14821#")]


async def test_another_customer_sees_none_of_it(calls: CallsHarness) -> None:
    await a_campaign_call_with_keys(calls)
    assert await inbox(calls, await calls.customer_with_money(0)) == []
