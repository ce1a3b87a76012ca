"""The call quote says plainly what the call may cost and what is held, in the admission rule's own
figures (services/calls/admission.py); a refusal about money or the plan says why and leads to a top-up
or the plans; and a call that ended in a transfer says where it went."""

from __future__ import annotations

from speechcue.calls.v1 import calls_pb2
from speechcue.wallet.v1 import wallet_pb2
from tests.bot.conftest import BotHarness, Person, at_the_call_quote, find_button, message_text
from tests.calls.conftest import CALLEE, menu_flow
from tests.wallet.conftest import ADMIN_ID

DESK = "+14155550199"


def transfer_flow() -> calls_pb2.FlowSpec:
    return calls_pb2.FlowSpec(
        name="Front desk", kind=calls_pb2.FLOW_KIND_GRAPH, business_name="Acme Dental",
        graph=calls_pb2.FlowGraph(start_node_id="menu", nodes=[
            calls_pb2.FlowNode(id="menu", kind=calls_pb2.NODE_KIND_MENU, text="Press 1 to talk to us.", edges=[
                calls_pb2.FlowEdge(key="1", target_node_id="desk"),
                calls_pb2.FlowEdge(key="timeout", target_node_id="bye")]),
            calls_pb2.FlowNode(id="desk", kind=calls_pb2.NODE_KIND_TRANSFER, transfer_number=DESK),
            calls_pb2.FlowNode(id="bye", kind=calls_pb2.NODE_KIND_END, text="Goodbye."),
        ]))


async def customer_with(bot: BotHarness, person: Person, *, cents: int, plan: str = "",
                        spec: calls_pb2.FlowSpec | None = None) -> str:
    """The person's customer with `cents` left after buying `plan`, and one approved flow."""
    customer = await bot.customer_id(person)
    wallet = bot.calls.wallet
    if plan:
        plans = {p.code: p for p in (await wallet.stub.ListPlans(wallet_pb2.ListPlansRequest())).plans}
        if plans[plan].price_cents:
            await wallet.credit(customer, plans[plan].price_cents)
        await wallet.stub.BuySubscription(wallet_pb2.BuySubscriptionRequest(
            idempotency_key=wallet.key("buy"), customer_id=customer, plan_code=plan))
    if cents:
        await wallet.credit(customer, cents)
    flow = await bot.calls.flow(customer, spec or menu_flow())
    if flow.status != calls_pb2.FLOW_STATUS_APPROVED:  # a new customer's transfer waits for review
        await bot.calls.stub.ReviewFlow(calls_pb2.ReviewFlowRequest(
            idempotency_key=bot.calls.key("review"), admin_telegram_id=ADMIN_ID, flow_id=flow.id, approve=True))
    return customer


async def test_a_trial_quote_says_the_plan_pays_for_two_minutes_and_nothing_is_held(bot: BotHarness) -> None:
    person = await bot.onboarded()
    await customer_with(bot, person, cents=0, plan="trial")

    text = message_text(await at_the_call_quote(person, CALLEE))
    assert "Minutes: from your plan (Free trial)." in text
    assert "at most 2 min: that is all your plan and balance cover now" in text
    assert "Nothing is held from your balance." in text
    assert "Call now" in text
    assert "0 plan minutes" not in text and "at most 0" not in text


async def test_a_trial_quote_with_money_says_plan_minutes_first_then_the_price_and_the_hold(
        bot: BotHarness) -> None:
    person = await bot.onboarded()
    await customer_with(bot, person, cents=500, plan="trial")

    text = message_text(await at_the_call_quote(person, CALLEE))
    assert "the first 2 from your plan (Free trial), then $0.15 a minute from your balance" in text
    # Ten minutes asked: two from the trial, eight paid, and those eight are what is held.
    assert "The call lasts at most 10 min." in text
    assert "Held from your balance when the call starts: $1.20." in text


async def test_a_quote_without_a_plan_holds_what_the_minutes_may_cost_and_the_recording_fee(
        bot: BotHarness) -> None:
    person = await bot.onboarded()
    await customer_with(bot, person, cents=45)

    text = message_text(await at_the_call_quote(person, CALLEE))
    assert "Minutes: $0.15 a minute from your balance." in text
    assert "at most 3 min: that is all your plan and balance cover now" in text
    assert "when the call starts: $0.45." in text
    await person.press("Recording: off")
    recorded = message_text(await person.wait_for_text("Recording adds $0.05"))
    # The fee is held beside the minutes: what is left of the $0.45 pays two minutes.
    assert "at most 3 min" not in recorded and "at most 2 min" in recorded
    assert "when the call starts: $0.35." in recorded


async def test_an_unlimited_plan_quote_takes_every_minute_from_the_plan(bot: BotHarness) -> None:
    person = await bot.onboarded()
    await customer_with(bot, person, cents=0, plan="prime_7d")

    text = message_text(await at_the_call_quote(person, CALLEE))
    assert "Minutes: from your plan (Prime, 7 days)." in text
    assert "The call lasts at most 10 min." in text and "Nothing is held from your balance." in text


async def test_an_empty_wallet_is_refused_with_the_price_and_ways_to_top_up_or_buy_a_plan(bot: BotHarness) -> None:
    person = await bot.onboarded()
    await customer_with(bot, person, cents=0)

    quote = await at_the_call_quote(person, CALLEE)
    text = message_text(quote)
    assert "Your balance and plan minutes do not cover this call ($0.15 a minute)" in text
    assert find_button(quote, "Call now") is None
    assert find_button(quote, "Top up") is not None and find_button(quote, "Plans") is not None
    assert "Held" not in text and "at most" not in text
    await person.press("Plans")
    await person.wait_for_text("Prime, 7 days")


async def test_a_transfer_flow_on_prime_one_day_is_refused_naming_the_plan_and_leading_to_the_plans(
        bot: BotHarness) -> None:
    person = await bot.onboarded()
    customer = await customer_with(bot, person, cents=1_000, plan="prime_1d", spec=transfer_flow())

    quote = await at_the_call_quote(person, CALLEE)
    text = message_text(quote)
    assert "your plan (Prime, 1 day) does not include call transfer" in text
    assert "call with a flow that has no transfer step" in text
    assert find_button(quote, "Call now") is None and find_button(quote, "Plans") is not None
    calls = await bot.calls.stub.ListCalls(calls_pb2.ListCallsRequest(customer_id=customer))
    assert not calls.calls and not bot.calls.retell.create_requests


async def test_a_transferred_call_says_where_it_was_transferred(bot: BotHarness) -> None:
    person = await bot.onboarded()
    await customer_with(bot, person, cents=0, plan="prime_7d", spec=transfer_flow())
    await bot.calls.script_callee(CALLEE, duration_ms=65_000, keys=[{"digit": "1", "at_ms": 2000}])

    await at_the_call_quote(person, CALLEE)
    await person.press("Call now")
    ended = await person.wait_for_text(f"📞 Call to {CALLEE}: transferred to +14155550199")
    assert "Keys pressed: 1" in message_text(ended)
