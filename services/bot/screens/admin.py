"""Admin (only for SPEECHCUE_ADMIN_TELEGRAM_IDS): the menu, platform figures of the last 24 hours,
plans and their prices, refunds (asked from the customer screen), and the Yes/No that every
admin action which changes money, calling or the caller-ID pool asks first. The review queue is in
admin_review, customers, the kill switch and the audit log in admin_customers, the caller-ID pool
and the do-not-call list in admin_protection. The owning services check the admin id again; the
bot's own check only keeps the screens private. Every action is recorded in the audit log.

Why a confirmation keeps its question in the conversation and not in its button: a Yes button
carries no amount or reason (Telegram gives a button 64 bytes and anyone can forge one), so Yes
does what the admin saw on the question, and a Yes whose question was answered or replaced does
nothing. No forgets the question and changes nothing."""

from __future__ import annotations

import grpc

from services.bot.audit import record_admin_action
from services.bot.call_texts import plan_words
from services.bot.formatting import money
from services.bot.i18n import Words, words_for
from services.bot.money_input import AmountProblem, AmountRange, amount_problem_text, read_amount
from services.bot.outgoing import Keyboard, Outgoing, button, queue_messages, text_message
from services.bot.routing import router
from services.bot.screens.home import back_home
from services.bot.turn import Turn
from services.bot.users import count_users, find_user_by_customer
from services.runtime.grpc_client import refusal_reason
from speechcue.calls.v1 import calls_pb2
from speechcue.wallet.v1 import wallet_pb2

# What an admin may type as a refund or a plan's price (the wallet refuses a refund above its charge).
REFUND_AMOUNTS = AmountRange(minimum_cents=1, maximum_cents=1_000_000)
PLAN_PRICES = AmountRange(minimum_cents=0, maximum_cents=1_000_000)
# Reasons offered for a refund, each said to the customer in the customer's language; the admin may
# type another (said as typed). The ledger keeps the English words, as the audit log does.
REFUND_REASONS = {"f": "admin.refund.reason_failed", "q": "admin.refund.reason_quality",
                  "b": "admin.refund.reason_billing", "g": "admin.refund.reason_goodwill"}
REFUND_REASON_LIMIT = 200
# The wallet's refusals of a refund, in the admin's words; the amount is asked again.
REFUND_REFUSALS = {"REFUND_EXCEEDS_CHARGE": "admin.refund.too_much", "NOT_REFUNDABLE": "admin.refund.not_refundable",
                   "TRANSFER_NOT_FOUND": "admin.refund.not_refundable"}


def admin_back(turn: Turn) -> Keyboard:
    return Keyboard().row(button(turn.words("menu.back"), "adm"))


def confirm_keyboard(words: Words, yes_label: str, yes: tuple[str | int, ...],
                     back: tuple[str | int, ...]) -> Keyboard:
    """Yes (the action's own words) and No, which changes nothing and leads back to `back`."""
    return Keyboard().row(button(yes_label, *yes), button(words("admin.no"), "admno", *back))


def confirmation_gone(turn: Turn, back: tuple[str | int, ...] = ("adm",)) -> None:
    """A Yes whose question is no longer the one pending (answered, replaced, or forged)."""
    turn.show(turn.words("admin.confirm_gone"), Keyboard().row(button(turn.words("menu.back"), *back)))


@router.button("admno")
async def nothing_changed(turn: Turn, args: list[str]) -> None:
    """admno:<screen…>: the No of a confirmation; forgets the question and offers the way back."""
    words = turn.words
    if not turn.is_admin:
        turn.show(words("error.not_allowed"), back_home(words))
        return
    turn.conversation.reset()
    turn.toast(words("admin.nothing_changed"))
    turn.show(words("admin.nothing_changed"), Keyboard().row(button(words("menu.back"), *(args or ["adm"]))))


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
        await show_plans(turn)
        return
    customers = await count_users(turn.uow)
    keyboard = (Keyboard().row(button(words("admin.reviews"), "admrv", "q"),
                               button(words("admin.figures_button"), "adm", "figures"))
                .row(button(words("admin.lookup"), "admcu"), button(words("admin.plans"), "adm", "plans"))
                .row(button(words("admin.caller_ids"), "admcid"), button(words("admin.dnc"), "admdnc"))
                .row(button(words("admin.audit.button"), "admlog"))
                .row(button(words("menu.back_home"), "home")))
    turn.show(words("admin.title", customers=customers), keyboard)


