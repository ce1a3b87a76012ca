"""Admin (only for SPEECHCUE_ADMIN_TELEGRAM_IDS): flows waiting for review with approve and reject,
refunds, customer lookup and the kill switch. The owning services check the admin id again."""

from __future__ import annotations

from services.bot.formatting import money
from services.bot.outgoing import Keyboard, button
from services.bot.routing import router
from services.bot.turn import Turn
from services.bot.users import count_users, find_user_by_customer
from speechcue.calls.v1 import calls_pb2
from speechcue.common.v1 import common_pb2
from speechcue.wallet.v1 import wallet_pb2


def admin_back(turn: Turn) -> Keyboard:
    return Keyboard().row(button(turn.words("menu.back"), "adm"))


@router.button("adm")
async def admin(turn: Turn, args: list[str]) -> None:
    """The admin menu and its actions."""
    words = turn.words
    if not turn.is_admin:
        turn.show(words("error.not_allowed"), Keyboard().row(button(words("menu.back_home"), "home")))
        return
    action = args[0] if args else ""
    if action == "reviews":
        answer = await turn.services.calls.ListFlowsForReview(calls_pb2.ListFlowsForReviewRequest(
            admin_telegram_id=turn.telegram_user_id, page=common_pb2.PageRequest(page_size=10)), timeout=turn.timeout)
        keyboard = Keyboard()
        lines = [words("admin.reviews_title")]
        for flow in answer.flows:
            lines.append(words("admin.review_line", name=flow.spec.name, reasons="; ".join(flow.review_reasons)))
            keyboard.row(button(words("admin.approve", name=flow.spec.name[:20]), "adm", "ok", flow.id),
                         button(words("admin.reject"), "adm", "no", flow.id))
        if not answer.flows:
            lines.append(words("admin.reviews_empty"))
        turn.show("\n".join(lines), keyboard.row(button(words("menu.back"), "adm")))
        return
    if action in ("ok", "no") and len(args) > 1:
        flow = await turn.services.calls.ReviewFlow(calls_pb2.ReviewFlowRequest(
            idempotency_key=turn.key("review"), admin_telegram_id=turn.telegram_user_id, flow_id=args[1],
            approve=action == "ok", note=words("admin.review_note_ok" if action == "ok" else "admin.review_note_no")),
            timeout=turn.timeout)
        turn.show(words("admin.reviewed", name=flow.spec.name, approved=words("plans.yes" if action == "ok"
                                                                               else "plans.no")),
                  Keyboard().row(button(words("admin.reviews"), "adm", "reviews")))
        return
    if action == "lookup":
        turn.conversation.expect("admin.lookup")
        turn.show(words("admin.ask_customer"), admin_back(turn))
        return
    customers = await count_users(turn.uow)
    keyboard = (Keyboard().row(button(words("admin.reviews"), "adm", "reviews"))
                .row(button(words("admin.lookup"), "adm", "lookup"))
                .row(button(words("menu.back_home"), "home")))
    turn.show(words("admin.title", customers=customers), keyboard)


@router.text("admin.lookup")
async def lookup_customer(turn: Turn, text: str) -> None:
    """A customer by id: balance, limits, and the kill switch."""
    words = turn.words
    if not turn.is_admin:
        turn.conversation.reset()
        return
    found = await find_user_by_customer(turn.uow, text.strip()[:64])
    if found is None:
        turn.send(words("admin.no_customer"), admin_back(turn))
        return
    turn.conversation.reset()
    await show_customer(turn, found.customer_id)


async def show_customer(turn: Turn, customer_id: str) -> None:
    words = turn.words
    balance = await turn.services.wallet.GetBalance(wallet_pb2.GetBalanceRequest(customer_id=customer_id),
                                                    timeout=turn.timeout)
    limits = await turn.services.calls.GetCustomerLimits(calls_pb2.GetCustomerLimitsRequest(customer_id=customer_id),
                                                         timeout=turn.timeout)
    text = words("admin.customer", customer=customer_id, balance=money(balance.available_cents),
                 debt=money(balance.debt_cents), suspended=words("plans.yes" if limits.suspended else "plans.no"))
    switch = "admin.resume_customer" if limits.suspended else "admin.suspend_customer"
    turn.send(text, Keyboard().row(button(words(switch), "admks", customer_id, "off" if limits.suspended else "on"))
              .row(button(words("menu.back"), "adm")))


@router.button("admks")
async def kill_switch(turn: Turn, args: list[str]) -> None:
    """Suspends a customer (no new calls, campaigns paused, calls stopped) or lets them call again."""
    if not turn.is_admin or len(args) < 2:
        turn.show(turn.words("error.not_allowed"))
        return
    limits = await turn.services.calls.GetCustomerLimits(calls_pb2.GetCustomerLimitsRequest(customer_id=args[0]),
                                                         timeout=turn.timeout)
    limits.suspended = args[1] == "on"
    limits.suspension_reason = turn.words("admin.suspended_reason") if limits.suspended else ""
    await turn.services.calls.SetCustomerLimits(calls_pb2.SetCustomerLimitsRequest(
        idempotency_key=turn.key("limits"), admin_telegram_id=turn.telegram_user_id, limits=limits),
        timeout=turn.timeout)
    turn.pressed_message_id = None
    await show_customer(turn, args[0])
