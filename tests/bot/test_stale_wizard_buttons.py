"""A wizard that cannot end in a dead end (issue 16 item 3): once a draft is saved, discarded or
replaced, every button of its older screens — the wizard's, the options', the editor's — says the
draft is gone and changes nothing: no question is asked, so a text typed next goes nowhere, and the
saved flow stays as it was."""

from __future__ import annotations

from typing import Any

from services.bot.i18n import Words
from speechcue.calls.v1 import calls_pb2
from tests.bot.conftest import BotHarness, Person, button_data, forge_press, message_text

WORDS = Words("en")
GONE = WORDS("flow.draft_gone")
EDIT_GONE = WORDS("edit.gone")
USE_BUTTONS = WORDS("home.use_buttons")


async def saved_flows(bot: BotHarness, person: Person) -> list[calls_pb2.Flow]:
    answer = await bot.calls.stub.ListFlows(calls_pb2.ListFlowsRequest(customer_id=await bot.customer_id(person)))
    return list(answer.flows)


def buttons_of(message: dict[str, Any], *prefixes: str) -> list[tuple[int, str]]:
    """The message's `prefix:…` buttons' data, kept as they were sent (the message is edited later)."""
    found = [(message["message_id"], button_data(message, prefix)) for prefix in prefixes]
    assert all(data for _, data in found), f"not all of {prefixes} on {message_text(message)[:80]!r}"
    return found


async def press_old(bot: BotHarness, person: Person, message_id: int, data: str, gone: str = GONE) -> None:
    """Presses a button an older message showed (the message was edited since; a client that kept
    the button, or a modified one, still sends it: the press arrives under the newest message); that
    message now says the draft is gone, and a text typed next is answered as one nobody asked for."""
    await typed_text_goes_nowhere(person)  # a message of its own to arrive under, the open screens left alone
    newest = person.messages()[-1]["message_id"]
    await forge_press(bot, person, data)
    await person.wait_for(lambda m: m["message_id"] == newest and gone in message_text(m),
                          what=f"{data} (once under message {message_id}): the draft is gone")
    await typed_text_goes_nowhere(person)


async def typed_text_goes_nowhere(person: Person) -> None:
    asked = len([m for m in person.messages() if USE_BUTTONS in message_text(m)])
    await person.say("Sneaky words.")
    await person.wait_for(lambda m: len([m for m in person.messages() if USE_BUTTONS in message_text(m)]) > asked,
                          what="the hint to use the buttons")


async def test_the_wizards_and_the_editors_buttons_after_save_say_the_draft_is_gone(bot: BotHarness) -> None:
    person = await bot.onboarded()
    await person.press("IVR flows")
    await person.press("New flow")
    await person.say("Reminder")
    voices = await person.wait_for(lambda m: bool(button_data(m, "fvoice", ":-")), what="the voices")
    old = buttons_of(voices, "fvoice")
    await person.press_data(button_data(voices, "fvoice", ":-"), voices["message_id"])
    kinds = await person.wait_for(lambda m: bool(button_data(m, "fkind", ":msg")), what="the step kinds")
    old_message = (kinds["message_id"], button_data(kinds, "fkind", ":msg"))
    old += buttons_of(kinds, "fkind", "fdisc")
    await person.press("💬 Message")
    await person.say("Hello from Acme Dental.")
    await person.wait_for_text("after step n1")
    await person.press("🔚 End the call")
    await person.say("Goodbye.")
    complete = await person.wait_for(lambda m: bool(button_data(m, "wtest")), what="the complete flow")
    old += buttons_of(complete, "wtest")
    options = await person.wait_for_text("the call's options, before saving")
    old += buttons_of(options, "fopt", "flang", "fvm", "fvc", "fsave", "fdisc")
    await person.press("Save")
    await person.wait_for_text("Reminder was saved")
    [saved] = await saved_flows(bot, person)

    # The wizard's buttons: a step, the voice, the options, the test call, Save and Discard.
    for message_id, data in old:
        await press_old(bot, person, message_id, data)
    await typed_text_goes_nowhere(person)
    assert await saved_flows(bot, person) == [saved]

    # A newer draft (the saved flow opened in the editor) is not touched by the wizard's buttons.
    await person.press("Main menu")
    await person.press("IVR flows")
    await person.press("Reminder ·")
    await person.press("Edit steps")
    steps = await person.wait_for_text("in the order of the call")
    old_editor = buttons_of(steps, "ed")
    await press_old(bot, person, *old_message)
    await typed_text_goes_nowhere(person)
    await person.press("⚙️ Options")
    editor_options = await person.wait_for_text(WORDS("edit.options_title", name="Reminder"))
    old_editor += buttons_of(editor_options, "fopt", "fvc", "edsave")
    await person.press("Save")
    await person.wait_for_text("Reminder was updated")
    [edited] = await saved_flows(bot, person)
    assert "Sneaky words." not in str(edited.spec)
    assert [node.text for node in edited.spec.graph.nodes] == [node.text for node in saved.spec.graph.nodes]

    # The editor's buttons after its Save: a step, its options, an option, Save.
    for message_id, data in old_editor:
        await press_old(bot, person, message_id, data, gone=EDIT_GONE if data.startswith("ed") else GONE)
    await typed_text_goes_nowhere(person)
    assert await saved_flows(bot, person) == [edited]


async def test_a_discarded_drafts_buttons_leave_the_next_draft_alone(bot: BotHarness) -> None:
    person = await bot.onboarded()
    await person.press("IVR flows")
    await person.press("New flow")
    await person.say("First")
    first_voices = await person.wait_for(lambda m: bool(button_data(m, "fvoice", ":-")), what="the voices")
    await person.press_data(button_data(first_voices, "fvoice", ":-"), first_voices["message_id"])
    first_kinds = await person.wait_for(lambda m: bool(button_data(m, "fkind", ":msg")), what="the step kinds")
    old_message = (first_kinds["message_id"], button_data(first_kinds, "fkind", ":msg"))
    await person.press("Discard")
    await person.press("New flow")
    await person.say("Second")
    voices = await person.wait_for(lambda m: m["message_id"] != first_voices["message_id"]
                                   and bool(button_data(m, "fvoice", ":-")), what="the second voices")
    await person.press_data(button_data(voices, "fvoice", ":-"), voices["message_id"])
    await person.wait_for_text("Second")
    # The first draft's Message button: gone, and no question of the second draft is asked by it.
    await press_old(bot, person, *old_message)
    await typed_text_goes_nowhere(person)
    await person.press("💬 Message")
    await person.say("Hello.")
    await person.press("🔚 End the call")
    await person.say("Goodbye.")
    await person.press("Save")
    await person.wait_for_text("Second was saved")
    [flow] = await saved_flows(bot, person)
    assert [node.text for node in flow.spec.graph.nodes] == ["Hello.", "Goodbye."]