async def show_plans(turn: Turn) -> None:
    words = turn.words
    plans = await turn.services.wallet.ListPlans(wallet_pb2.ListPlansRequest(include_inactive=True),
                                                 timeout=turn.timeout)
    keyboard = Keyboard()
    for plan in plans.plans:
        keyboard.row(button(words("plans.line", name=plan_words(words, plan.code, plan.name),
                                  price=words.money(plan.price_cents)), "admpl", plan.code))
    turn.show(words("admin.plans_title"), keyboard.row(button(words("menu.back"), "adm")))


async def show_figures(turn: Turn) -> None:
    """The platform over the last 24 hours, from the calls and wallet services (each checks the admin)."""
    words = turn.words
    calls = await turn.services.calls.GetCallFigures(calls_pb2.GetCallFiguresRequest(
        admin_telegram_id=turn.telegram_user_id), timeout=turn.timeout)
    money_side = await turn.services.wallet.GetWalletFigures(wallet_pb2.GetWalletFiguresRequest(
        admin_telegram_id=turn.telegram_user_id), timeout=turn.timeout)
    text = words("admin.figures", calls=calls.calls, answered=calls.answered, failed=calls.failed,
                 in_flight=calls.in_flight, waiting=calls.waiting_for_line,
                 campaigns=words.plural("count.campaigns", calls.campaigns_running),
                 opted_out=calls.opted_out, reviews=calls.flows_waiting_for_review,
                 topups=words.money(money_side.topups_cents), revenue=words.money(money_side.revenue_cents),
                 refunds=words.money(money_side.refunds_cents), customers=money_side.customers,
                 in_debt=money_side.customers_in_debt, plans=money_side.active_subscriptions,
                 users=await count_users(turn.uow))
    turn.show(text, Keyboard().row(button(words("admin.figures_refresh"), "adm", "figures"))
              .row(button(words("menu.back"), "adm")))


# Refunds: amount → reason (offered or typed) → Yes/No → the wallet refunds and the customer is told.

def refund_back(turn: Turn) -> tuple[str, ...]:
    return ("admcu", "v", str(turn.conversation.data.get("refund_customer", "")))


@router.button("admrf")
async def ask_refund_amount(turn: Turn, args: list[str]) -> None:
    """admrf:<customer>:<transfer>: a refund of one charge; how much (the wallet refuses more than
    the charge, in total)."""
    if not turn.is_admin or len(args) < 2 or not args[1].isdigit():
        turn.show(turn.words("error.not_allowed"))
        return
    turn.conversation.reset()
    turn.conversation.expect("admin.refund", refund_customer=args[0], refund_transfer=int(args[1]))
    turn.show(turn.words("admin.ask_refund"),
              Keyboard().row(button(turn.words("menu.back"), "admcu", "v", args[0])))


@router.text("admin.refund")
async def refund_amount(turn: Turn, text: str) -> None:
    """The amount; then the reason, offered or typed."""
    words = turn.words
    if not turn.is_admin:
        turn.conversation.reset()
        return
    cents = read_amount(text, words.language, REFUND_AMOUNTS)
    back = Keyboard().row(button(words("menu.back"), *refund_back(turn)))
    if isinstance(cents, AmountProblem):
        turn.send(amount_problem_text(words, cents, REFUND_AMOUNTS), back)
        return
    turn.conversation.expect("admin.refund_reason", refund_cents=cents, refund_reason="", refund_reason_text="")
    keyboard = Keyboard()
    for choice, reason_id in REFUND_REASONS.items():
        keyboard.row(button(words(reason_id), "admrr", choice))
    turn.send(words("admin.refund.ask_reason", amount=words.money(cents), max=REFUND_REASON_LIMIT),
              keyboard.row(button(words("admin.no"), "admno", *refund_back(turn))))


