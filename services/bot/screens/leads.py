"""Calls by their custom outcomes (flow_fields.py): the Leads list, the calls one of whose answers is
what its field marks as a lead ("interested?" = yes), and Results filtered by one answer of a yes/no or
choice field ("preferred day" = Tue). Both are reached from Results; each call opens as in Results.

Which answers can be filtered by comes from the customer's flows (each field of their latest and
approved versions that has a set of answers); a button carries the filter's number, and the
conversation keeps the filters shown (a name and an answer would not fit a button's 64 bytes), so a
button of an older list shows the filters again. The answers themselves are read from the calls
service, the customer's own only.
"""

from __future__ import annotations

from services.bot.answer_texts import answer_words, answers_line
from services.bot.conversation import KEPT_ON_RESET
from services.bot.formatting import local_time
from services.bot.outgoing import Keyboard, button
from services.bot.pages import page_to_show, paging_buttons
from services.bot.routing import router
from services.bot.turn import Turn
from services.calls.custom_fields import fields_of
from speechcue.calls.v1 import calls_pb2
from speechcue.common.v1 import common_pb2

FILTERS_KEY = f"{KEPT_ON_RESET}answer_filters"
MAX_FILTERS = 24


def calls_keyboard(turn: Turn, calls: list[calls_pb2.Call]) -> Keyboard:
    """Each call a button to its outcome: when, the number, its answers."""
    keyboard = Keyboard()
    for call in calls:
        when = local_time(call.created_at, turn.customer.timezone, turn.words.language, with_zone=False)
        label = turn.words("leads.line", when=when, number=call.to_number, answers=answers_line(turn.words, call))
        keyboard.row(button(label[:60], "res", call.id))
    return keyboard


@router.button("leads")
async def leads(turn: Turn, args: list[str]) -> None:
    """`leads[:<page>]` the calls an answer made a lead, newest first."""
    words = turn.words
    page, token = page_to_show(turn.conversation, "leads", args[0] if args else "")
    answer = await turn.services.calls.ListCalls(calls_pb2.ListCallsRequest(
        customer_id=turn.customer_id, leads_only=True,
        page=common_pb2.PageRequest(page_size=turn.settings.bot_page_size, page_token=token)), timeout=turn.timeout)
    keyboard = calls_keyboard(turn, list(answer.calls))
    keyboard.row(*paging_buttons(turn.conversation, words, "leads", page, answer.next_page_token, "leads"))
    keyboard.row(button(words("menu.back"), "results"))
    turn.show(words("leads.title") if answer.calls else words("leads.empty"), keyboard)


async def answer_filters(turn: Turn) -> list[list[str]]:
    """Every (field, answer) of the customer's flows that calls can be filtered by, once each."""
    answer = await turn.services.calls.ListFlows(calls_pb2.ListFlowsRequest(
        customer_id=turn.customer_id, page=common_pb2.PageRequest(page_size=50)), timeout=turn.timeout)
    found: list[list[str]] = []
    for flow in answer.flows:
        for spec in (flow.approved_spec, flow.spec):
            for field in fields_of(spec):
                for value in field.answers():
                    if [field.name, value, field.type.value] not in found:
                        found.append([field.name, value, field.type.value])
    return found[:MAX_FILTERS]


@router.button("resans")
async def calls_by_answer(turn: Turn, args: list[str]) -> None:
    """`resans` the answers to filter by; `resans:<n>[:<page>]` the calls with answer n."""
    words = turn.words
    shown = turn.conversation.data.get(FILTERS_KEY)
    number = int(args[0]) if args and args[0].isdigit() else -1
    if not isinstance(shown, list) or not 0 <= number < len(shown):
        filters = await answer_filters(turn)
        turn.conversation.data[FILTERS_KEY] = filters
        keyboard = Keyboard()
        for index, (name, value, kind) in enumerate(filters):
            keyboard.row(button(f"{name} = {answer_words(words, kind, value)}"[:60], "resans", index))
        keyboard.row(button(words("menu.back"), "results"))
        turn.show(words("leads.by_answer_title") if filters else words("leads.by_answer_none"), keyboard)
        return
    name, value, kind = shown[number]
    screen = f"resans:{number}"
    page, token = page_to_show(turn.conversation, screen, args[1] if len(args) > 1 else "")
    answer = await turn.services.calls.ListCalls(calls_pb2.ListCallsRequest(
        customer_id=turn.customer_id, answer_field=name, answer_value=value,
        page=common_pb2.PageRequest(page_size=turn.settings.bot_page_size, page_token=token)), timeout=turn.timeout)
    keyboard = calls_keyboard(turn, list(answer.calls))
    keyboard.row(*paging_buttons(turn.conversation, words, screen, page, answer.next_page_token, "resans", str(number)))
    keyboard.row(button(words("leads.by_answer"), "resans", "-"), button(words("menu.back"), "results"))
    filter_words = f"{name} = {answer_words(words, kind, value)}"
    turn.show(words("leads.by_answer_calls", answer=filter_words) if answer.calls
              else words("leads.by_answer_empty", answer=filter_words), keyboard)
