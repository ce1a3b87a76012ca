"""Results: recent calls with filters, a page at a time, one call's outcome, and the key-press inbox,
where each callee who pressed keys can be called back or put on the customer's do-not-call list.

The numbers here are the customer's own callees, shown in full to the customer who called them
(a number is checked against the customer by the calls service on every read); logs name calls by
id, never by number."""

from __future__ import annotations

import logging

import grpc

from services.bot.call_texts import call_outcome, call_status_words, transcript_button
from services.bot.callback_texts import callback_asked_line
from services.bot.formatting import local_time, zone_label
from services.bot.outgoing import Keyboard, button
from services.bot.pages import page_to_show, paging_buttons
from services.bot.recordings import RecordingNotDelivered, RecordingProblem, recording_as_mp3, recording_limits
from services.bot.routing import router
from services.bot.screens.calling import call_number_with
from services.bot.screens.flows import approved_flows_keyboard
from services.bot.turn import Turn
from speechcue.calls.v1 import calls_pb2
from speechcue.common.v1 import common_pb2
from speechcue.wallet.v1 import wallet_pb2

log = logging.getLogger(__name__)

NOT_DELIVERED_TEXTS = {RecordingProblem.UNAVAILABLE: "call.recording_unavailable",
                       RecordingProblem.TOO_BIG: "call.recording_too_big",
                       RecordingProblem.UNREADABLE: "call.recording_unreadable"}
# Entries a page of the inbox: each has its own pair of buttons.
INBOX_PAGE_SIZE = 5
FILTERS = {"all": calls_pb2.CALL_STATUS_UNSPECIFIED, "ok": calls_pb2.CALL_STATUS_ENDED,
           "vm": calls_pb2.CALL_STATUS_UNSPECIFIED, "fail": calls_pb2.CALL_STATUS_FAILED,
           "keys": calls_pb2.CALL_STATUS_UNSPECIFIED}


@router.button("results")
async def recent_calls(turn: Turn, args: list[str]) -> None:
    """Recent calls, newest first, filtered by outcome or by key presses: `results:<filter>:<page>`."""
    words = turn.words
    chosen = args[0] if args and args[0] in FILTERS else "all"
    page, token = page_to_show(turn.conversation, f"results:{chosen}", args[1] if len(args) > 1 else "")
    answer = await turn.services.calls.ListCalls(calls_pb2.ListCallsRequest(
        customer_id=turn.customer_id, page=common_pb2.PageRequest(page_size=turn.settings.bot_page_size * 2,
                                                                  page_token=token),
        status=FILTERS[chosen], with_key_presses_only=chosen == "keys",
        # A voicemail is its own outcome: not among the answered calls, and a filter of its own.
        voicemail_only=chosen == "vm", without_voicemail=chosen == "ok"), timeout=turn.timeout)
    keyboard = Keyboard().row(*[button(("• " if name == chosen else "") + words(f"results.filter.{name}"),
                                       "results", name) for name in FILTERS])
    for call in answer.calls:
        label = words("results.line", when=local_time(call.created_at, turn.customer.timezone, turn.words.language,
                                                         with_zone=False),
                      number=call.to_number, status=call_status_words(words, call),
                      keys=" ".join(call.digits) or "—")
        keyboard.row(button(label[:60], "res", call.id))
    keyboard.row(*paging_buttons(turn.conversation, words, f"results:{chosen}", page, answer.next_page_token,
                                 "results", chosen))
    # Calls by their custom outcomes (leads.py).
    keyboard.row(button(words("leads.button"), "leads"), button(words("leads.by_answer"), "resans"))
    keyboard.row(button(words("results.inbox"), "inbox")).row(button(words("menu.back_home"), "home"))
    zone = zone_label(turn.customer.timezone, words.language)
    turn.show(words("results.title", zone=zone) if answer.calls else words("results.empty"), keyboard)