@router.button("admrr")
async def refund_reason_chosen(turn: Turn, args: list[str]) -> None:
    """admrr:<reason>: one of the offered reasons; then Yes/No."""
    if not turn.is_admin or not args or args[0] not in REFUND_REASONS:
        turn.show(turn.words("error.not_allowed"))
        return
    if turn.conversation.state != "admin.refund_reason":
        confirmation_gone(turn)
        return
    turn.conversation.expect("admin.refund_confirm", refund_reason=args[0], refund_reason_text="")
    await ask_to_confirm_refund(turn)


@router.text("admin.refund_reason")
async def refund_reason_typed(turn: Turn, text: str) -> None:
    """A reason in the admin's own words (sent to the customer as typed); then Yes/No."""
    if not turn.is_admin:
        turn.conversation.reset()
        return
    if not text or len(text) > REFUND_REASON_LIMIT:
        turn.send(turn.words("admin.refund.bad_reason", max=REFUND_REASON_LIMIT),
                  Keyboard().row(button(turn.words("admin.no"), "admno", *refund_back(turn))))
        return
    turn.conversation.expect("admin.refund_confirm", refund_reason="", refund_reason_text=text)
    await ask_to_confirm_refund(turn)


def refund_reason(words: Words, data: dict[str, object]) -> str:
    """The reason in `words`' language (an offered one) or as the admin typed it."""
    choice = str(data.get("refund_reason", ""))
    return words(REFUND_REASONS[choice]) if choice in REFUND_REASONS else str(data.get("refund_reason_text", ""))


async def ask_to_confirm_refund(turn: Turn) -> None:
    words = turn.words
    data = turn.conversation.data
    customer_id = str(data.get("refund_customer", ""))
    owner = await find_user_by_customer(turn.uow, customer_id)
    turn.show(words("admin.refund.confirm", amount=words.money(int(data.get("refund_cents", 0))),
                    name=owner.name if owner else "—", telegram=owner.telegram_user_id if owner else "—",
                    reason=refund_reason(words, data)),
              confirm_keyboard(words, words("admin.refund.yes"), ("admry",), refund_back(turn)))


@router.button("admry")
async def refund(turn: Turn, args: list[str]) -> None:
    """admry: Yes to the pending refund: the wallet refunds it (tg:…:refund) and the customer is told
    in their language, in this update's transaction (dedupe key refund:<refund transfer id>)."""
    words = turn.words
    if not turn.is_admin:
        turn.show(words("error.not_allowed"), back_home(words))
        return
    data = turn.conversation.data
    if turn.conversation.state != "admin.refund_confirm" or not data.get("refund_cents"):
        confirmation_gone(turn)
        return
    customer_id, transfer_id = str(data.get("refund_customer", "")), int(data.get("refund_transfer", 0))
    cents = int(data["refund_cents"])
    try:
        result = await turn.services.wallet.Refund(wallet_pb2.RefundRequest(
            idempotency_key=turn.key("refund"), customer_id=customer_id, transfer_id=transfer_id,
            amount_cents=cents, admin_telegram_id=turn.telegram_user_id,
            reason=refund_reason(words_for("en"), data)), timeout=turn.timeout)
    except grpc.aio.AioRpcError as error:
        reason = refusal_reason(error) or ""
        if reason not in REFUND_REFUSALS:
            raise
        back = refund_back(turn)
        if reason == "REFUND_EXCEEDS_CHARGE":  # a smaller amount may still go through: asked again
            turn.conversation.expect("admin.refund", refund_cents=0)
        else:
            turn.conversation.reset()
        turn.show(words(REFUND_REFUSALS[reason]), Keyboard().row(button(words("menu.back"), *back)))
        return
    await record_admin_action(turn.uow, admin_telegram_id=turn.telegram_user_id, action="refund",
                              customer_id=customer_id, subject=str(transfer_id),
                              note=f"{money(cents)} · {refund_reason(words, data)}")
    owner = await find_user_by_customer(turn.uow, customer_id)
    if owner is not None:
        theirs = words_for(owner.language)
        note = theirs("admin.refund.customer_note", amount=theirs.money(cents), reason=refund_reason(theirs, data),
                      balance=theirs.money(result.balance.available_cents))
        await queue_messages(turn.uow, owner.chat_id, [Outgoing(
            "sendMessage", text_message(note, Keyboard().row(button(theirs("menu.wallet"), "wallet")),
                                        chat_id=owner.chat_id), dedupe_key=f"refund:{result.transfer.id}")])
    back = refund_back(turn)
    turn.conversation.reset()
    turn.toast(words("toast.done"))
    turn.show(words("admin.refunded", amount=words.money(cents), balance=words.money(result.balance.available_cents))
              + ("\n" + words("admin.refund.customer_told") if owner is not None else ""),
              Keyboard().row(button(words("menu.back"), *back)))


