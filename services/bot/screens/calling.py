"""Calling one number: flow → number (read as every number question reads it, and refused at once, with
the reason, when no call may go to it or it is on the do-not-call list: all before the caller ID is
asked) → caller ID (among those that can call it) → price quote, with the full number → confirm (with
the recording switch) → a live status message edited as the call moves on → the outcome (flow 3). A
call can be stopped while it runs."""

from __future__ import annotations

import uuid

import grpc

from services.bot.call_texts import ADMISSION_REFUSAL_IDS, cost_lines, status_text
from services.bot.destination_check import allowed_destination, customer_country
from services.bot.destination_texts import country_name, example_number
from services.bot.formatting import local_money, local_time
from services.bot.i18n import Words
from services.bot.outgoing import Button, Keyboard, button
from services.bot.routing import router
from services.bot.screens.campaign_variables import single_call_refusal
from services.bot.screens.flows import approved_flows_keyboard
from services.bot.turn import Turn
from services.runtime.grpc_client import refusal_reason
from speechcue.calls.v1 import calls_pb2

MAX_CALL_MINUTES = 10


@router.button("call")
async def choose_flow(turn: Turn, args: list[str]) -> None:
    """Call, step 1: which approved flow."""
    words = turn.words
    turn.conversation.reset()
    if len(args) >= 2 and args[0] == "flow":
        await ask_number(turn, [args[1]])
        return
    keyboard, approved = await approved_flows_keyboard(turn, "callf")
    if not approved:
        keyboard.row(button(words("flow.new"), "fnew"))
    keyboard.row(button(words("menu.back_home"), "home"))
    turn.show(words("call.choose_flow") if approved else words("call.no_flows"), keyboard)


@router.button("callf")
async def ask_number(turn: Turn, args: list[str]) -> None:
    """Call, step 2: the number, in international form."""
    flow = await turn.services.calls.GetFlow(calls_pb2.GetFlowRequest(
        customer_id=turn.customer_id, flow_id=args[0] if args else ""), timeout=turn.timeout)
    if refusal := single_call_refusal(turn.words, flow):  # its {{variables}} come from a campaign's list
        turn.show(refusal, Keyboard().row(button(turn.words("campaign.new"), "cnew"))
                  .row(button(turn.words("menu.back"), "call")))
        return
    turn.conversation.expect("call.number", call_flow=flow.id, call_flow_name=flow.spec.name)
    country = customer_country(turn)
    hint = turn.words("number.national_hint", country=country_name(country, turn.words.language),
                      example=example_number(country, national=True))
    turn.show("\n".join([turn.words("call.ask_number", flow=flow.spec.name), hint]),
              Keyboard().row(button(turn.words("menu.back"), "call")))


@router.text("call.number")
async def receive_number(turn: Turn, text: str) -> None:
    """Call, step 3: the number checked (a phone number, an ordinary landline or mobile, in a country
    calls go to, that a caller ID reaches, not on the do-not-call list: else the reason, and the
    question stays open), then the caller ID, from the pool's numbers that can call it."""
    number = await allowed_destination(turn, text)
    if number is None:
        return
    # Asked here, not left to the quote: a number that cannot be called is refused before the caller ID.
    blocked = await turn.services.calls.CheckDoNotCall(calls_pb2.CheckDoNotCallRequest(
        customer_id=turn.customer_id, number=number), timeout=turn.timeout)
    if blocked.blocked:
        turn.send(turn.words("number.do_not_call", number=number))
        return
    turn.conversation.data["call_number"] = number
    turn.conversation.state = ""
    keyboard = Keyboard().row(button(turn.words("call.caller_auto"), "callid", "-"))
    for index, caller in enumerate((await reaching_caller_ids(turn, number))[:8]):
        keyboard.row(button(caller, "callid", index))
    keyboard.row(button(turn.words("menu.back"), "call"))
    turn.send(turn.words("call.choose_caller_id"), keyboard)


async def call_number_with(turn: Turn, flow: calls_pb2.Flow, number: str) -> None:
    """Call, entered from another screen that knows the flow and the number (the inbox's Call back):
    step 3 with that number, checked as a typed one is."""
    turn.conversation.reset()
    turn.conversation.expect("call.number", call_flow=flow.id, call_flow_name=flow.spec.name)
    await receive_number(turn, number)


async def reaching_caller_ids(turn: Turn, number: str) -> list[str]:
    """The pool's enabled numbers that can call `number`, in the pool's order (the buttons' indexes)."""
    pool = await turn.services.calls.ListCallerIds(calls_pb2.ListCallerIdsRequest(
        customer_id=turn.customer_id, to_number=number), timeout=turn.timeout)
    return [caller.number for caller in pool.caller_ids if caller.enabled]


