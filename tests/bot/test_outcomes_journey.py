"""What happened on each call, said the same way everywhere, in English and in 中文: a campaign whose
callees answer, do not answer, are busy, reach voicemail, are transferred, opt out or fail, and a call
the customer stops. The outcome message, the results list, the campaign's CSV and its chart say the
same words (one rule: services/calls/call_outcomes.py); no provider code reaches the chat. The
transcript is one tap from the outcome, and the post-call summary comes in the call's language."""

from __future__ import annotations

import csv
import io
from typing import Any

import asyncpg
import pytest

from services.bot.call_texts import outcome_words
from services.bot.campaign_outcomes import report_in_words
from services.bot.i18n import Words, catalogue
from services.calls.call_outcomes import CallOutcome, FailureCause, OutcomeKind
from services.calls.call_texts import texts_for
from services.sandbox.retell_analysis import SUMMARIES_BY_LANGUAGE
from speechcue.calls.v1 import calls_pb2
from tests.bot.conftest import BotHarness, Person, find_button, message_text
from tests.bot.test_campaign_reports_agree import downloaded
from tests.calls.conftest import menu_flow

DESK = "+14155550188"
# Each callee's script, and the outcome it ends with.
CALLEES: dict[str, tuple[dict[str, Any], CallOutcome]] = {
    "+14155551401": ({"duration_ms": 30_000}, CallOutcome(OutcomeKind.ANSWERED)),
    "+14155551402": ({"outcome": "no_answer"}, CallOutcome(OutcomeKind.NO_ANSWER)),
    "+14155551403": ({"outcome": "busy"}, CallOutcome(OutcomeKind.BUSY)),
    "+14155551404": ({"outcome": "voicemail", "duration_ms": 15_000}, CallOutcome(OutcomeKind.VOICEMAIL)),
    "+14155551405": ({"transfer_to": DESK, "duration_ms": 20_000}, CallOutcome(OutcomeKind.TRANSFERRED, DESK)),
    "+14155551406": ({"stop_calling_at_ms": 2_000, "duration_ms": 30_000}, CallOutcome(OutcomeKind.OPTED_OUT)),
    "+14155551407": ({"outcome": "failed"}, CallOutcome(OutcomeKind.FAILED, why=FailureCause.NOT_CONNECTED)),
}
STOPPED_CALLEE = "+14155551499"
PROVIDER_CODES = ("dial_", "voicemail_reached", "call_transfer", "manual_stopped", "user_requested_dnc",
                  "RETELL_", "user_hangup", "agent_hangup", "failed:", "no_answer")


async def customer_in(bot: BotHarness, language: str) -> tuple[Person, Words, str]:
    """An onboarded customer whose chat is in `language`, with money."""
    person = await bot.onboarded()
    connection = await asyncpg.connect(bot.database_url)
    try:
        await connection.execute("UPDATE telegram_users SET language = $1 WHERE telegram_user_id = $2",
                                 language, person.user_id)
    finally:
        await connection.close()
    person.language_chosen()
    customer = await bot.customer_id(person)
    await bot.calls.wallet.credit(customer, 20_000)
    return person, Words(language), customer


def assert_no_provider_code(text: str) -> None:
    assert not [code for code in PROVIDER_CODES if code in text], text


