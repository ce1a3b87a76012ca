"""Admin screens that protect callees: the caller-ID pool (the only numbers a callee ever sees, synced
from Retell, each one enabled or disabled) and the platform-wide do-not-call list, each change in the
audit log. The calls service checks the admin id again; the bot's own check only keeps the screens
private."""

from __future__ import annotations

from services.bot.audit import record_admin_action
from services.bot.destination_check import read_typed_number
from services.bot.outgoing import Keyboard, button
from services.bot.routing import router
from services.bot.screens.admin import admin_back, confirm_keyboard
from services.bot.screens.home import back_home
from services.bot.turn import Turn
from speechcue.calls.v1 import calls_pb2

# One screen shows this many numbers (a button each); a larger pool shows its first ones, in number order.
SHOWN_NUMBERS = 20


@router.button("admcid")
async def caller_ids(turn: Turn, args: list[str]) -> None:
    """admcid: the pool, each number with its state and a button that flips it; admcid:<on|off>:<number>
    asks Yes/No, admcid:<on|off>:<number>:y flips it; admcid:sync syncs from Retell."""
    words = turn.words
    if not turn.is_admin:
        turn.show(words("error.not_allowed"), back_home(words))
        return
    action = args[0] if args else ""
    heading = ""
    if action == "sync":
        synced = await turn.services.calls.SyncCallerIds(calls_pb2.SyncCallerIdsRequest(
            idempotency_key=turn.key("sync-caller-ids"), admin_telegram_id=turn.telegram_user_id), timeout=turn.timeout)
        heading = words.plural("admin.cids_synced", sum(1 for number in synced.caller_ids if number.enabled))
        await record_admin_action(turn.uow, admin_telegram_id=turn.telegram_user_id, action="caller_ids_synced",
                                  note=heading)
    elif action in ("on", "off") and len(args) > 1 and (len(args) < 3 or args[2] != "y"):
        question = "admin.cid_confirm_enable" if action == "on" else "admin.cid_confirm_disable"
        yes = "admin.cid_yes_enable" if action == "on" else "admin.cid_yes_disable"
        turn.show(words(question, number=args[1]),
                  confirm_keyboard(words, words(yes), ("admcid", action, args[1], "y"), ("admcid",)))
        return
    elif action in ("on", "off") and len(args) > 1:
        await turn.services.calls.SetCallerIdEnabled(calls_pb2.SetCallerIdEnabledRequest(
            idempotency_key=turn.key("caller-id"), admin_telegram_id=turn.telegram_user_id, number=args[1],
            enabled=action == "on"), timeout=turn.timeout)
        await record_admin_action(turn.uow, admin_telegram_id=turn.telegram_user_id,
                                  action="caller_id_enabled" if action == "on" else "caller_id_disabled",
                                  subject=args[1])
        turn.toast(words("toast.done"))
    pool = await turn.services.calls.ListCallerIds(calls_pb2.ListCallerIdsRequest(
        admin_telegram_id=turn.telegram_user_id, include_disabled=True), timeout=turn.timeout)
    lines = [heading] if heading else []
    lines.append(words("admin.cids_title"))
    keyboard = Keyboard()
    for number in pool.caller_ids[:SHOWN_NUMBERS]:
        lines.append(words("admin.cids_line", state="✅" if number.enabled else "⛔", number=number.number,
                           label=number.label))
        flip = ("admin.cid_disable", "off") if number.enabled else ("admin.cid_enable", "on")
        keyboard.row(button(words(flip[0], number=number.number), "admcid", flip[1], number.number))
    if not pool.caller_ids:
        lines.append(words("admin.cids_empty"))
    keyboard.row(button(words("admin.cids_sync"), "admcid", "sync")).row(button(words("menu.back"), "adm"))
    turn.show("\n".join(lines), keyboard)


@router.button("admdnc")
async def ask_do_not_call_number(turn: Turn, args: list[str]) -> None:
    if not turn.is_admin:
        turn.show(turn.words("error.not_allowed"), back_home(turn.words))
        return
    turn.conversation.expect("admin.dnc")
    turn.show(turn.words("admin.ask_dnc"), admin_back(turn))


@router.text("admin.dnc")
async def add_to_do_not_call(turn: Turn, text: str) -> None:
    """The number on the platform-wide list: no customer's call reaches it again. A number that is
    not a phone number is refused as at every number question (destination_check.read_phone_number)."""
    if not turn.is_admin:
        turn.conversation.reset()
        return
    number = read_typed_number(turn, text)
    if number is None:  # told what is wrong; the question stays open
        return
    entry = await turn.services.calls.AddDoNotCall(calls_pb2.AddDoNotCallRequest(
        idempotency_key=turn.key("do-not-call"), admin_telegram_id=turn.telegram_user_id, number=number,
        reason=turn.words("admin.dnc_reason")), timeout=turn.timeout)
    await record_admin_action(turn.uow, admin_telegram_id=turn.telegram_user_id, action="do_not_call",
                              subject=entry.number, note=entry.reason)
    turn.conversation.reset()
    turn.send(turn.words("admin.dnc_added", number=entry.number),
              Keyboard().row(button(turn.words("admin.dnc"), "admdnc")).row(button(turn.words("menu.back"), "adm")))
