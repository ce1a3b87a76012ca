"""The key-press inbox, the customer's own callees in full: a callee presses 1 at a menu and types a PIN;
the customer sees the choice and the digits apart, with the flow's name and the whole number, calls the
callee back through the call path, and puts the number on their do-not-call list after confirming, after
which a call to it is refused. Another customer sees none of it."""

from __future__ import annotations

import logging
from typing import Any

import grpc
import pytest

from services.bot.formatting import masked_number
from services.bot.i18n import Words
from services.runtime.grpc_client import refusal_reason
from speechcue.calls.v1 import calls_pb2
from speechcue.common.v1 import common_pb2
from tests.bot.conftest import BotHarness, Person, forge_press, message_text
from tests.calls.inbox_flow import KEYS, approved_order_confirmation

# Not the example number the screens show ("e.g. +14155550123"), so that a match is the callee.
CALLEE = "+14155550188"
EN = Words("en")


async def a_call_with_keys(bot: BotHarness, person: Person) -> str:
    """The customer calls CALLEE through the chat; the callee presses the keys. The customer id."""
    customer = await bot.customer_id(person)
    await bot.calls.wallet.credit(customer, 5_000)
    await approved_order_confirmation(bot.calls, customer)
    await bot.calls.script_callee(CALLEE, duration_ms=65_000, keys=KEYS)
    await person.say("/menu")
    await person.press("Call a number")
    await person.press_first("callf:")
    await person.wait_for_text("international form")
    await person.say(CALLEE)
    await person.press("Any from the pool")
    await person.press("Call now")
    calls = await bot.calls.stub.ListCalls(calls_pb2.ListCallsRequest(
        customer_id=customer, page=common_pb2.PageRequest(page_size=5)))
    await bot.calls.settled(customer, calls.calls[0].id, timeout=30.0)
    return customer


async def open_inbox(person: Person) -> dict[str, Any]:
    await person.say("/menu")
    await person.press("Results")
    await person.press("Key-press inbox")
    return await person.wait_for_text(EN("results.inbox_title"))


async def test_the_inbox_shows_the_menu_choice_and_the_digits_apart_with_the_flow_and_the_full_number(
        bot: BotHarness) -> None:
    person = await bot.onboarded("Acme Parcels")
    await a_call_with_keys(bot, person)

    inbox = message_text(await open_inbox(person))
    assert EN("inbox.entry", position=1, number=CALLEE, when="").split(" · ")[0] in inbox
    assert EN("inbox.flow", flow="Order confirmation") in inbox
    assert EN("inbox.menu_choice", key="1", step="menu") in inbox
    assert EN("inbox.digits", digits="4821", step="pin") in inbox
    assert masked_number(CALLEE) not in inbox
    assert EN("inbox.call_back", position=1) in inbox and EN("inbox.do_not_call", position=1) in inbox

    await person.press("Results")
    results = await person.wait_for_text(EN("results.title", zone="UTC"))
    assert CALLEE in message_text(results) and masked_number(CALLEE) not in message_text(results)

    await person.press_first("res:")  # the call's details replace the list
    details = message_text(await person.wait_for(
        lambda m: m["message_id"] == results["message_id"] and EN("results.title", zone="UTC") not in message_text(m),
        what="the call's details"))
    assert CALLEE in details and masked_number(CALLEE) not in details