@router.button("res")
async def one_call(turn: Turn, args: list[str]) -> None:
    """One call's outcome (the customer's own; the calls service refuses anyone else's)."""
    call = await turn.services.calls.GetCall(calls_pb2.GetCallRequest(
        customer_id=turn.customer_id, call_id=args[0] if args else ""), timeout=turn.timeout)
    keyboard = Keyboard()
    if call.recording_url:
        keyboard.row(button(turn.words("call.recording"), "rec", call.id))
    if call.status == calls_pb2.CALL_STATUS_ENDED:
        keyboard.row(transcript_button(turn.words, call.id))
    text = call_outcome(turn.words, call)
    if call.HasField("callback_at") and not call.campaign_id:  # a campaign calls back by itself
        text += "\n" + callback_asked_line(turn.words, call.to_number, call.callback_at, turn.customer.timezone)
        keyboard.row(button(turn.words("callback.call_back"), "inboxcall", call.id))
    keyboard.row(button(turn.words("menu.back"), "results"))
    # The outcome reads as in the notification (call_texts.py), which masks the number; this screen
    # is the owner's own record of the call, so it shows the number in full.
    turn.show(text, keyboard)


@router.button("rec")
async def send_recording(turn: Turn, args: list[str]) -> None:
    """The call's recording, as MP3 audio the chat plays; when it cannot be delivered, the customer
    is told why and the recording fee goes back to the wallet (once per call, however often asked)."""
    call = await turn.services.calls.GetCall(calls_pb2.GetCallRequest(
        customer_id=turn.customer_id, call_id=args[0] if args else ""), timeout=turn.timeout)
    if not call.recording_url:
        turn.send(turn.words("call.recording_none"))
        return
    try:
        audio = await recording_as_mp3(call.recording_url, recording_limits(turn.settings))
    except RecordingNotDelivered as failure:
        log.warning("the recording of call %s was not delivered: %s", call.id, failure)
        # Keyed by the call, not the update: every press answers the one refund the wallet made.
        refund = await turn.services.wallet.RefundCallExtra(wallet_pb2.RefundCallExtraRequest(
            idempotency_key=f"recording-undelivered:{call.id}", customer_id=turn.customer_id, call_id=call.id,
            reason="recording not delivered"), timeout=turn.timeout)
        lines = [turn.words(NOT_DELIVERED_TEXTS[failure.problem])]
        if refund.transfer.amount_cents:
            lines.append(turn.words("call.recording_fee_refunded"))
        turn.send("\n".join(lines), Keyboard().row(button(turn.words("menu.back"), "res", call.id)))
        return
    turn.send_file("sendAudio", audio, f"call-recording-{call.id}.mp3", caption=turn.words("call.recording"))


@router.button("inbox")
async def key_press_inbox(turn: Turn, args: list[str]) -> None:
    """Every call where the callee pressed keys, newest first, a few at a time (`inbox:<page>`): who, when,
    which flow or campaign, the menu choices and the digits typed, and a Call back and a Do-not-call
    button for each."""
    words = turn.words
    page, token = page_to_show(turn.conversation, "inbox", args[0] if args else "")
    answer = await turn.services.calls.ListKeyPresses(calls_pb2.ListKeyPressesRequest(
        customer_id=turn.customer_id, page=common_pb2.PageRequest(page_size=INBOX_PAGE_SIZE, page_token=token)),
        timeout=turn.timeout)
    lines = [words("results.inbox_title"), words("inbox.intro") if answer.entries else words("results.inbox_empty")]
    keyboard = Keyboard()
    for position, entry in enumerate(answer.entries, start=1):
        lines += ["", *inbox_entry_lines(turn, position, entry)]
        keyboard.row(button(words("inbox.call_back", position=position), "inboxcall", entry.call_id),
                     button(words("inbox.do_not_call", position=position), "inboxdnc", entry.call_id))
    keyboard.row(*paging_buttons(turn.conversation, words, "inbox", page, answer.next_page_token, "inbox"))
    turn.show("\n".join(lines), keyboard.row(button(words("menu.back"), "results")))


