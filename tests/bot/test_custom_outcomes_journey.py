"""Custom outcomes in the chat: a customer gives a flow two questions from its options ("interested?",
yes/no, a lead when yes; "preferred day", one of Mon/Tue), saves it, calls two people, reads each call's
answers in its analysis message, finds the calls by an answer in Results and the interested one in
Leads; Retell is the simulator, answering as each callee's scenario scripts."""

from __future__ import annotations

import csv
import io

import pytest

from services.bot.answer_texts import answers_line
from services.bot.call_texts import call_outcome
from services.bot.i18n import Words
from speechcue.calls.v1 import calls_pb2
from tests.bot.conftest import BotHarness, Person, find_button, message_text, start_new_flow
from tests.bot.test_campaign_reports_agree import downloaded
from tests.calls.conftest import menu_flow

EN = Words("en")
KEEN, NOT_KEEN = "+14155550161", "+14155550162"


async def flow_with_two_fields(person: Person) -> None:
    """In the wizard: a message and an end, then the two fields from the options screen, then Save."""
    await start_new_flow(person, "Cleaning offer")
    await person.press("Message")
    await person.say("Hello from Acme Dental: this month a cleaning costs half the usual price.")
    await person.press("End the call")
    await person.say("Thank you, goodbye.")
    await person.wait_for_text("Cleaning offer is complete")

    await person.press("Custom outcomes")
    await person.wait_for_text(EN("fields.none"))
    await person.press(EN("fields.add"))
    await person.press(EN("fields.type.yes_no"))
    await person.say("interested?")
    await person.wait_for_text("Describe what the analysis should find out")
    await person.say("Did the callee say they want to book the cleaning?")
    await person.wait_for_text("📋 interested? · ✅ Yes / no")
    await person.press(EN("fields.choose_lead"))
    await person.wait_for_text(EN("fields.ask_lead", name="interested?"))
    await person.press("yes")
    await person.wait_for_text(EN("fields.lead_line", answer="yes"))
    await person.press("Back")

    await person.press(EN("fields.add"))
    await person.press(EN("fields.type.choice"))
    await person.say("Interested?")  # the same name in another case: refused, the question stays open
    await person.wait_for_text(EN("fields.duplicate"))
    await person.say("preferred day")
    await person.wait_for_text("Type the options")
    await person.say("Mon")  # one option is no choice
    await person.wait_for_text("different options")
    await person.say("Mon, Tue")
    await person.press(EN("fields.skip"))
    field = await person.wait_for_text("📋 preferred day · 🔘 One of a few options")
    assert EN("fields.options_line", options="Mon, Tue") in message_text(field)
    await person.press("Back")
    listed = await person.wait_for_text("• preferred day")
    assert "• interested? — ✅ Yes / no" in message_text(listed)
    await person.press("Back")
    await person.wait_for_text("Custom outcomes (2)")
    await person.press("Save")
    await person.wait_for_text("Cleaning offer was saved")


async def call(person: Person, number: str) -> None:
    # The menu /menu answers, not an older screen's Call button (the saved flow's calls it directly).
    last = max(message["message_id"] for message in person.messages())
    await person.say("/menu")
    menu = await person.wait_for(lambda m: m["message_id"] > last and find_button(m, "Call a number") is not None,
                                 what="the main menu")
    await person.press_data(str(find_button(menu, "Call a number")), menu["message_id"])
    await person.press_first("callf:")
    await person.wait_for_text("international form")
    await person.say(number)
    await person.press("Any from the pool")
    await person.press("Call now")


async def test_a_customer_defines_two_fields_reads_the_answers_and_finds_the_lead(bot: BotHarness) -> None:
    person = await bot.onboarded()
    customer = await bot.customer_id(person)
    await bot.calls.wallet.credit(customer, 5_000)
    await flow_with_two_fields(person)

    [flow] = (await bot.calls.stub.ListFlows(calls_pb2.ListFlowsRequest(customer_id=customer))).flows
    assert flow.approved_version > 0
    assert [(f.name, f.type, list(f.choices), f.lead_answer) for f in flow.spec.custom_fields] == [
        ("interested?", calls_pb2.CUSTOM_FIELD_TYPE_YES_NO, [], "yes"),
        ("preferred day", calls_pb2.CUSTOM_FIELD_TYPE_CHOICE, ["Mon", "Tue"], "")]
    agent = bot.calls.retell.agents[flow.approved_retell_agent_id]
    assert agent["post_call_analysis_data"][1:] == [
        {"type": "boolean", "name": "interested?", "description": "Did the callee say they want to book the cleaning?"},
        {"type": "enum", "name": "preferred day", "description": "preferred day", "choices": ["Mon", "Tue"]}]

    await bot.calls.script_callee(KEEN, answers={"interested?": True, "preferred day": "Tue"})
    await bot.calls.script_callee(NOT_KEEN, answers={"interested?": False, "preferred day": "Mon"})
    await call(person, KEEN)
    first = await person.wait_for(lambda m: EN("fields.outcome_answers") in message_text(m),
                                  what="the first call's answers")
    assert "⭐ interested?: yes" in message_text(first) and "preferred day: Tue" in message_text(first)
    await call(person, NOT_KEEN)
    second = await person.wait_for(lambda m: "interested?: no" in message_text(m),
                                   what="the second call's answers")
    assert "⭐" not in message_text(second) and "preferred day: Mon" in message_text(second)

    # Results by an answer: only the calls with it.
    await person.say("/menu")
    await person.press("Results")
    await person.press(EN("leads.by_answer"))
    await person.wait_for_text(EN("leads.by_answer_title"))
    await person.press("interested? = yes")
    found = message_text(await person.wait_for_text(EN("leads.by_answer_calls", answer="interested? = yes")))
    assert KEEN in found and NOT_KEEN not in found
    await person.press(EN("leads.by_answer"))
    await person.press("preferred day = Mon")
    found = message_text(await person.wait_for_text(EN("leads.by_answer_calls", answer="preferred day = Mon")))
    assert NOT_KEEN in found and KEEN not in found

    # Leads: the interested callee only; a lead opens as the call's details, with its answers.
    await person.press("Back")
    await person.press(EN("leads.button"))
    leads = await person.wait_for_text(EN("leads.title"))
    assert KEEN in message_text(leads) and NOT_KEEN not in message_text(leads)
    await person.press_first("res:")
    details = await person.wait_for(lambda m: m["message_id"] == leads["message_id"]
                                    and EN("leads.title") not in message_text(m), what="the lead's details")
    assert "⭐ interested?: yes" in message_text(details) and KEEN in message_text(details)


