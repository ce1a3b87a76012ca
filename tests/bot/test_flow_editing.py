"""Editing a saved flow's structure in the chat: a flow built with the wizard gets a step inserted,
one removed (confirmed first), one moved up, a menu key pointed elsewhere, a new opt-out key and
call language, and after Save the calls service holds exactly that flow as its new version. A step
others lead to is removed only as the confirmation says (they go on to its next step) or refused,
naming them; the voices for the call's language come first; and a button of the editor pressed after
Save says the edit is gone and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from services.bot.i18n import Words
from services.sandbox import retell_routes
from speechcue.calls.v1 import calls_pb2
from tests.bot.conftest import BotHarness, Person, button_data, find_button, message_text, start_new_flow
from tests.calls.flow_versions import approved_flow

WORDS = Words("en")


def structure(flow: calls_pb2.Flow) -> dict[str, tuple[str, str, list[tuple[str, str]]]]:
    """Each step: its kind, words and edges."""
    return {node.id: (calls_pb2.NodeKind.Name(node.kind), node.text or node.transfer_number,
                      [(edge.key, edge.target_node_id) for edge in node.edges]) for node in flow.spec.graph.nodes}


def voice_names(message: dict[str, Any]) -> list[str]:
    return [row[0]["text"].split(" (")[0] for row in message["reply_markup"]["inline_keyboard"]
            if row[0].get("callback_data", "").split(":")[-1] != "-"
            and not row[0].get("callback_data", "").startswith("fopts:")]


async def the_flow(bot: BotHarness, person: Person, flow_id: str) -> calls_pb2.Flow:
    return await bot.calls.stub.GetFlow(calls_pb2.GetFlowRequest(customer_id=await bot.customer_id(person),
                                                                 flow_id=flow_id))


async def build_shop_line(person: Person) -> None:
    """With the wizard: n1 message → n2 menu; key 1 → n3 message → n4 end; key 2 → n5 end."""
    await start_new_flow(person, "Shop line")
    await person.press("Message")
    await person.say("Welcome to Acme Tools.")
    await person.wait_for_text("after step n1")
    await person.press("Key-press menu")
    await person.say("Press 1 for sales, 2 for opening hours.")
    await person.wait_for_text("Which keys does this menu offer")
    await person.say("1 2")
    await person.wait_for_text("when the callee presses 1")
    await person.press("Message")
    await person.say("Sales will call you back today.")
    await person.wait_for_text("after step n3")
    await person.press("End the call")
    await person.say("Thank you, goodbye.")
    await person.wait_for_text("when the callee presses 2")
    await person.press("End the call")
    await person.say("We are open nine to five. Goodbye.")
    await person.wait_for_text("the call's options, before saving")
    await person.press("Save")
    await person.wait_for_text("Shop line was saved")


async def open_editor(person: Person, name: str) -> None:
    await person.press("IVR flows")
    await person.press(f"{name} ·")
    await person.press("Edit steps")
    await person.wait_for_text("in the order of the call")


async def test_a_saved_flow_is_restructured_and_saved_as_its_new_version(bot: BotHarness) -> None:
    person = await bot.onboarded("Acme Tools")
    await build_shop_line(person)
    [saved] = (await bot.calls.stub.ListFlows(calls_pb2.ListFlowsRequest(
        customer_id=await bot.customer_id(person)))).flows
    await person.press("Main menu")
    await open_editor(person, "Shop line")
    steps = await person.wait_for_text("in the order of the call")
    # Numbered in the call's order, as the text is: key 2's ending (built last but one) is fourth.
    assert find_button(steps, "4. n5:") and "4. 🔚 End the call \"We are open" in message_text(steps)

    # Insert a message after the first step.
    await person.press("1. n1:")
    await person.press("Insert after")
    await person.press("Message")
    await person.wait_for_text("Send the message the callee hears")
    await person.say("This call may be recorded.")
    await person.wait_for_text("Step n6 added.")

    # Move it up: it becomes the first step, and the call starts with it.
    await person.press("2. n6:")
    await person.press("Move up")
    steps = await person.wait_for_text("Step n6 moved.")
    assert "1. n6:" in message_text(steps) and "2. n1:" in message_text(steps)

    # Key 2 now leads to the sales message; the ending it led to is reached by nothing.
    await person.press("3. n2:")
    await person.press("Keys and where they lead")
    await person.press("2 → n5")
    await person.wait_for_text("Where should key 2 of menu n2 lead?")
    await person.press("n3:")
    await person.wait_for_text("Step n2: 2 → n3.")
    await person.press("Back")
    await person.wait_for_text("Step 3 (n2)")
    await person.press("Back")
    steps = await person.wait_for_text("in the order of the call")
    assert "Not reachable from the start" in message_text(steps)
    # The calls service's own rule, as the wizard asks it: Save would be refused, naming the step.
    assert WORDS("edit.problems_title") in message_text(steps)
    assert f"Step 6 · 🔚 End the call “We are open nine to five. Goodbye.”: {WORDS('wizard.problem.unreachable')}" \
        in message_text(steps), message_text(steps)
    await person.press("Save")
    await person.wait_for_text(WORDS("edit.not_saved"))
    assert (await the_flow(bot, person, saved.id)).version == saved.version

    # Remove it: asked first, then gone.
    await person.press("n5: We are open")
    await person.press("Remove this step")
    confirm = await person.wait_for_text("Remove step n5")
    assert "Yes, remove" in message_text(confirm)
    await person.press("Yes, remove")
    steps = await person.wait_for_text("Step n5 removed.")
    assert WORDS("edit.ready") in message_text(steps)
    assert "n5" not in message_text(steps).replace("Step n5 removed.", "")

    # The options: a new opt-out key and call language, then Save.
    await person.press("Options")
    await person.press("Opt-out key")
    await person.say("#")
    await person.wait_for_text("Opt-out key: #")
    await person.press("🌐 Language")
    await person.press("French")
    await person.wait_for_text("Language of the call: French")
    await person.press("Save")
    await person.wait_for_text("Shop line was updated")

    flow = await the_flow(bot, person, saved.id)
    assert flow.version == saved.version + 1
    assert flow.spec.graph.start_node_id == "n6"
    assert structure(flow) == {
        "n6": ("NODE_KIND_MESSAGE", "This call may be recorded.", [("next", "n1")]),
        "n1": ("NODE_KIND_MESSAGE", "Welcome to Acme Tools.", [("next", "n2")]),
        "n2": ("NODE_KIND_MENU", "Press 1 for sales, 2 for opening hours.", [("1", "n3"), ("2", "n3")]),
        "n3": ("NODE_KIND_MESSAGE", "Sales will call you back today.", [("next", "n4")]),
        "n4": ("NODE_KIND_END", "Thank you, goodbye.", []),
    }
    assert (flow.spec.opt_out_key, flow.spec.language) == ("#", "fr-FR")
    assert flow.spec.business_name == saved.spec.business_name


async def test_removing_a_step_others_lead_to_is_repaired_or_refused_as_the_screen_says(bot: BotHarness) -> None:
    person = await bot.onboarded("Acme Dental")
    flow = await approved_flow(bot.calls, await bot.customer_id(person))  # hello → menu (1, 2) → bye
    await open_editor(person, flow.spec.name)

    # The ending both keys lead to: removing it would leave the menu with no key, so it is refused.
    await person.press("3. bye:")
    await person.press("Remove this step")
    await person.wait_for_text(WORDS("edit.refused.led_to", steps="menu (1), menu (2)"))
    await person.press("Back")
    await person.wait_for_text("Step 3 (bye)")
    await person.press("Back")
    await person.wait_for_text("in the order of the call")

    # The menu: "hello" leads to it and it has no single next step, so it is refused too.
    await person.press("2. menu:")
    await person.press("Remove this step")
    await person.wait_for_text(WORDS("edit.refused.led_to", steps="hello"))
    await person.press("Back")
    await person.wait_for_text("Step 2 (menu)")
    await person.press("Back")
    await person.wait_for_text("in the order of the call")

    # The first message: the call then starts at the menu, as the confirmation says.
    await person.press("1. hello:")
    await person.press("Remove this step")
    confirm = await person.wait_for_text("Remove step hello")
    assert WORDS("edit.remove_new_start", target="menu") in message_text(confirm)
    await person.press("Yes, remove")
    await person.wait_for_text("Step hello removed.")
    await person.press("Save")
    await person.wait_for_text("was updated")

    saved = await the_flow(bot, person, flow.id)
    assert saved.spec.graph.start_node_id == "menu"
    assert sorted(structure(saved)) == ["bye", "menu"]


async def test_a_step_is_inserted_before_a_shared_step_and_every_way_in_goes_through_it(bot: BotHarness) -> None:
    person = await bot.onboarded("Acme Dental")
    flow = await approved_flow(bot.calls, await bot.customer_id(person))
    await open_editor(person, flow.spec.name)
    await person.press("3. bye:")
    await person.press("Insert before")
    await person.press("Key-press menu")
    await person.say("Press 3 to hear this again.")
    keys_question = await person.wait_for_text("Which keys does this menu offer")
    assert find_button(keys_question, "Back")  # every question has a way back
    await person.say("3")
    await person.wait_for_text("Step n4 added.")

    # A key added to the new menu leads to a new transfer step.
    await person.press("3. n4:")
    await person.press("Keys and where they lead")
    await person.press("Add a key")
    await person.wait_for_text("Send the new key")
    await person.say("9")
    await person.wait_for_text("Key 9 is how the callee opts out")
    await person.say("4")
    await person.wait_for_text("Where should key 4 of menu n4 lead?")
    await person.press("Transfer")
    await person.wait_for_text("Send the number to transfer the call to")
    await person.say("+14155550199")
    await person.wait_for_text("Step n5 added.")
    await person.press("Save")
    await person.wait_for_text("was updated")
    saved = await the_flow(bot, person, flow.id)
    assert structure(saved)["menu"][2] == [("1", "n4"), ("2", "n4")]
    assert structure(saved)["n4"] == ("NODE_KIND_MENU", "Press 3 to hear this again.", [("3", "bye"), ("4", "n5")])
    assert structure(saved)["n5"] == ("NODE_KIND_TRANSFER", "+14155550199", [])


async def test_voices_for_the_calls_language_are_offered_first(bot: BotHarness,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(retell_routes, "DEFAULT_VOICES", [
        {"voice_id": "11labs-Adrian", "voice_name": "Adrian", "provider": "elevenlabs", "gender": "male",
         "accent": "American"},
        {"voice_id": "cartesia-Hugo", "voice_name": "Hugo", "provider": "cartesia", "gender": "male",
         "accent": "British"},
        {"voice_id": "11labs-Amelie", "voice_name": "Amelie", "provider": "elevenlabs", "gender": "female",
         "accent": "French"},
    ])
    person = await bot.onboarded()
    await person.press("IVR flows")
    await person.press("New flow")
    await person.say("Bonjour")
    voices = await person.wait_for(lambda m: "fvoice:" in str(m.get("reply_markup")), what="the voices")
    # An English chat's flow speaks American English until another language is chosen.
    assert voice_names(voices) == ["Adrian", "Hugo", "Amelie"]
    await person.press_data(button_data(voices, "fvoice", ":-"), voices["message_id"])
    await person.press("Message")
    await person.say("Bonjour et bienvenue.")
    await person.press("End the call")
    await person.say("Au revoir.")
    await person.wait_for_text("the call's options, before saving")
    await person.press("🌐 Language")
    await person.press("French")
    await person.press("🎙 Voice")
    picker = await person.wait_for_text(WORDS("flow.ask_voice"))
    assert voice_names(picker) == ["Amelie", "Adrian", "Hugo"]
    await person.press("Amelie")
    await person.wait_for_text("Language of the call: French")
    await person.press("💾 Save")
    await person.wait_for_text("Bonjour was saved")
    [flow] = (await bot.calls.stub.ListFlows(calls_pb2.ListFlowsRequest(
        customer_id=await bot.customer_id(person)))).flows
    assert (flow.spec.voice_id, flow.spec.language) == ("11labs-Amelie", "fr-FR")


async def test_an_older_editor_button_changes_nothing_and_after_save_says_the_edit_is_gone(
        bot: BotHarness) -> None:
    person = await bot.onboarded("Acme Dental")
    flow = await approved_flow(bot.calls, await bot.customer_id(person))
    await open_editor(person, flow.spec.name)
    await person.press("1. hello:")
    await person.press("Insert after")
    await person.press("Message")
    first_question = await person.wait_for_text("Send the message the callee hears")
    await person.say("One more thing.")
    await person.wait_for_text("Step n4 added.")
    await person.press("1. hello:")
    await person.press("Change the words")
    second_question = await person.wait_for_text("Send the new words for step hello")
    await person.say("Hello again.")
    await person.wait_for_text("Step hello has new words.")

    # The first question's Back names a step by its place before the insert: the steps as they are now.
    await person.press_data(find_button(first_question, "Back") or "", first_question["message_id"])
    await person.wait_for_text(WORDS("edit.outdated"))
    await person.press("Save")
    await person.wait_for_text("was updated")
    saved = await the_flow(bot, person, flow.id)
    assert structure(saved)["hello"] == ("NODE_KIND_MESSAGE", "Hello again.", [("next", "n4")])

    await person.press_data(find_button(second_question, "Back") or "", second_question["message_id"])
    await person.wait_for_text(WORDS("edit.gone"))
    assert await the_flow(bot, person, flow.id) == saved


async def test_leaving_an_edit_drops_it_and_its_save_button_then_changes_nothing(bot: BotHarness) -> None:
    person = await bot.onboarded("Acme Dental")
    flow = await approved_flow(bot.calls, await bot.customer_id(person))
    await open_editor(person, flow.spec.name)
    await person.press("1. hello:")
    await person.press("Remove this step")
    await person.press("Yes, remove")
    steps = await person.wait_for_text("Step hello removed.")
    save = find_button(steps, "Save")
    await person.press("Leave without saving")
    await person.wait_for_text("Status:")  # the flow's own screen again
    await person.press_data(save or "", steps["message_id"])  # the steps are still in the chat
    await person.wait_for_text(WORDS("edit.gone"))
    assert await the_flow(bot, person, flow.id) == flow


async def test_an_ai_scripts_options_are_changed_and_saved_with_its_task_kept(bot: BotHarness) -> None:
    person = await bot.onboarded("Acme Dental")
    created = await bot.calls.stub.CreateFlow(calls_pb2.CreateFlowRequest(
        idempotency_key="ai-script-options", customer_id=await bot.customer_id(person),
        spec=calls_pb2.FlowSpec(name="Check-up", kind=calls_pb2.FLOW_KIND_AI_SCRIPT, business_name="Acme Dental",
                                ai_prompt="Ask the callee which day next week suits them for a check-up.")))
    await person.press("IVR flows")
    await person.press("Check-up ·")
    await person.press("Change options")
    await person.wait_for_text("an AI-script flow")
    await person.press("🌐 Language")
    await person.press("Spanish")
    await person.wait_for_text("Language of the call: Spanish")
    await person.press("Answering machine")
    await person.press("Leave a short message")
    await person.say("Please call Acme Dental back.")
    await person.wait_for_text("leave the message")
    await person.press("Save")
    await person.wait_for_text("Check-up was updated")
    flow = await the_flow(bot, person, created.id)
    assert flow.spec.ai_prompt == created.spec.ai_prompt
    assert (flow.spec.language, flow.spec.voicemail_message) == ("es-ES", "Please call Acme Dental back.")
    assert flow.version == created.version + 1


async def test_the_editor_speaks_chinese_in_a_chinese_chat(bot: BotHarness) -> None:
    """The bot fixture fails on any English word a 中文 chat receives (tests/bot/english_leaks.py)."""
    words = Words("zh")
    person = bot.person("zh")
    await person.say("/start")
    await person.press("中文")
    await person.wait_for_text(label(words, "onboarding.ask_name"))
    await person.say("牙科诊所")
    await person.press(label(words, "onboarding.accept"))
    await person.press(label(words, "onboarding.trial_skip"))
    await person.wait_for_text(label(words, "menu.title"))
    created = await bot.calls.stub.CreateFlow(calls_pb2.CreateFlowRequest(
        idempotency_key="zh-reminder", customer_id=await bot.customer_id(person), spec=calls_pb2.FlowSpec(
            name="复诊提醒", kind=calls_pb2.FLOW_KIND_GRAPH, business_name="牙科诊所", language="zh-CN",
            graph=calls_pb2.FlowGraph(start_node_id="n1", nodes=[
                calls_pb2.FlowNode(id="n1", kind=calls_pb2.NODE_KIND_MESSAGE, text="您明天十点有预约。",
                                   edges=[calls_pb2.FlowEdge(key="next", target_node_id="n2")]),
                calls_pb2.FlowNode(id="n2", kind=calls_pb2.NODE_KIND_MENU, text="确认请按1，取消请按2。",
                                   edges=[calls_pb2.FlowEdge(key="1", target_node_id="n3"),
                                          calls_pb2.FlowEdge(key="2", target_node_id="n3")]),
                calls_pb2.FlowNode(id="n3", kind=calls_pb2.NODE_KIND_END, text="谢谢，再见。")]))))

    await person.press(label(words, "menu.flows"))
    await person.press("复诊提醒 ·")
    await person.press(label(words, "edit.open"))
    await person.press("3. n3:")
    await person.press(label(words, "edit.remove"))
    await person.wait_for_text(words("edit.refused.led_to", steps="n2 (1), n2 (2)"))
    await person.press(label(words, "menu.back"))
    await person.wait_for_text(label(words, "edit.step"))
    await person.press(label(words, "menu.back"))
    await person.press("1. n1:")
    await person.press(label(words, "edit.insert_before"))
    await person.press(label(words, "flow.kind.msg"))
    await person.say("本通话可能会被录音。")
    await person.wait_for_text(words("edit.inserted", node="n4"))
    await person.press(label(words, "flow.save"))
    await person.wait_for_text(label(words, "flow.updated"))
    flow = await bot.calls.stub.GetFlow(calls_pb2.GetFlowRequest(
        customer_id=await bot.customer_id(person), flow_id=created.id))
    assert flow.spec.graph.start_node_id == "n4"


def label(words: Words, message_id: str) -> str:
    """A button's label, or the start of a message, without its values."""
    return words(message_id).split("{")[0].split("\n")[0].strip()
