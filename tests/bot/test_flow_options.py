"""The flow wizard's last screen and AI scripts, in the chat: a task described in free text becomes an
AI-script flow with the options the customer chose (opt-out key, language, answering machine); the
options refuse keys a menu uses; a task asking for a PIN goes to review; the task can be edited."""

from __future__ import annotations

from services.bot.i18n import Words
from speechcue.calls.v1 import calls_pb2
from tests.bot.conftest import BotHarness, Person, button_data, message_text, start_new_flow

WORDS = Words("en")
TASK = "Remind the callee of tomorrow's 10:00 cleaning at Acme Dental and ask whether they will come."


async def saved_flows(bot: BotHarness, person: Person) -> list[calls_pb2.Flow]:
    answer = await bot.calls.stub.ListFlows(calls_pb2.ListFlowsRequest(customer_id=await bot.customer_id(person)))
    return list(answer.flows)


async def start_ai_script(person: Person, name: str) -> None:
    await start_new_flow(person, name, new_button="New AI-script flow")
    await person.wait_for_text("Describe the call's task")


async def test_an_ai_script_is_saved_with_the_options_chosen_before_saving(bot: BotHarness) -> None:
    person = await bot.onboarded()
    await start_ai_script(person, "Cleaning reminder")
    await person.say("   ")
    await person.say("x" * 3001)
    await person.wait_for_text(WORDS("flow.bad_prompt", max=3000))
    await person.say(TASK)
    screen = await person.wait_for_text("an AI-script flow")
    assert TASK in message_text(screen)
    assert "Opt-out key: 9" in message_text(screen) and "Language of the call: English (US)" in message_text(screen)

    await person.press("Opt-out key")
    await person.say("12")
    await person.wait_for_text("Please send one key")
    await person.say("#")
    await person.wait_for_text("Opt-out key: #")
    await person.press("🌐 Language")
    await person.press("Spanish")
    await person.wait_for_text("Language of the call: Spanish")
    await person.press("Answering machine")
    await person.press("Leave a short message")
    await person.say("Hello from Acme Dental, please call us back on 555 0100.")
    await person.wait_for_text("leave the message “Hello from Acme Dental")

    await person.press("Save")
    await person.wait_for_text("Cleaning reminder was saved")
    [flow] = await saved_flows(bot, person)
    assert flow.spec.kind == calls_pb2.FLOW_KIND_AI_SCRIPT
    assert flow.spec.ai_prompt == TASK
    assert (flow.spec.opt_out_key, flow.spec.language) == ("#", "es-ES")
    assert flow.spec.voicemail_action == calls_pb2.VOICEMAIL_ACTION_LEAVE_MESSAGE
    assert flow.spec.voicemail_message == "Hello from Acme Dental, please call us back on 555 0100."
    # A new customer's AI script is read by a person first (services/calls/review_policy.py).
    assert flow.status == calls_pb2.FLOW_STATUS_PENDING_REVIEW
    agent = bot.calls.retell.agents[flow.retell_agent_id]
    assert agent["language"] == "es-ES"
    # The call speaks Spanish: its disclosure, opt-out notice and guardrail are in Spanish too.
    assert "pulse # en cualquier momento" in bot.calls.retell.llms[agent["response_engine"]["llm_id"]]["general_prompt"]
    assert "please call us back on 555 0100" in agent["voicemail_option"]["action"]["text"]

    await person.press("Open the flow")
    view = await person.wait_for_text("The call's task")
    assert TASK in message_text(view) and "Opt-out key: #" in message_text(view)
    await person.press("Edit the task")
    await person.wait_for_text("Send the call's new task")
    await person.say("Ask the callee which day next week suits them for a check-up.")
    await person.wait_for_text("Cleaning reminder")
    [edited] = await saved_flows(bot, person)
    assert edited.spec.ai_prompt == "Ask the callee which day next week suits them for a check-up."
    assert edited.spec.opt_out_key == "#"  # the options stay as they were


async def test_a_task_asking_for_a_pin_waits_for_review_and_cannot_be_called(bot: BotHarness) -> None:
    person = await bot.onboarded()
    await start_ai_script(person, "Card check")
    await person.say("Ask the callee to confirm their card PIN so we can unblock the card.")
    await person.press("Save")
    saved = await person.wait_for_text("Card check was saved")
    assert "review" in message_text(saved).lower()
    [flow] = await saved_flows(bot, person)
    assert flow.status == calls_pb2.FLOW_STATUS_PENDING_REVIEW
    assert "call:flow" not in str(saved.get("reply_markup"))


async def test_the_opt_out_key_and_menu_keys_never_meet(bot: BotHarness) -> None:
    person = await bot.onboarded()
    await start_new_flow(person, "Survey")
    await person.press("Key-press menu")
    await person.say("Press 1 for yes, 9 for no.")
    await person.wait_for_text("Which keys does this menu offer")
    await person.say("1 9")
    await person.wait_for_text("Key 9 is how the callee opts out")  # refused; the wizard asks again
    await person.say("1 2")
    for _ in range(2):
        await person.wait_for_text("when the callee presses")
        await person.press("End the call")
        await person.wait_for_text("Send the goodbye")
        await person.say("Thanks, bye.")
    await person.wait_for_text("the call's options, before saving")
    await person.press("Opt-out key")
    await person.say("2")
    await person.wait_for_text("Key 2 is a choice in one of your menus")
    await person.say("0")
    await person.wait_for_text("Opt-out key: 0")
    await person.press("Save")
    await person.wait_for_text("Survey was saved")
    [flow] = await saved_flows(bot, person)
    assert flow.spec.opt_out_key == "0"
    assert sorted(edge.key for edge in flow.spec.graph.nodes[0].edges) == ["1", "2"]
    assert flow.status == calls_pb2.FLOW_STATUS_APPROVED


async def test_an_older_options_screen_pressed_after_saving_says_so_and_changes_nothing(bot: BotHarness) -> None:
    person = await bot.onboarded()
    await start_ai_script(person, "Old draft")
    await person.say(TASK)
    first_screen = await person.wait_for_text("an AI-script flow")
    await person.press("Answering machine")
    await person.press("Leave a short message")  # the first screen now asks, with a Back button
    await person.say("Please call us back.")  # and the options come again in a new message
    await person.wait_for(lambda m: m["message_id"] != first_screen["message_id"] and "leave the message" in
                          message_text(m), what="the options again")
    await person.press("Save")
    await person.wait_for_text("Old draft was saved")
    await person.press_data(button_data(first_screen, "fopts"), first_screen["message_id"])
    await person.wait_for_text("This draft is no longer open")
    [flow] = await saved_flows(bot, person)
    assert flow.spec.voicemail_message == "Please call us back."
