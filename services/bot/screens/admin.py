"""Admin (only for SPEECHCUE_ADMIN_TELEGRAM_IDS): platform figures of the last 24 hours, flows waiting
for review with approve and reject, plans and their prices, customer lookup with refunds and the
kill switch (the caller-ID pool and the do-not-call list are in admin_protection). The owning
services check the admin id again; the bot's own check only keeps the screens private."""

from __future__ import annotations

from services.bot.formatting import money
from services.bot.outgoing import Keyboard, button
from services.bot.routing import router
from services.bot.screens.home import back_home
from services.bot.screens.wallet import parse_dollars
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
        turn.show(words("error.not_allowed"), back_home(words))
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
    if action == "figures":
        await show_figures(turn)
        return
    if action == "plans":
        plans = await turn.services.wallet.ListPlans(wallet_pb2.ListPlansRequest(include_inactive=True),
                                                     timeout=turn.timeout)
        keyboard = Keyboard()
        for plan in plans.plans:
            keyboard.row(button(words("plans.line", name=turn.words.name_of(f"plan.name.{plan.code}", plan.name),
                                      price=money(plan.price_cents)), "admpl", plan.code))
        turn.show(words("admin.plans_title"), keyboard.row(button(words("menu.back"), "adm")))
        return
    customers = await count_users(turn.uow)
    keyboard = (Keyboard().row(button(words("admin.reviews"), "adm", "reviews"),
                               button(words("admin.figures_button"), "adm", "figures"))
                .row(button(words("admin.lookup"), "adm", "lookup"), button(words("admin.plans"), "adm", "plans"))
                .row(button(words("admin.caller_ids"), "admcid"), button(words("admin.dnc"), "admdnc"))
                .row(button(words("menu.back_home"), "home")))
    turn.show(words("admin.title", customers=customers), keyboard)


async def show_figures(turn: Turn) -> None:
    """The platform over the last 24 hours, from the calls and wallet services (each checks the admin)."""
    words = turn.words
    calls = await turn.services.calls.GetCallFigures(calls_pb2.GetCallFiguresRequest(
        admin_telegram_id=turn.telegram_user_id), timeout=turn.timeout)
    money_side = await turn.services.wallet.GetWalletFigures(wallet_pb2.GetWalletFiguresRequest(
        admin_telegram_id=turn.telegram_user_id), timeout=turn.timeout)
    text = words("admin.figures", calls=calls.calls, answered=calls.answered, failed=calls.failed,
                 in_flight=calls.in_flight, waiting=calls.waiting_for_line, campaigns=calls.campaigns_running,
                 opted_out=calls.opted_out, reviews=calls.flows_waiting_for_review,
                 topups=money(money_side.topups_cents), revenue=money(money_side.revenue_cents),
                 refunds=money(money_side.refunds_cents), customers=money_side.customers,
                 in_debt=money_side.customers_in_debt, plans=money_side.active_subscriptions,
                 users=await count_users(turn.uow))
    turn.show(text, Keyboard().row(button(words("admin.figures_refresh"), "adm", "figures"))
              .row(button(words("menu.back"), "adm")))


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
    keyboard = Keyboard().row(button(words(switch), "admks", customer_id, "off" if limits.suspended else "on"))
    history = await turn.services.wallet.ListTransactions(wallet_pb2.ListTransactionsRequest(
        customer_id=customer_id, page=common_pb2.PageRequest(page_size=20)), timeout=turn.timeout)
    refundable = (wallet_pb2.TRANSFER_KIND_CAPTURE, wallet_pb2.TRANSFER_KIND_CHARGE,
                  wallet_pb2.TRANSFER_KIND_OVERAGE, wallet_pb2.TRANSFER_KIND_PLAN_PURCHASE)
    for transfer in [t for t in history.transfers if t.kind in refundable][:5]:
        keyboard.row(button(words("admin.refund_line", amount=money(transfer.amount_cents),
                                  kind=words(f"transfer.{wallet_pb2.TransferKind.Name(transfer.kind)}")),
                            "admrf", customer_id, transfer.id))
    turn.send(text, keyboard.row(button(words("menu.back"), "adm")))


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


@router.button("admrf")
async def ask_refund_amount(turn: Turn, args: list[str]) -> None:
    """A refund of one charge: how much (the wallet refuses more than the charge, in total)."""
    if not turn.is_admin or len(args) < 2 or not args[1].isdigit():
        turn.show(turn.words("error.not_allowed"))
        return
    turn.conversation.expect("admin.refund", refund_customer=args[0], refund_transfer=int(args[1]))
    turn.show(turn.words("admin.ask_refund"), admin_back(turn))


@router.text("admin.refund")
async def refund(turn: Turn, text: str) -> None:
    words = turn.words
    cents = parse_dollars(text)
    if not turn.is_admin:
        turn.conversation.reset()
        return
    if cents is None or cents <= 0:
        turn.send(words("topup.bad_amount"))
        return
    data = turn.conversation.data
    result = await turn.services.wallet.Refund(wallet_pb2.RefundRequest(
        idempotency_key=turn.key("refund"), customer_id=str(data.get("refund_customer", "")),
        transfer_id=int(data.get("refund_transfer", 0)), amount_cents=cents, admin_telegram_id=turn.telegram_user_id,
        reason=words("admin.refund_reason")), timeout=turn.timeout)
    turn.conversation.reset()
    turn.send(words("admin.refunded", amount=money(cents), balance=money(result.balance.available_cents)),
              admin_back(turn))


@router.button("admpl")
async def ask_plan_price(turn: Turn, args: list[str]) -> None:
    """A plan's price: asked, then set with UpsertPlan (periods already bought keep their terms)."""
    if not turn.is_admin or not args:
        turn.show(turn.words("error.not_allowed"))
        return
    turn.conversation.expect("admin.plan_price", plan_code=args[0])
    turn.show(turn.words("admin.ask_plan_price", plan=args[0]), admin_back(turn))


@router.text("admin.plan_price")
async def set_plan_price(turn: Turn, text: str) -> None:
    words = turn.words
    cents = parse_dollars(text)
    if not turn.is_admin:
        turn.conversation.reset()
        return
    if cents is None:
        turn.send(words("topup.bad_amount"))
        return
    code = str(turn.conversation.data.get("plan_code", ""))
    plans = await turn.services.wallet.ListPlans(wallet_pb2.ListPlansRequest(include_inactive=True),
                                                 timeout=turn.timeout)
    plan = next((p for p in plans.plans if p.code == code), None)
    if plan is None:
        turn.send(words("error.not_found"), admin_back(turn))
        return
    plan.price_cents = cents
    updated = await turn.services.wallet.UpsertPlan(wallet_pb2.UpsertPlanRequest(
        idempotency_key=turn.key("plan"), admin_telegram_id=turn.telegram_user_id, plan=plan), timeout=turn.timeout)
    turn.conversation.reset()
    turn.send(words("admin.plan_priced", plan=updated.code, price=money(updated.price_cents)), admin_back(turn))