@router.button("callid")
async def quote(turn: Turn, args: list[str]) -> None:
    """Call, step 4: the price quote and the confirm screen."""
    data = turn.conversation.data
    if "call_number" not in data:
        await choose_flow(turn, [])
        return
    if args and args[0].isdigit():
        reaching = await reaching_caller_ids(turn, data["call_number"])
        index = int(args[0])
        data["call_caller_id"] = reaching[index] if index < len(reaching) else ""
    elif args and args[0] in ("on", "off"):
        data["call_record"] = args[0] == "on"
    else:
        data["call_caller_id"] = ""
    data.setdefault("call_record", False)
    # One key per confirm screen: pressing "Call now" twice places one call.
    data.setdefault("call_key", uuid.uuid4().hex)
    words = turn.words
    record = bool(data["call_record"])
    # Quoted as it would be placed (recorded or not): the calls service's admission rule answers both.
    price = await turn.services.calls.QuoteCall(calls_pb2.QuoteCallRequest(
        customer_id=turn.customer_id, flow_id=data["call_flow"], to_number=data["call_number"],
        max_minutes=MAX_CALL_MINUTES, record=record), timeout=turn.timeout)
    # The customer's own callee, in full: the number they typed, as it will be dialled (logs stay redacted).
    lines = [words("call.quote", flow=data.get("call_flow_name", ""), number=data["call_number"],
                   caller=data["call_caller_id"] or words("call.caller_auto")), *cost_lines(words, price)]
    keyboard = Keyboard()
    if record and price.recording_fee_cents:
        lines.append(words("call.recording_fee", fee=local_money(price.recording_fee_cents, words.language)))
    keyboard.row(button(words("call.recording_on" if record else "call.recording_off"), "callid",
                        "off" if record else "on"))
    if price.allowed_now:
        keyboard.row(button(words("call.confirm"), "callgo"))
    elif price.blocked_reason == "OUTSIDE_CALLING_WINDOW":
        lines.append(words("call.outside_window", at=local_time(price.next_allowed_at, turn.customer.timezone,
                                                                  words.language)))
    elif price.blocked_reason not in ADMISSION_REFUSAL_IDS:  # those are said in place of the cost
        lines.append(words.name_of(f"error.{price.blocked_reason}",
                                   words("error.refused", reason=price.blocked_reason or "—")))
    keyboard.row(*ways_out_of(words, price.blocked_reason))
    keyboard.row(button(words("menu.back_home"), "home"))
    turn.show("\n".join(lines), keyboard)


# A refusal about money or the plan (services/calls/admission.py) leads somewhere: its words when
# StartCall refuses (the quote words it with the price and the plan instead) and its ways out.
MONEY_REFUSALS = {
    "INSUFFICIENT_FUNDS": ("error.INSUFFICIENT_FUNDS", ("topup", "plans")),
    "CUSTOMER_IN_DEBT": ("error.CUSTOMER_IN_DEBT", ("topup", "plans")),
    "RECORDING_FEE_NOT_COVERED": ("error.RECORDING_FEE_NOT_COVERED", ("topup", "plans")),
    "PLAN_HAS_NO_TRANSFER": ("error.PLAN_HAS_NO_TRANSFER", ("plans",)),
}
WAY_OUT_LABELS = {"topup": "wallet.topup", "plans": "plans.title"}


def ways_out_of(words: Words, reason: str) -> list[Button]:
    """The buttons that lead out of a refusal about money or the plan: a top-up, the plans."""
    _, ways = MONEY_REFUSALS.get(reason, ("", ()))
    return [button(words(WAY_OUT_LABELS[way]), way) for way in ways]


@router.button("callgo")
async def start_call(turn: Turn, args: list[str]) -> None:
    """Call, step 5: placing it; its live status is one message, edited as events arrive."""
    data = turn.conversation.data
    if "call_number" not in data or "call_key" not in data:
        await choose_flow(turn, [])
        return
    try:
        call = await turn.services.calls.StartCall(calls_pb2.StartCallRequest(
            idempotency_key=f"call:{turn.customer_id}:{data['call_key']}", customer_id=turn.customer_id,
            flow_id=data["call_flow"], to_number=data["call_number"], caller_id=data.get("call_caller_id", ""),
            max_minutes=MAX_CALL_MINUTES, record=bool(data.get("call_record"))), timeout=turn.timeout)
    except grpc.aio.AioRpcError as error:
        # Money or the plan changed since the quote: say so with the way out, not only the refusal.
        reason = refusal_reason(error) or ""
        if reason not in MONEY_REFUSALS:
            raise
        data.pop("call_key", None)  # a new try after a top-up is a new call, not this refused one
        turn.send(turn.words(MONEY_REFUSALS[reason][0]),
                  Keyboard().row(*ways_out_of(turn.words, reason)).row(button(turn.words("menu.back_home"), "home")))
        return
    turn.conversation.reset()
    turn.pressed_message_id = None
    keyboard = Keyboard().row(button(turn.words("call.stop"), "callstop", call.id))
    turn.send(status_text(turn.words, call.to_number, call.status, waiting_for_line=call.waiting_for_line), keyboard,
              ref=f"call:{call.id}")


@router.button("callstop")
async def stop_call(turn: Turn, args: list[str]) -> None:
    """Stops a call in progress (the customer's own, checked by the calls service)."""
    call = await turn.services.calls.StopCall(calls_pb2.StopCallRequest(
        idempotency_key=turn.key("stop"), customer_id=turn.customer_id, call_id=args[0] if args else ""),
        timeout=turn.timeout)
    turn.toast(turn.words("toast.stopping"))
    turn.show(turn.words("call.stopping", number=call.to_number))
