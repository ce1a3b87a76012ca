"""A saved flow's view lists its custom outcomes (each field's name and kind) and its callback offer, in
the chat's language, and opens the editor straight at either: the customer renames a field and moves
the callback to another key and to tomorrow from the view, saves, and the calls service holds exactly
that; the view says so. The words are checked in every language without a server."""

from __future__ import annotations

from typing import Any

import pytest

from services.bot.i18n import Words
from services.bot.screens.saved_flow_options import saved_options_buttons, saved_options_text
from speechcue.calls.v1 import calls_pb2
from tests.bot.conftest import BotHarness, Person, message_text
from tests.calls.conftest import menu_flow

EN = Words("en")
NAME = "Appointment reminder"


def flow_with_fields_and_a_callback() -> calls_pb2.FlowSpec:
    spec = menu_flow()
    spec.custom_fields.extend([
        calls_pb2.CustomField(name="interested?", type=calls_pb2.CUSTOM_FIELD_TYPE_YES_NO, lead_answer="yes"),
        calls_pb2.CustomField(name="preferred day", type=calls_pb2.CUSTOM_FIELD_TYPE_CHOICE, choices=["Mon", "Tue"]),
    ])
    spec.callback.CopyFrom(calls_pb2.CallbackOffer(key="8", delay_minutes=60))
    return spec


async def saved(bot: BotHarness, person: Person) -> calls_pb2.Flow:
    [flow] = (await bot.calls.stub.ListFlows(calls_pb2.ListFlowsRequest(
        customer_id=await bot.customer_id(person)))).flows
    return flow


async def newer_than(person: Person, last: int, fragment: str) -> dict[str, Any]:
    return await person.wait_for(lambda m: m["message_id"] > last and fragment in message_text(m), what=repr(fragment))


def newest(person: Person) -> int:
    return max(message["message_id"] for message in person.messages())


async def test_the_saved_flows_view_lists_its_fields_and_callback_and_edits_each_from_there(bot: BotHarness) -> None:
    person = await bot.onboarded("Acme Dental")
    await bot.calls.flow(await bot.customer_id(person), flow_with_fields_and_a_callback())
    await person.say("/menu")
    await person.press("IVR flows")
    await person.press(f"{NAME} ·")
    view = message_text(await person.wait_for_text(EN("flowview.fields")))
    assert "• interested? — ✅ Yes / no" in view and "• preferred day — 🔘 One of a few options" in view
    assert EN("callback.line", key="8", delay=EN("callback.delay.hour")) in view

    # A field, renamed from the view: the fields screen, the field, its new name, back to the options, Save.
    await person.press(EN("fields.option", fields=2))
    await person.wait_for_text(EN("fields.title", name=NAME, max=5).split("\n")[0])
    await person.press("✏️ interested?")
    await person.press(EN("fields.rename"))
    await person.wait_for_text("Name the field as a short question")
    await person.say("keen?")
    await person.wait_for_text("📋 keen? · ✅ Yes / no")
    await person.press(EN("menu.back"))
    await person.wait_for_text("• keen? — ✅ Yes / no")
    await person.press(EN("menu.back"))
    await person.wait_for_text(EN("edit.options_title", name=NAME))
    last = newest(person)
    await person.press(EN("flow.save"))
    await newer_than(person, last - 1, f"{NAME} was updated")
    flow = await saved(bot, person)
    assert [(field.name, field.lead_answer) for field in flow.spec.custom_fields] == [
        ("keen?", "yes"), ("preferred day", "")]
    assert (flow.spec.callback.key, flow.spec.callback.delay_minutes) == ("8", 60)  # untouched

    # The callback, changed from the view: tomorrow, key 7.
    last = newest(person)
    await person.press(EN("flow.open"))
    view = message_text(await newer_than(person, last, EN("flowview.fields")))
    assert "• keen? — ✅ Yes / no" in view and "interested?" not in view
    await person.press(EN("callback.option"))
    await person.wait_for_text(EN("callback.ask_delay")[:40])
    await person.press(EN("callback.delay.tomorrow"))
    await person.wait_for_text("Which key asks for the callback")
    await person.say("7")
    await person.wait_for_text(EN("callback.line", key="7", delay=EN("callback.delay.tomorrow")))
    last = newest(person)
    await person.press(EN("flow.save"))
    await newer_than(person, last - 1, f"{NAME} was updated")
    flow = await saved(bot, person)
    assert (flow.spec.callback.key, flow.spec.callback.delay_minutes) == ("7", 0)
    assert [field.name for field in flow.spec.custom_fields] == ["keen?", "preferred day"]

    last = newest(person)
    await person.press(EN("flow.open"))
    view = message_text(await newer_than(person, last, EN("flowview.fields")))
    assert EN("callback.line", key="7", delay=EN("callback.delay.tomorrow")) in view


def saved_flow(spec: calls_pb2.FlowSpec) -> calls_pb2.Flow:
    return calls_pb2.Flow(id="f1", spec=spec, version=1, status=calls_pb2.FLOW_STATUS_APPROVED)


@pytest.mark.parametrize("language", ["en", "fr", "zh", "hi"])
def test_the_view_says_the_fields_and_the_callback_in_the_chats_language(language: str) -> None:
    words = Words(language)

    text = saved_options_text(words, saved_flow(flow_with_fields_and_a_callback()))

    assert text.split("\n") == [
        words("flowview.fields"),
        words("fields.list_line", name="interested?", type=words("fields.type.yes_no")),
        words("fields.list_line", name="preferred day", type=words("fields.type.choice")),
        words("callback.line", key="8", delay=words("callback.delay.hour"))]
    assert "{" not in text
    labels = [button.label for button in saved_options_buttons(words, saved_flow(flow_with_fields_and_a_callback()))]
    assert labels == [words("fields.option", fields=2), words("callback.option")]


@pytest.mark.parametrize("language", ["en", "fr", "zh", "hi"])
def test_a_flow_without_fields_or_callback_says_none_of_either(language: str) -> None:
    words = Words(language)

    text = saved_options_text(words, saved_flow(menu_flow()))

    assert text.split("\n") == [words("flowview.no_fields"), words("callback.line_off")]


def test_an_ai_script_offers_no_callback_and_its_view_names_none() -> None:
    score = calls_pb2.CustomField(name="score", type=calls_pb2.CUSTOM_FIELD_TYPE_NUMBER)
    spec = calls_pb2.FlowSpec(name="Survey", kind=calls_pb2.FLOW_KIND_AI_SCRIPT, ai_prompt="Ask how we did.",
                              custom_fields=[score])

    text = saved_options_text(EN, saved_flow(spec))

    assert text.split("\n") == [EN("flowview.fields"), "• score — " + EN("fields.type.number")]
    assert [button.data for button in saved_options_buttons(EN, saved_flow(spec))] == ["edopen:f1:fields"]
