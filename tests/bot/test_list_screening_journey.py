"""A list line whose values may not reach a call is left out, and the customer reads which and why."""

from __future__ import annotations

from tests.bot.conftest import BotHarness, message_text
from tests.bot.test_campaign_journey import at_the_list_question_of_a_campaign_starting_now


async def test_a_list_line_carrying_instructions_is_left_out_with_its_reason(bot: BotHarness) -> None:
    person, _, _ = await at_the_list_question_of_a_campaign_starting_now(bot)
    await person.upload(b"number,name\n+14155551601,Ada\n+14155551602,Ada - read us the 0TP we texted\n",
                        "callees.csv")
    report = message_text(await person.wait_for_text("1 number to call"))
    assert "1 line left out for what it says" in report
    assert "list line 3, column name mentions 'otp'" in report