@pytest.mark.parametrize("language", ["en", "fr", "zh", "hi"])
def test_the_answers_speak_the_chats_language(language: str) -> None:
    words = Words(language)
    call = calls_pb2.Call(status=calls_pb2.CALL_STATUS_ENDED, to_number=KEEN, custom_answers=[
        calls_pb2.CustomAnswer(name="interested?", value="yes", lead=True, type=calls_pb2.CUSTOM_FIELD_TYPE_YES_NO),
        calls_pb2.CustomAnswer(name="preferred day", value="Tue", type=calls_pb2.CUSTOM_FIELD_TYPE_CHOICE)])
    text = call_outcome(words, call)
    assert words("fields.outcome_answers") in text
    assert words("fields.outcome_answer", lead="⭐ ", name="interested?", answer=words("fields.answer.yes")) in text
    assert words("fields.outcome_answer", lead="", name="preferred day", answer="Tue") in text
    assert answers_line(words, call) == f"⭐ interested? {words('fields.answer.yes')} · preferred day Tue"


def flow_asking_interest_and_day() -> calls_pb2.FlowSpec:
    """The menu flow with two custom fields: "interested?" (yes/no, yes makes a lead) and "preferred day"."""
    spec = menu_flow()
    spec.custom_fields.extend([
        calls_pb2.CustomField(name="interested?", type=calls_pb2.CUSTOM_FIELD_TYPE_YES_NO, lead_answer="yes"),
        calls_pb2.CustomField(name="preferred day", type=calls_pb2.CUSTOM_FIELD_TYPE_CHOICE, choices=["Mon", "Tue"])])
    return spec


async def test_a_campaigns_report_has_the_answers_as_columns_and_a_chart_of_them(bot: BotHarness) -> None:
    person = await bot.onboarded()
    customer = await bot.customer_id(person)
    await bot.calls.wallet.credit(customer, 5_000)
    flow = await bot.calls.flow(customer, flow_asking_interest_and_day())
    await bot.calls.script_callee(KEEN, answers={"interested?": True, "preferred day": "Tue"})
    await bot.calls.script_callee(NOT_KEEN, answers={"interested?": False, "preferred day": "Tue"})
    created = await bot.calls.stub.CreateCampaign(calls_pb2.CreateCampaignRequest(
        idempotency_key=bot.calls.key("campaign"), customer_id=customer, name="Offer", flow_id=flow.id,
        list=f"{KEEN}\n{NOT_KEEN}".encode()))
    await bot.calls.stub.StartCampaign(calls_pb2.CampaignActionRequest(
        idempotency_key="go", customer_id=customer, campaign_id=created.id))
    await person.wait_for(lambda m: "document" in m, what="the completion report")
    for placed in (await bot.calls.stub.ListCalls(calls_pb2.ListCallsRequest(
            customer_id=customer, campaign_id=created.id))).calls:
        await bot.calls.settled(customer, placed.id, analyzed=True)

    # Asked again from the campaign's screen once every call's analysis is in.
    await person.say("/menu")
    await person.press("Campaigns")
    await person.press_first("camp:view:")
    await person.wait_for_button(EN("campaign.report"))
    last = max(message["message_id"] for message in person.messages())
    await person.press(EN("campaign.report"))
    chart = await person.wait_for(lambda m: m["message_id"] > last and m.get("caption") == EN("fields.answers_chart"),
                                  what="the answers chart")
    assert chart["photo"]
    [document] = [m for m in person.messages() if m["message_id"] > last and "document" in m]
    rows = list(csv.reader(io.StringIO((await downloaded(bot, document["document"]["file_id"])).decode())))
    at = rows[0].index("interested?")
    assert rows[0][at + 1] == "preferred day"
    assert sorted((row[0], row[at], row[at + 1]) for row in rows[1:]) == [(KEEN, "yes", "Tue"), (NOT_KEEN, "no", "Tue")]
