"""Issue 18 items 6 and 7 through the chat: a finished campaign's "🔁 Re-call…" builds a new campaign
of the callees who did not answer, with the same flow, on the usual confirm screen, and dials exactly
them; a re-call the calls service refuses says why, what to do next and the ways on; the confirm
screen of any campaign forecasts the callees likely to answer and the likely cost, said as an
estimate."""

from __future__ import annotations

import asyncio

from speechcue.calls.v1 import calls_pb2
from tests.bot.conftest import BotHarness, button_data, message_text
from tests.bot.test_campaign_journey import at_the_list_question_of_a_campaign_starting_now
from tests.calls.conftest import menu_flow
from tests.calls.test_list_variables import reminder_flow

ANSWERING = ["+14155551501", "+14155551502", "+14155551503"]
SILENT = ["+14155551504", "+14155551505"]


async def finished(bot: BotHarness, customer: str, campaign_id: str) -> None:
    """Waits until the calls service says the campaign is completed."""
    deadline = asyncio.get_running_loop().time() + 60
    while (await bot.calls.stub.GetCampaign(calls_pb2.GetCampaignRequest(
            customer_id=customer, campaign_id=campaign_id))).status != calls_pb2.CAMPAIGN_STATUS_COMPLETED:
        assert asyncio.get_running_loop().time() < deadline, "the campaign did not complete"
        await asyncio.sleep(0.1)


def dialled(bot: BotHarness) -> dict[str, int]:
    counts: dict[str, int] = {}
    for simulated in bot.calls.retell.calls.values():
        counts[simulated.record["to_number"]] = counts.get(simulated.record["to_number"], 0) + 1
    return counts


async def test_re_calling_the_no_answers_of_a_finished_campaign_calls_exactly_them(bot: BotHarness) -> None:
    person = await bot.onboarded("Acme Dental")
    customer = await bot.customer_id(person)
    await bot.calls.wallet.credit(customer, 20_000)
    flow = await bot.calls.flow(customer, menu_flow())
    for number in ANSWERING:
        await bot.calls.script_callee(number, duration_ms=20_000, keys=[{"digit": "1", "at_ms": 6000}])
    for number in SILENT:
        await bot.calls.script_callee(number, outcome="no_answer", ring_ms=200)
    source = await bot.calls.stub.CreateCampaign(calls_pb2.CreateCampaignRequest(
        idempotency_key="recall-journey", customer_id=customer, name="Reminders", flow_id=flow.id,
        list="\n".join(ANSWERING + SILENT).encode(), retry=calls_pb2.RetryPolicy(max_attempts=1)))
    await bot.calls.stub.StartCampaign(calls_pb2.CampaignActionRequest(
        idempotency_key="recall-journey-go", customer_id=customer, campaign_id=source.id))
    await finished(bot, customer, source.id)
    assert dialled(bot) == dict.fromkeys(ANSWERING + SILENT, 1)

    await person.press("Campaigns")
    await person.press_first("camp:view:")
    await person.press("🔁 Re-call")
    choice = await person.wait_for_text("which ones?")
    labels = [button["text"] for row in choice["reply_markup"]["inline_keyboard"] for button in row]
    assert labels[:3] == ["No answer (2)", "Answered (3)", "Pressed 1 (3)"]
    await person.press("No answer (2)")
    await person.wait_for_text("No answer: 2 callees. Call them with the same flow or another one?")
    await person.press("Same flow: Appointment reminder")
    confirm = await person.wait_for_text("2 numbers to call")
    text = message_text(confirm)
    assert "Reminders – No answer" in text and "Likely to answer: about" in text and "An estimate" in text
    await person.press("Start now")
    await person.wait_for(lambda m: "2 of 2 done" in message_text(m), what="the re-call's end")
    # The callees who did not answer were called once more; the others were not.
    assert dialled(bot) == {**dict.fromkeys(ANSWERING, 1), **dict.fromkeys(SILENT, 2)}


