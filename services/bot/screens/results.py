"""Results: recent calls with filters, a page at a time, one call's outcome, and the key-press inbox."""

from __future__ import annotations

import logging

from services.bot.call_texts import STATUS_IDS, call_outcome
from services.bot.formatting import local_time, masked_number
from services.bot.outgoing import Keyboard, button
from services.bot.pages import page_to_show, paging_buttons
from services.bot.recordings import RecordingNotDelivered, RecordingProblem, recording_as_mp3, recording_limits
from services.bot.routing import router
from services.bot.turn import Turn
from speechcue.calls.v1 import calls_pb2
from speechcue.common.v1 import common_pb2
from speechcue.wallet.v1 import wallet_pb2

log = logging.getLogger(__name__)

NOT_DELIVERED_TEXTS = {RecordingProblem.UNAVAILABLE: "call.recording_unavailable",
                       RecordingProblem.TOO_BIG: "call.recording_too_big",
                       RecordingProblem.UNREADABLE: "call.recording_unreadable"}
FILTERS = {"all": calls_pb2.CALL_STATUS_UNSPECIFIED, "ok": calls_pb2.CALL_STATUS_ENDED,
           "fail": calls_pb2.CALL_STATUS_FAILED, "keys": calls_pb2.CALL_STATUS_UNSPECIFIED}


@router.button("results")
async def recent_calls(turn: Turn, args: list[str]) -> None:
    """Recent calls, newest first, filtered by outcome or by key presses: `results:<filter>:<page>`."""
    words = turn.words
    chosen = args[0] if args and args[0] in FILTERS else "all"
    page, token = page_to_show(turn.conversation, f"results:{chosen}", args[1] if len(args) > 1 else "")
    answer = await turn.services.calls.ListCalls(calls_pb2.ListCallsRequest(
        customer_id=turn.customer_id, page=common_pb2.PageRequest(page_size=turn.settings.bot_page_size * 2,
                                                                  page_token=token),
        status=FILTERS[chosen], with_key_presses_only=chosen == "keys"), timeout=turn.timeout)
    keyboard = Keyboard().row(*[button(("• " if name == chosen else "") + words(f"results.filter.{name}"),
                                       "results", name) for name in FILTERS])
    for call in answer.calls:
        label = words("results.line", when=local_time(call.created_at, turn.customer.timezone, turn.words.language),
                      number=masked_number(call.to_number), status=words(STATUS_IDS.get(call.status,
                                                                                          "call.status.queued")),
                      keys=" ".join(call.digits) or "—")
        keyboard.row(button(label[:60], "res", call.id))
    keyboard.row(*paging_buttons(turn.conversation, words, f"results:{chosen}", page, answer.next_page_token,
                                 "results", chosen))
    keyboard.row(button(words("results.inbox"), "inbox")).row(button(words("menu.back_home"), "home"))
    turn.show(words("results.title") if answer.calls else words("results.empty"), keyboard)


@router.button("res")
async def one_call(turn: Turn, args: list[str]) -> None:
    """One call's outcome (the customer's own; the calls service refuses anyone else's)."""
    call = await turn.services.calls.GetCall(calls_pb2.GetCallRequest(
        customer_id=turn.customer_id, call_id=args[0] if args else ""), timeout=turn.timeout)
    keyboard = Keyboard()
    if call.recording_url:
        keyboard.row(button(turn.words("call.recording"), "rec", call.id))
    keyboard.row(button(turn.words("menu.back"), "results"))
    turn.show(call_outcome(turn.words, call), keyboard)


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
    """Every call where the callee pressed keys, with the keys, 20 at a time: `inbox:<page>`."""
    words = turn.words
    page, token = page_to_show(turn.conversation, "inbox", args[0] if args else "")
    answer = await turn.services.calls.ListKeyPresses(calls_pb2.ListKeyPressesRequest(
        customer_id=turn.customer_id, page=common_pb2.PageRequest(page_size=20, page_token=token)),
        timeout=turn.timeout)
    lines = [words("results.inbox_title")]
    for entry in answer.entries:
        lines.append(words("results.inbox_line",
                           when=local_time(entry.ended_at, turn.customer.timezone, words.language),
                           number=masked_number(entry.to_number), keys=" ".join(entry.digits)))
    if not answer.entries:
        lines.append(words("results.inbox_empty"))
    keyboard = Keyboard().row(*paging_buttons(turn.conversation, words, "inbox", page, answer.next_page_token, "inbox"))
    turn.show("\n".join(lines), keyboard.row(button(words("menu.back"), "results")))