# Plan prices: the plan named, the new price typed, Yes/No, then UpsertPlan.

async def plan_named(turn: Turn, code: str) -> wallet_pb2.Plan | None:
    plans = await turn.services.wallet.ListPlans(wallet_pb2.ListPlansRequest(include_inactive=True),
                                                 timeout=turn.timeout)
    return next((plan for plan in plans.plans if plan.code == code), None)


@router.button("admpl")
async def plan_price(turn: Turn, args: list[str]) -> None:
    """admpl:<code> asks the plan's new price (naming the plan and its price now); admpl:<code>:y is
    Yes to the price typed: UpsertPlan (periods already bought keep their terms)."""
    words = turn.words
    if not turn.is_admin or not args:
        turn.show(words("error.not_allowed"))
        return
    code = args[0]
    plan = await plan_named(turn, code)
    if plan is None:
        turn.show(words("error.not_found"), admin_back(turn))
        return
    name = plan_words(words, plan.code, plan.name)
    if len(args) < 2:
        turn.conversation.reset()
        turn.conversation.expect("admin.plan_price", plan_code=code)
        turn.show(words("admin.plan.ask_price", plan=name, price=words.money(plan.price_cents)),
                  Keyboard().row(button(words("menu.back"), "adm", "plans")))
        return
    data = turn.conversation.data
    if args[1] != "y" or data.get("plan_code") != code or "plan_price" not in data:
        confirmation_gone(turn, ("adm", "plans"))
        return
    was = plan.price_cents
    plan.price_cents = int(data["plan_price"])
    updated = await turn.services.wallet.UpsertPlan(wallet_pb2.UpsertPlanRequest(
        idempotency_key=turn.key("plan"), admin_telegram_id=turn.telegram_user_id, plan=plan), timeout=turn.timeout)
    await record_admin_action(turn.uow, admin_telegram_id=turn.telegram_user_id, action="plan_price",
                              subject=updated.code, note=f"{money(was)} → {money(updated.price_cents)}")
    turn.conversation.reset()
    turn.toast(words("toast.saved"))
    turn.show(words("admin.plan_priced", plan=name, price=words.money(updated.price_cents)),
              Keyboard().row(button(words("admin.plans"), "adm", "plans")).row(button(words("menu.back"), "adm")))


@router.text("admin.plan_price")
async def plan_price_typed(turn: Turn, text: str) -> None:
    """The new price; then Yes/No naming the plan, the price now and the new one."""
    words = turn.words
    if not turn.is_admin:
        turn.conversation.reset()
        return
    cents = read_amount(text, words.language, PLAN_PRICES)
    if isinstance(cents, AmountProblem):
        turn.send(amount_problem_text(words, cents, PLAN_PRICES), Keyboard().row(button(words("menu.back"), "adm",
                                                                                         "plans")))
        return
    code = str(turn.conversation.data.get("plan_code", ""))
    plan = await plan_named(turn, code)
    if plan is None:
        turn.conversation.reset()
        turn.send(words("error.not_found"), admin_back(turn))
        return
    turn.conversation.expect("", plan_code=code, plan_price=cents)
    turn.send(words("admin.plan.confirm", plan=plan_words(words, plan.code, plan.name),
                    was=words.money(plan.price_cents), price=words.money(cents)),
              confirm_keyboard(words, words("admin.plan.yes"), ("admpl", code, "y"), ("adm", "plans")))
