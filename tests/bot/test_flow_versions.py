"""The customer sees which version their calls use: told before editing an approved flow that the
edit is checked and calls keep the approved version; the flow view says "approved version N in
use; your edit waits for review / was rejected: <note>"; and the flow stays in the call picker."""

from __future__ import annotations

from tests.bot.conftest import BotHarness, find_button, forge_press
from tests.calls.flow_versions import approved_flow, asking_for_a_pin, edit, review


async def test_an_approved_flow_whose_edit_waits_is_still_offered_and_says_which_version_calls_use(
        bot: BotHarness) -> None:
    person = await bot.onboarded("Acme Dental")
    customer = await bot.customer_id(person)
    flow = await approved_flow(bot.calls, customer)

    await person.press("IVR flows")
    await person.press(f"{flow.spec.name} ·")
    await person.press("Edit a step")
    await person.wait_for_text("Approved version 1 of this flow is in use. Your edit is checked")

    await edit(bot.calls, customer, flow, asking_for_a_pin())  # saved as the bot's edit would save it
    await person.press("Back")
    await person.wait_for_text("Approved version 1 is in use; your edit waits for review.")
    # Straight to the main menu's call picker (its button's data, "call").
    await forge_press(bot, person, "call")
    await person.wait_for(lambda message: find_button(message, flow.spec.name) == f"callf:{flow.id}",
                          what="the call picker offering the flow")

    await review(bot.calls, flow.id, approve=False, note="A reminder must not ask for a PIN.")
    await forge_press(bot, person, f"flow:view:{flow.id}")
    await person.wait_for_text("your edit was rejected: A reminder must not ask for a PIN.")