def inbox_entry_lines(turn: Turn, position: int, entry: calls_pb2.KeyPresses) -> list[str]:
    """One callee in the inbox: the number in full and when, the flow or campaign, then each input."""
    words = turn.words
    lines = [words("inbox.entry", position=position, number=entry.to_number,
                   when=local_time(entry.ended_at, turn.customer.timezone, turn.words.language))]
    if entry.campaign_id:
        lines.append(words("inbox.campaign", campaign=entry.campaign_name or "—", flow=entry.flow_name or "—"))
    else:
        lines.append(words("inbox.flow", flow=entry.flow_name or "—"))
    inputs = list(entry.inputs) or [calls_pb2.KeyInput(keys="".join(entry.digits))]
    for item in inputs:
        if item.kind == calls_pb2.KEY_INPUT_KIND_MENU_CHOICE:
            lines.append(words("inbox.menu_choice", key=item.keys, step=item.step_id))
        elif item.kind == calls_pb2.KEY_INPUT_KIND_DIGITS:
            lines.append(words("inbox.digits", digits=item.keys or "—", step=item.step_id))
        elif item.kind == calls_pb2.KEY_INPUT_KIND_OPT_OUT:
            lines.append(words("inbox.opted_out", key=item.keys))
        else:
            lines.append(words("inbox.keys", keys=" ".join(item.keys) or "—"))
    return lines


@router.button("inboxcall")
async def call_back(turn: Turn, args: list[str]) -> None:
    """Call back: the call path with the callee's number, with the flow of the call pressed on while it
    can still be called (straight to the caller ID), else after choosing one of the approved flows."""
    call = await turn.services.calls.GetCall(calls_pb2.GetCallRequest(
        customer_id=turn.customer_id, call_id=args[0] if args else ""), timeout=turn.timeout)
    flow = await callable_flow(turn, call.flow_id)
    if flow is not None:
        await call_number_with(turn, flow, call.to_number)
        return
    turn.conversation.reset()
    turn.conversation.data["inbox_number"] = call.to_number
    keyboard, approved = await approved_flows_keyboard(turn, "inboxflow")
    keyboard.row(button(turn.words("menu.back"), "inbox"))
    turn.show(turn.words("inbox.choose_flow", number=call.to_number) if approved else turn.words("call.no_flows"),
              keyboard)


async def callable_flow(turn: Turn, flow_id: str) -> calls_pb2.Flow | None:
    """The customer's flow when it has an approved version calls can dial; None when it has none or is gone."""
    if not flow_id:
        return None
    try:
        flow = await turn.services.calls.GetFlow(calls_pb2.GetFlowRequest(
            customer_id=turn.customer_id, flow_id=flow_id), timeout=turn.timeout)
    except grpc.aio.AioRpcError as error:
        if error.code() != grpc.StatusCode.NOT_FOUND:
            raise
        return None
    return flow if flow.approved_version > 0 else None


@router.button("inboxflow")
async def call_back_with_flow(turn: Turn, args: list[str]) -> None:
    """Call back, after choosing the flow: the call path with the number kept from the inbox."""
    number = turn.conversation.data.get("inbox_number")
    flow = await callable_flow(turn, args[0] if args else "")
    if not isinstance(number, str) or flow is None:
        await key_press_inbox(turn, [])
        return
    await call_number_with(turn, flow, number)


@router.button("inboxdnc")
async def confirm_do_not_call(turn: Turn, args: list[str]) -> None:
    """Add to do-not-call, asked first: the number and what it means."""
    call = await turn.services.calls.GetCall(calls_pb2.GetCallRequest(
        customer_id=turn.customer_id, call_id=args[0] if args else ""), timeout=turn.timeout)
    turn.show(turn.words("inbox.dnc_confirm", number=call.to_number),
              Keyboard().row(button(turn.words("inbox.dnc_yes"), "inboxdncy", call.id))
              .row(button(turn.words("menu.back"), "inbox")))


@router.button("inboxdncy")
async def add_to_do_not_call(turn: Turn, args: list[str]) -> None:
    """Add to do-not-call, confirmed: the number on the customer's own list; no call of theirs reaches
    it again (the calls service refuses it at the number question, at StartCall and in campaigns)."""
    call = await turn.services.calls.GetCall(calls_pb2.GetCallRequest(
        customer_id=turn.customer_id, call_id=args[0] if args else ""), timeout=turn.timeout)
    await turn.services.calls.AddDoNotCall(calls_pb2.AddDoNotCallRequest(
        idempotency_key=turn.key("dnc"), customer_id=turn.customer_id, number=call.to_number,
        reason="added by the customer from the key-press inbox"), timeout=turn.timeout)
    turn.toast(turn.words("toast.added"))
    turn.show(turn.words("inbox.dnc_done", number=call.to_number),
              Keyboard().row(button(turn.words("results.inbox"), "inbox")).row(
                  button(turn.words("menu.back_home"), "home")))