@pytest.mark.parametrize("language", ["en", "zh"])
async def test_a_campaigns_outcomes_read_the_same_in_the_csv_the_chart_and_the_results(
        bot: BotHarness, language: str) -> None:
    person, words, customer = await customer_in(bot, language)
    flow = await bot.calls.flow(customer, menu_flow())
    for number, (script, _) in CALLEES.items():
        await bot.calls.script_callee(number, **script)
    created = await bot.calls.stub.CreateCampaign(calls_pb2.CreateCampaignRequest(
        idempotency_key=bot.calls.key("campaign"), customer_id=customer, name="Outcomes", flow_id=flow.id,
        list="\n".join(CALLEES).encode(), retry=calls_pb2.RetryPolicy(max_attempts=1)))
    await bot.calls.stub.StartCampaign(calls_pb2.CampaignActionRequest(
        idempotency_key="go", customer_id=customer, campaign_id=created.id))

    document = await person.wait_for(lambda m: "document" in m, what="the campaign's report")
    chart = await person.wait_for(lambda m: "photo" in m, what="the chart")
    assert chart["photo"]
    expected = {number: outcome_words(words, outcome) for number, (_, outcome) in CALLEES.items()}

    # The CSV: the header, the status and the outcome in the chat's words.
    content = (await downloaded(bot, document["document"]["file_id"])).decode()
    assert_no_provider_code(content)
    rows = list(csv.DictReader(io.StringIO(content)))
    number, outcome = words("outcome.csv.number"), words("outcome.csv.outcome")
    assert {row[number]: row[outcome] for row in rows} == expected

    # The chart: one bar per outcome, under the same words, counted from the same column.
    report = await bot.calls.stub.GetCampaignReport(calls_pb2.GetCampaignRequest(customer_id=customer,
                                                                                campaign_id=created.id))
    bars = report_in_words(words, report.csv).bars
    assert sorted((label, count) for label, count, _ in bars) == sorted((text, 1) for text in expected.values())

    # The results list: each call's line says its outcome in the same words.
    await person.say("/menu")
    await person.press(words("menu.results"))
    listed = await person.wait_for(lambda m: str(m.get("reply_markup")).count("'res:") >= len(CALLEES),
                                   what="the results list")
    labels = message_text(listed)
    assert_no_provider_code(labels)
    for number, text in expected.items():
        line = next(line for line in labels.splitlines() if number in line)
        shown = line.split(" · ")[1]  # a button's label is cut at 60 characters: the outcome may be cut short
        assert len(shown) >= min(len(text), 12) and text.startswith(shown), (line, text)

    # One call's details: the outcome in the title.
    busy_call = next(line for line in labels.splitlines() if "+14155551403" in line)
    await person.press(busy_call)
    details = await person.wait_for(lambda m: words("call.outcome.title", number="+14155551403",
                                                    status=expected["+14155551403"]) in message_text(m),
                                    what="the busy call's details")
    assert_no_provider_code(message_text(details))


@pytest.mark.parametrize("language", ["en", "zh"])
async def test_a_call_the_customer_stops_says_stopped_by_you_and_its_transcript_is_one_tap_away(
        bot: BotHarness, language: str) -> None:
    person, words, customer = await customer_in(bot, language)
    spec = menu_flow()
    spec.language = "zh-CN" if language == "zh" else "en-US"
    await bot.calls.flow(customer, spec)
    await bot.calls.script_callee(STOPPED_CALLEE, duration_ms=3_000_000)

    await person.say("/menu")
    await person.press(words("menu.call"))
    await person.press_first("callf:")
    await person.wait_for_text(words("call.ask_number", flow=spec.name))
    await person.say(STOPPED_CALLEE)
    await person.press_first("callid:")
    quote = await person.wait_for(lambda m: find_button(m, words("call.confirm")) is not None, what="the quote")
    await person.press_data(find_button(quote, words("call.confirm")) or "", quote["message_id"])
    live = await person.wait_for(lambda m: words("call.status.answered") in message_text(m)
                                 and find_button(m, words("call.stop")) is not None,
                                 what="the call answered")
    await person.press_data(find_button(live, words("call.stop")) or "", live["message_id"])

    stopped = words("outcome.stopped")
    title = words("call.outcome.title", number=STOPPED_CALLEE, status=stopped)
    outcome = await person.wait_for(lambda m: title in message_text(m), what="the outcome")
    assert_no_provider_code(message_text(outcome))
    transcript = find_button(outcome, words("outcome.transcript"))
    assert transcript is not None and transcript.lstrip("!").startswith("transcript:")

    # The summary Retell wrote after the call, in the call's language: the agent asked for it.
    agent = next(iter(bot.calls.retell.agents.values()))
    assert agent["post_call_analysis_data"] == [{"type": "system-presets", "name": "call_summary",
                                                 "description": texts_for(spec.language).summary_instruction}]
    summary = (dict(SUMMARIES_BY_LANGUAGE)[("chinese", "中文")] if language == "zh"
               else "The callee listened to the message.")
    await person.wait_for_text(summary)

    await person.press_data(transcript, outcome["message_id"])
    shown = await person.wait_for(lambda m: words("outcome.transcript.title") in message_text(m),
                                  what="the transcript")
    said = texts_for(spec.language).disclosure.format(business="Acme Dental")
    assert words("outcome.transcript.agent", text=said) in message_text(shown)  # the opening, said first

    # The call's details offer it too, and say the same words as the outcome message.
    call_id = transcript.split(":", 1)[1]
    await person.press_data(f"res:{call_id}")
    details = await person.wait_for(lambda m: find_button(m, words("outcome.transcript")) is not None
                                    and stopped in message_text(m), what="the call's details")
    assert_no_provider_code(message_text(details))
    assert "outcome.transcript" in catalogue(language) and words("outcome.transcript").startswith("📝")