async def test_call_back_lands_in_the_call_path_with_the_number_and_the_flow(
        bot: BotHarness, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    person = await bot.onboarded("Acme Parcels")
    await a_call_with_keys(bot, person)
    await open_inbox(person)

    await person.press(EN("inbox.call_back", position=1))
    await person.wait_for_text(EN("call.choose_caller_id"))
    await person.press(EN("call.caller_auto"))
    quote = message_text(await person.wait_for_text("Ready to call"))
    assert "Order confirmation" in quote
    assert CALLEE in quote or masked_number(CALLEE) in quote
    assert EN("call.confirm") in quote
    # The screens show the number in full; the services' logs never do.
    assert [(record.name, record.getMessage()[:200]) for record in caplog.records
            if record.name.startswith("services.") and CALLEE in record.getMessage()] == []


async def test_add_to_do_not_call_asks_first_then_refuses_calls_to_the_number(bot: BotHarness) -> None:
    person = await bot.onboarded("Acme Parcels")
    customer = await a_call_with_keys(bot, person)
    await open_inbox(person)

    await person.press(EN("inbox.do_not_call", position=1))
    await person.wait_for_text(EN("inbox.dnc_confirm", number=CALLEE).split("\n")[0])
    flow = (await bot.calls.stub.ListFlows(calls_pb2.ListFlowsRequest(
        customer_id=customer, page=common_pb2.PageRequest(page_size=5)))).flows[0]
    # Not yet: only asked.
    quote = await bot.calls.stub.QuoteCall(calls_pb2.QuoteCallRequest(
        customer_id=customer, flow_id=flow.id, to_number=CALLEE, max_minutes=1))
    assert quote.blocked_reason != "DO_NOT_CALL"

    await person.press(EN("inbox.dnc_yes"))
    await person.wait_for_text(EN("inbox.dnc_done", number=CALLEE))
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await bot.calls.call(customer, flow.id, CALLEE)
    assert (refused.value.code(), refusal_reason(refused.value)) == (grpc.StatusCode.FAILED_PRECONDITION,
                                                                       "DO_NOT_CALL")

    # Calling back now ends at the refusal, in the customer's words (at the number, or on the quote).
    inbox = await open_inbox(person)
    await person.press(EN("inbox.call_back", position=1))

    def after_the_inbox(m: dict[str, Any]) -> bool:
        return m["message_id"] > inbox["message_id"] and ("do-not-call" in message_text(m) or EN(
            "call.choose_caller_id") in message_text(m))

    shown = await person.wait_for(after_the_inbox, what="the caller ID question or the refusal")
    if EN("call.choose_caller_id") in message_text(shown):
        await person.press(EN("call.caller_auto"))
        shown = await person.wait_for(lambda m: after_the_inbox(m) and "do-not-call" in message_text(m),
                                      what="the refusal")
    assert EN("call.confirm") not in message_text(shown)
    assert EN("call.confirm") not in message_text(person.messages()[-1])


async def test_another_customer_never_sees_the_callee_nor_acts_on_them(bot: BotHarness) -> None:
    owner = await bot.onboarded("Acme Parcels")
    owner_id = await a_call_with_keys(bot, owner)
    other = await bot.onboarded("Globex")

    inbox = message_text(await open_inbox(other))
    assert EN("results.inbox_empty") in inbox
    assert CALLEE not in other.all_text() and masked_number(CALLEE) not in other.all_text()

    # Buttons forged with the owner's call id: the calls service answers only the owner's calls.
    call_id = (await bot.calls.stub.ListCalls(calls_pb2.ListCallsRequest(
        customer_id=owner_id, page=common_pb2.PageRequest(page_size=1)))).calls[0].id
    for refusals, data in enumerate((f"inboxcall:{call_id}", f"inboxdnc:{call_id}", f"inboxdncy:{call_id}"), 1):
        await forge_press(bot, other, data)
        await other.wait_for(lambda _: sum(EN("error.not_found") in message_text(m) for m in other.messages())
                             >= refusals, what=f"refusal {refusals}")  # noqa: B023 (awaited in the loop)
    assert CALLEE not in other.all_text()
    other_id = await bot.customer_id(other)
    flow = await approved_order_confirmation(bot.calls, other_id)
    quote = await bot.calls.stub.QuoteCall(calls_pb2.QuoteCallRequest(
        customer_id=other_id, flow_id=flow.id, to_number=CALLEE, max_minutes=1))
    assert quote.blocked_reason != "DO_NOT_CALL"
