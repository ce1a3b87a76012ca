"""Admin (only for SPEECHCUE_ADMIN_TELEGRAM_IDS): the menu, platform figures of the last 24 hours,
plans and their prices, and refunds (asked from the customer screen). The review queue is in
admin_review, customers, the kill switch and the audit log in admin_customers, the caller-ID pool
and the do-not-call list in admin_protection. The owning services check the admin id again; the
bot's own check only keeps the screens private. Every action is recorded in the audit log."""

from __future__ import annotations

from services.bot.audit import record_admin_action
from services.bot.formatting import money
from services.bot.money_input import AmountProblem, AmountRange, amount_problem_text, read_amount
from services.bot.outgoing import Keyboard, button
from services.bot.routing import router
from services.bot.screens.home import back_home
from services.bot.turn import Turn
from services.bot.users import count_users
from speechcue.calls.v1 import calls_pb2
from speechcue.wallet.v1 import wallet_pb2

# What an admin may type as a refund or a plan's price (the wallet refuses a refund above its charge).
REFUND_AMOUNTS = AmountRange(minimum_cents=1, maximum_cents=1_000_000)
PLAN_PRICES = AmountRange(minimum_cents=0, maximum_cents=1_000_000)


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
    if action in ("reviews", "lookup"):  # buttons of earlier messages (the admins' "waiting for review" note)
        await router.buttons["admrv" if action == "reviews" else "admcu"](turn, [])
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
                                      price=words.money(plan.price_cents)), "admpl", plan.code))
        turn.show(words("admin.plans_title"), keyboard.row(button(words("menu.back"), "adm")))
        return
    customers = await count_users(turn.uow)
    keyboard = (Keyboard().row(button(words("admin.reviews"), "admrv", "q"),
                               button(words("admin.figures_button"), "adm", "figures"))
                .row(button(words("admin.lookup"), "admcu"), button(words("admin.plans"), "adm", "plans"))
                .row(button(words("admin.caller_ids"), "admcid"), button(words("admin.dnc"), "admdnc"))
                .row(button(words("admin.audit.button"), "admlog"))
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
                 topups=words.money(money_side.topups_cents), revenue=words.money(money_side.revenue_cents),
                 refunds=words.money(money_side.refunds_cents), customers=money_side.customers,
                 in_debt=money_side.customers_in_debt, plans=money_side.active_subscriptions,
                 users=await count_users(turn.uow))
    turn.show(text, Keyboard().row(button(words("admin.figures_refresh"), "adm", "figures"))
              .row(button(words("menu.back"), "adm")))


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
    cents = read_amount(text, words.language, REFUND_AMOUNTS)
    if not turn.is_admin:
        turn.conversation.reset()
        return
    if isinstance(cents, AmountProblem):
        turn.send(amount_problem_text(words, cents, REFUND_AMOUNTS), admin_back(turn))
        return
    data = turn.conversation.data
    result = await turn.services.wallet.Refund(wallet_pb2.RefundRequest(
        idempotency_key=turn.key("refund"), customer_id=str(data.get("refund_customer", "")),
        transfer_id=int(data.get("refund_transfer", 0)), amount_cents=cents, admin_telegram_id=turn.telegram_user_id,
        reason=words("admin.refund_reason")), timeout=turn.timeout)
    await record_admin_action(turn.uow, admin_telegram_id=turn.telegram_user_id, action="refund",
                              customer_id=str(data.get("refund_customer", "")),
                              subject=str(data.get("refund_transfer", "")), note=money(cents))
    turn.conversation.reset()
    turn.send(words("admin.refunded", amount=words.money(cents), balance=words.money(result.balance.available_cents)),
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
    cents = read_amount(text, words.language, PLAN_PRICES)
    if not turn.is_admin:
        turn.conversation.reset()
        return
    if isinstance(cents, AmountProblem):
        turn.send(amount_problem_text(words, cents, PLAN_PRICES), admin_back(turn))
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
    await record_admin_action(turn.uow, admin_telegram_id=turn.telegram_user_id, action="plan_price",
                              subject=updated.code, note=money(updated.price_cents))
    turn.conversation.reset()
    turn.send(words("admin.plan_priced", plan=updated.code, price=words.money(updated.price_cents)), admin_back(turn))
