"""Every column a variable, in the chat: the flow screen names the variables a flow says, Call now
refuses such a flow, the list step asks for their columns, a list lacking values is refused naming its
lines, the confirm screen previews the first callee's words, and each call carries its callee's values.
The words of each refusal and of the preview exist in all four languages."""

from __future__ import annotations

import grpc
import pytest
from google.protobuf import any_pb2
from google.rpc import error_details_pb2, status_pb2

from services.bot.i18n import LANGUAGES, Words
from services.bot.screens.campaign_variables import lacking_list_text, list_step_line
from tests.bot.conftest import BotHarness, message_text
from tests.calls.test_list_variables import reminder_flow

ADA, BOB = "+14155551701", "+14155551702"


async def test_a_csv_with_first_name_and_amount_fills_each_call_and_the_preview(bot: BotHarness) -> None:
    person = await bot.onboarded("Acme Dental")
    customer = await bot.customer_id(person)
    await bot.calls.wallet.credit(customer, 5_000)
    flow = await bot.calls.flow(customer, reminder_flow())
    await bot.calls.script_callee(ADA, duration_ms=1_000)
    await bot.calls.script_callee(BOB, duration_ms=1_000)

    # The flow screen names its variables; Call now cannot fill them and says so.
    await person.press("IVR flows")
    await person.press("Payment reminder")
    await person.wait_for_text("Variables: {{first_name}}, {{amount}}")
    await person.press("Call a number")
    refusal = message_text(await person.wait_for_text("A single call has no list to fill them from"))
    assert "This flow says {{first_name}}, {{amount}}" in refusal

    # The list step asks for the columns.
    await person.press("New campaign")
    await person.press_first("cflow:")
    await person.press("Now")
    asked = message_text(await person.wait_for_text("Send the numbers"))
    assert "This flow says {{first_name}}, {{amount}}" in asked and "phone,first_name,amount" in asked

    # A line without an amount: the list is refused, naming the line, and the question stays open.
    await person.upload(f"phone,first_name,amount\n{ADA},Ada,$12.50\n{BOB},Bob,\n".encode(), "callees.csv")
    refused = message_text(await person.wait_for_text("1 line of the list has no value"))
    assert "line 3: {{amount}}" in refused

    await person.upload(f"phone,first_name,amount\n{ADA},Ada,$12.50\n{BOB},Bob,$3\n".encode(), "callees.csv")
    confirm = message_text(await person.wait_for_text("What the first callee hears first"))
    assert "2 numbers to call" in confirm
    preview = confirm[confirm.index("What the first callee hears first"):]
    assert preview.index("This is an automated call from Acme Dental.") < preview.index(
        "« Hello Ada, your payment of $12.50 is due. »")
    await person.press("Start now")
    await person.wait_for(lambda m: "2 of 2 done" in message_text(m), what="the finished campaign")

    sent = {simulated.record["to_number"]: simulated.record["retell_llm_dynamic_variables"]
            for simulated in bot.calls.retell.calls.values()}
    assert (sent[ADA]["first_name"], sent[ADA]["amount"]) == ("Ada", "$12.50")
    assert (sent[BOB]["first_name"], sent[BOB]["amount"]) == ("Bob", "$3")
    assert all(record.record["agent_id"] == flow.approved_retell_agent_id
               for record in bot.calls.retell.calls.values())


class Refusal(grpc.aio.AioRpcError):
    """A LIST_LACKS_VARIABLES refusal as the calls service sends it, for wording it without a server."""

    def __init__(self, metadata: dict[str, str]) -> None:
        detail = any_pb2.Any()
        detail.Pack(error_details_pb2.ErrorInfo(reason="LIST_LACKS_VARIABLES", metadata=metadata))
        status = status_pb2.Status(code=3, message="", details=[detail])
        super().__init__(grpc.StatusCode.INVALID_ARGUMENT, grpc.aio.Metadata(),
                         grpc.aio.Metadata(("grpc-status-details-bin", status.SerializeToString())))


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_the_refusals_and_the_list_step_are_worded_in_every_language(language: str) -> None:
    words = Words(language)
    lines = lacking_list_text(words, Refusal({"missing": "", "lines": "3:amount;4:first_name,amount",
                                              "lacking": "2"}))
    assert lines is not None and "{{amount}}" in lines and "3" in lines and "4" in lines
    missing = lacking_list_text(words, Refusal({"missing": "amount", "lines": "", "lacking": "0"}))
    assert missing is not None and "{{amount}}" in missing and "phone,amount" in missing
    step = list_step_line(words, ["first_name", "amount"])
    assert "{{first_name}}, {{amount}}" in step and "phone,first_name,amount" in step
    for message_id in ("variables.preview_title", "variables.single_call", "error.FLOW_NEEDS_VARIABLES",
                       "campaign.paused.flow_needs_variables"):
        assert words(message_id, variables="{{amount}}") != message_id
    if language != "en":  # its own words, not English
        assert lines != lacking_list_text(Words("en"), Refusal({"missing": "", "lines": "3:amount;4:first_name,amount",
                                                                 "lacking": "2"}))