async def test_a_refused_re_call_says_why_and_leads_on(bot: BotHarness) -> None:
    person = await bot.onboarded("Acme Dental")
    customer = await bot.customer_id(person)
    await bot.calls.wallet.credit(customer, 20_000)
    flow = await bot.calls.flow(customer, menu_flow())
    await bot.calls.flow(customer, reminder_flow())  # says {{first_name}} and {{amount}}
    unanswered = ["+14155551541", "+14155551542"]
    for number in unanswered:
        await bot.calls.script_callee(number, outcome="no_answer", ring_ms=200)
    source = await bot.calls.stub.CreateCampaign(calls_pb2.CreateCampaignRequest(
        idempotency_key="refused-recall", customer_id=customer, name="Reminders", flow_id=flow.id,
        list="\n".join(unanswered).encode(), retry=calls_pb2.RetryPolicy(max_attempts=1)))
    await bot.calls.stub.StartCampaign(calls_pb2.CampaignActionRequest(
        idempotency_key="refused-recall-go", customer_id=customer, campaign_id=source.id))
    await finished(bot, customer, source.id)

    await person.press("Campaigns")
    await person.press_first("camp:view:")
    await person.press("🔁 Re-call")
    await person.press("No answer (2)")
    await person.wait_for_text("No answer: 2 callees. Call them with the same flow or another one?")
    # A flow that says variables the callees' list never gave them.
    await person.press("Payment reminder")
    refused = message_text(await person.wait_for_text("This flow says {{first_name}}, {{amount}}"))
    assert "not every callee in “No answer” has a value" in refused and "Choose a flow that does not say it" in refused
    await person.press("Another flow")
    await person.wait_for_text("No answer: 2 callees. Call them with the same flow or another one?")

    # Meanwhile both numbers go on the customer's do-not-call list: the segment is empty now.
    for number in unanswered:
        await bot.calls.stub.AddDoNotCall(calls_pb2.AddDoNotCallRequest(
            idempotency_key=f"refused-recall-dnc-{number}", customer_id=customer, number=number))
    await person.press("Same flow: Appointment reminder")
    empty = message_text(await person.wait_for_text("No one in “No answer” can be called now"))
    assert "opted out or their numbers went on a do-not-call list" in empty
    await person.wait_for_button("⬅️ Back to the campaign")
    await person.press("Other callees")
    nothing = await person.wait_for_text("No callee of “Reminders” can be called again now")
    await person.press_data(button_data(nothing, "camp", source.id), nothing["message_id"])
    await person.wait_for(lambda m: m["message_id"] == nothing["message_id"]
                          and "📋 Reminders: completed" in message_text(m), what="the campaign's screen")

    # Neither refusal made a campaign or a call.
    listed = await bot.calls.stub.ListCampaigns(calls_pb2.ListCampaignsRequest(customer_id=customer))
    assert [campaign.id for campaign in listed.campaigns] == [source.id]
    assert dialled(bot) == dict.fromkeys(unanswered, 1)


async def test_the_confirm_screen_forecasts_the_likely_answers_and_cost(bot: BotHarness) -> None:
    person, customer, _ = await at_the_list_question_of_a_campaign_starting_now(bot)
    await person.say("\n".join(f"+1415555{number}" for number in range(1601, 1621)))
    confirm = await person.wait_for_text("20 numbers to call")
    quote = await bot.calls.stub.QuoteCampaign(calls_pb2.GetCampaignRequest(
        customer_id=customer, campaign_id=(await bot.calls.stub.ListCampaigns(calls_pb2.ListCampaignsRequest(
            customer_id=customer))).campaigns[0].id))
    text = message_text(confirm)
    # No calls on the platform yet: the default rate (25 % a call), with the default retries.
    assert (f"Likely to answer: about {quote.expected_answered} callees of 20 "
            f"({quote.expected_answer_percent}%), retries included") in text
    assert 0 < quote.expected_answered < 20
    assert f"Likely cost: ${quote.likely_low_cents / 100:.2f} to ${quote.likely_high_cents / 100:.2f}" in text
    assert "An estimate from typical answer rates" in text
    assert text.index("Estimate") < text.index("Likely to answer")  # under the worst case
