"""Wallet & billing: balance, history, top-up in crypto (coin → amount → QR, address, amount,
expiry), plans and their purchase, auto-renew, the current plan and its minutes (flow 5)."""

from __future__ import annotations

from services.bot.formatting import local_money, local_time, zone_label
from services.bot.money_input import AmountProblem, AmountRange, amount_problem_text, read_amount
from services.bot.outgoing import Button, Keyboard, button
from services.bot.pages import page_to_show, paging_buttons
from services.bot.routing import router
from services.bot.screens.home import back_home
from services.bot.turn import Turn
from speechcue.common.v1 import common_pb2
from speechcue.payments.v1 import payments_pb2
from speechcue.wallet.v1 import wallet_pb2


def shown(turn: Turn, cents: int) -> str:
    """An amount as the customer's language writes it (Babel): `$1,050.50`, `1 050,50 $US`."""
    return local_money(cents, turn.words.language)


def plan_name(turn: Turn, plan: wallet_pb2.Plan) -> str:
    return turn.words.name_of(f"plan.name.{plan.code}", plan.name)


def minutes_text(turn: Turn, minutes: int) -> str:
    return turn.words("plans.unlimited") if minutes < 0 else str(minutes)


@router.button("wallet")
async def show_wallet(turn: Turn, args: list[str]) -> None:
    """Balance, holds, debt and the current plan."""
    words = turn.words
    balance = await turn.services.wallet.GetBalance(wallet_pb2.GetBalanceRequest(customer_id=turn.customer_id),
                                                    timeout=turn.timeout)
    subscription = await turn.services.wallet.GetSubscription(wallet_pb2.GetSubscriptionRequest(
        customer_id=turn.customer_id), timeout=turn.timeout)
    lines = [words("wallet.balance", balance=shown(turn, balance.available_cents),
                   held=shown(turn, balance.held_cents))]
    if balance.in_debt:
        lines.append(words("wallet.in_debt", debt=shown(turn, balance.debt_cents)))
    keyboard = Keyboard().row(button(words("wallet.topup"), "topup"), button(words("wallet.history"), "hist"))
    keyboard.row(button(words("plans.title"), "plans"), button(words("wallet.invoices"), "invs"))
    if subscription.status == wallet_pb2.SUBSCRIPTION_STATUS_ACTIVE:
        lines.append(words("wallet.plan", name=plan_name(turn, subscription.plan),
                           expires=local_time(subscription.expires_at, turn.customer.timezone, turn.words.language),
                           single=minutes_text(turn, subscription.single_minutes_left),
                           bulk=minutes_text(turn, subscription.bulk_minutes_left)))
        renew = "wallet.autorenew_on" if subscription.auto_renew else "wallet.autorenew_off"
        keyboard.row(button(words(renew), "renew", "off" if subscription.auto_renew else "on"))
    else:
        lines.append(words("wallet.no_plan"))
    keyboard.row(button(words("menu.back_home"), "home"))
    turn.show("\n".join(lines), keyboard)


@router.button("renew")
async def switch_auto_renew(turn: Turn, args: list[str]) -> None:
    """The auto-renew switch of the current plan."""
    await turn.services.wallet.SetAutoRenew(wallet_pb2.SetAutoRenewRequest(
        idempotency_key=turn.key("renew"), customer_id=turn.customer_id, auto_renew=bool(args) and args[0] == "on"),
        timeout=turn.timeout)
    turn.toast(turn.words("toast.auto_renew_on") if args[:1] == ["on"] else turn.words("toast.auto_renew_off"))
    await show_wallet(turn, [])


@router.button("hist")
async def show_history(turn: Turn, args: list[str]) -> None:
    """The wallet's history, newest first, a page at a time: `hist:<page>`."""
    words = turn.words
    page, token = page_to_show(turn.conversation, "history", args[0] if args else "")
    answer = await turn.services.wallet.ListTransactions(wallet_pb2.ListTransactionsRequest(
        customer_id=turn.customer_id, page=common_pb2.PageRequest(page_size=turn.settings.bot_page_size,
                                                                  page_token=token)), timeout=turn.timeout)
    lines = [words("wallet.history_title")]
    for transfer in answer.transfers:
        lines.append(words("wallet.history_line",
                           when=local_time(transfer.created_at, turn.customer.timezone, words.language),
                           kind=words(f"transfer.{wallet_pb2.TransferKind.Name(transfer.kind)}"),
                           amount=shown(turn, transfer.balance_effect_cents)))
    if not answer.transfers:
        lines.append(words("wallet.history_empty"))
    keyboard = Keyboard().row(*paging_buttons(turn.conversation, words, "history", page, answer.next_page_token,
                                              "hist"))
    keyboard.row(button(words("menu.back"), "wallet"))
    turn.show("\n".join(lines), keyboard)


@router.button("topup")
async def choose_coin(turn: Turn, args: list[str]) -> None:
    """Top-up, step 1: the coin."""
    words = turn.words
    coins = await turn.services.payments.ListCoins(payments_pb2.ListCoinsRequest(), timeout=turn.timeout)
    keyboard = Keyboard()
    row = []
    for coin in coins.coins[:24]:
        row.append(button(coin.code, "coin", coin.code))
        if len(row) == 2:
            keyboard.row(*row)
            row = []
    keyboard.row(*row).row(button(words("menu.back"), "wallet"))
    turn.conversation.reset()
    turn.show(words("topup.choose_coin", minimum=shown(turn, coins.min_usd_cents),
                    maximum=shown(turn, coins.max_usd_cents)), keyboard)


@router.button("coin")
async def ask_amount(turn: Turn, args: list[str]) -> None:
    """Top-up, step 2: the amount in US dollars."""
    if not args:
        await choose_coin(turn, [])
        return
    turn.conversation.expect("topup.amount", coin=args[0][:20])
    turn.show(turn.words("topup.ask_amount", coin=args[0][:20]),
              Keyboard().row(button(turn.words("menu.back"), "topup")))


@router.text("topup.amount")
async def create_invoice(turn: Turn, text: str) -> None:
    """Top-up, step 3: the invoice, with its QR code, address, amount and expiry. An amount that cannot
    be read without a guess (`1,050` in Français) or outside the payments' range is asked again, the
    question still open, with the way back to the coins."""
    coins = await turn.services.payments.ListCoins(payments_pb2.ListCoinsRequest(), timeout=turn.timeout)
    allowed = AmountRange(minimum_cents=coins.min_usd_cents, maximum_cents=coins.max_usd_cents)
    cents = read_amount(text, turn.words.language, allowed)
    if isinstance(cents, AmountProblem):
        turn.send(amount_problem_text(turn.words, cents, allowed),
                  Keyboard().row(button(turn.words("menu.back"), "topup")))
        return
    coin = str(turn.conversation.data.get("coin", ""))
    plan_code = str(turn.conversation.data.get("plan_code", ""))
    invoice = await turn.services.payments.CreateTopUp(payments_pb2.CreateTopUpRequest(
        idempotency_key=turn.key("topup"), customer_id=turn.customer_id, coin=coin, usd_cents=cents,
        plan_code=plan_code), timeout=turn.timeout)
    turn.conversation.reset()
    send_invoice(turn, invoice)


def send_invoice(turn: Turn, invoice: payments_pb2.Invoice) -> None:
    words = turn.words
    caption = words("topup.invoice", amount=invoice.crypto_amount, coin=invoice.coin,
                    usd=shown(turn, invoice.usd_cents), address=invoice.address,
                    expires=local_time(invoice.expires_at, turn.customer.timezone, turn.words.language))
    keyboard = Keyboard().row(button(words("topup.check"), "inv", invoice.id))
    if invoice.payment_url.startswith(("https://", "http://")):
        keyboard.row(Button(words("topup.pay_page"), url=invoice.payment_url))
    keyboard.row(button(words("menu.back_home"), "home"))
    if invoice.qr_png:
        turn.send_file("sendPhoto", invoice.qr_png, "invoice-qr.png", caption[:1024], keyboard)
    else:
        turn.send(caption, keyboard)


@router.button("inv")
async def check_invoice(turn: Turn, args: list[str]) -> None:
    """An invoice's status, on request."""
    invoice = await turn.services.payments.GetInvoice(payments_pb2.GetInvoiceRequest(
        customer_id=turn.customer_id, invoice_id=args[0] if args else ""), timeout=turn.timeout)
    status = payments_pb2.InvoiceStatus.Name(invoice.status)
    turn.pressed_message_id = None  # the invoice is a photo: its status arrives as a message
    text = turn.words("topup.status", status=turn.words(f"invoice.{status}"),
                      credited=shown(turn, invoice.credited_cents))
    turn.send(text,
              back_home(turn.words))


@router.button("invs")
async def list_invoices(turn: Turn, args: list[str]) -> None:
    """The customer's top-up invoices, newest first, a page at a time (`invs:<page>`); each opens its
    status."""
    words = turn.words
    page, token = page_to_show(turn.conversation, "invoices", args[0] if args else "")
    answer = await turn.services.payments.ListInvoices(payments_pb2.ListInvoicesRequest(
        customer_id=turn.customer_id, page=common_pb2.PageRequest(page_size=turn.settings.bot_page_size,
                                                                  page_token=token)), timeout=turn.timeout)
    keyboard = Keyboard()
    for invoice in answer.invoices:
        status = words(f"invoice.{payments_pb2.InvoiceStatus.Name(invoice.status)}")
        when = local_time(invoice.created_at, turn.customer.timezone, words.language, with_zone=False)
        keyboard.row(button(words("invoices.line", when=when,
                                  usd=shown(turn, invoice.usd_cents), coin=invoice.coin, status=status)[:60],
                            "inv", invoice.id))
    keyboard.row(*paging_buttons(turn.conversation, words, "invoices", page, answer.next_page_token, "invs"))
    keyboard.row(button(words("menu.back"), "wallet"))
    zone = zone_label(turn.customer.timezone, words.language)
    turn.show(words("invoices.title", zone=zone) if answer.invoices or page else words("invoices.empty"), keyboard)


@router.button("plans")
async def show_plans(turn: Turn, args: list[str]) -> None:
    """The plans on sale."""
    words = turn.words
    plans = await turn.services.wallet.ListPlans(wallet_pb2.ListPlansRequest(), timeout=turn.timeout)
    keyboard = Keyboard()
    for plan in plans.plans:
        if plan.is_trial:
            continue
        keyboard.row(button(words("plans.line", name=plan_name(turn, plan), price=shown(turn, plan.price_cents)),
                            "plan", plan.code))
    keyboard.row(button(words("menu.back"), "wallet"))
    turn.show(words("plans.title_long"), keyboard)


@router.button("plan")
async def show_plan(turn: Turn, args: list[str]) -> None:
    """One plan, and how to pay for it."""
    words = turn.words
    code = args[0] if args else ""
    plans = await turn.services.wallet.ListPlans(wallet_pb2.ListPlansRequest(), timeout=turn.timeout)
    plan = next((p for p in plans.plans if p.code == code), None)
    if plan is None:
        turn.show(words("error.not_found"), Keyboard().row(button(words("menu.back"), "plans")))
        return
    text = words("plans.detail", name=plan_name(turn, plan), days=words.plural("count.days", plan.duration_days),
                 price=shown(turn, plan.price_cents),
                 single=minutes_text(turn, plan.single_minutes), bulk=minutes_text(turn, plan.bulk_minutes),
                 overage=shown(turn, plan.overage_cents_per_minute),
                 transfer=words("plans.yes") if plan.call_transfer else words("plans.no"))
    keyboard = (Keyboard().row(button(words("plans.buy_wallet"), "buy", plan.code))
                .row(button(words("plans.buy_crypto"), "buyc", plan.code))
                .row(button(words("menu.back"), "plans")))
    turn.show(text, keyboard)


@router.button("buy")
async def confirm_plan_purchase(turn: Turn, args: list[str]) -> None:
    """Buying a plan from the wallet, step 1: what it costs and what the balance will be, to confirm
    (`buyok`); or, when the balance is short, the ways to pay otherwise."""
    words = turn.words
    code = args[0] if args else ""
    plans = await turn.services.wallet.ListPlans(wallet_pb2.ListPlansRequest(), timeout=turn.timeout)
    plan = next((p for p in plans.plans if p.code == code and not p.is_trial), None)
    if plan is None:
        turn.show(words("error.not_found"), Keyboard().row(button(words("menu.back"), "plans")))
        return
    balance = await turn.services.wallet.GetBalance(wallet_pb2.GetBalanceRequest(customer_id=turn.customer_id),
                                                    timeout=turn.timeout)
    name, price = plan_name(turn, plan), shown(turn, plan.price_cents)
    if balance.available_cents < plan.price_cents:
        turn.show(words("wallet.buy_short", name=name, price=price, balance=shown(turn, balance.available_cents)),
                  Keyboard().row(button(words("wallet.topup"), "topup"))
                  .row(button(words("plans.buy_crypto"), "buyc", plan.code))
                  .row(button(words("menu.back"), "plan", plan.code)))
        return
    # The confirmation's own update id names the purchase: a double tap on Yes buys once, and a
    # confirmation shown later is a new purchase.
    turn.show(words("wallet.buy_confirm", name=name, price=price, balance=shown(turn, balance.available_cents),
                    after=shown(turn, balance.available_cents - plan.price_cents)),
              Keyboard().row(button(words("wallet.buy_yes"), "buyok", plan.code, turn.update_id),
                             button(words("wallet.buy_no"), "plan", plan.code)))


@router.button("buyok")
async def buy_plan(turn: Turn, args: list[str]) -> None:
    """Buying a plan from the wallet, step 2 (confirmed): `buyok:<plan>:<confirmation>`."""
    code, confirmation = [*args, "", ""][:2]
    # The chat id keeps a forged confirmation number from claiming another customer's key.
    key = f"tg:{turn.chat_id}:{confirmation}:buy" if confirmation.isdigit() else turn.key("buy")
    subscription = await turn.services.wallet.BuySubscription(wallet_pb2.BuySubscriptionRequest(
        idempotency_key=key, customer_id=turn.customer_id, plan_code=code, auto_renew=False), timeout=turn.timeout)
    turn.toast(turn.words("toast.bought"))
    turn.show(turn.words("plans.bought", name=plan_name(turn, subscription.plan),
                         expires=local_time(subscription.expires_at, turn.customer.timezone, turn.words.language)),
              Keyboard().row(button(turn.words("wallet.title"), "wallet"),
                             button(turn.words("menu.back_home"), "home")))


@router.button("buyc")
async def buy_plan_in_crypto(turn: Turn, args: list[str]) -> None:
    """Buying a plan in crypto: a top-up of the plan's price that buys it once confirmed."""
    words = turn.words
    code = args[0] if args else ""
    plans = await turn.services.wallet.ListPlans(wallet_pb2.ListPlansRequest(), timeout=turn.timeout)
    plan = next((p for p in plans.plans if p.code == code), None)
    coins = await turn.services.payments.ListCoins(payments_pb2.ListCoinsRequest(), timeout=turn.timeout)
    if plan is None or not coins.coins:
        turn.show(words("error.not_found"), Keyboard().row(button(words("menu.back"), "plans")))
        return
    keyboard = Keyboard()
    for coin in coins.coins[:12]:
        keyboard.row(button(coin.code, "planc", plan.code, coin.code))
    keyboard.row(button(words("menu.back"), "plan", plan.code))
    turn.show(words("plans.choose_coin", name=plan_name(turn, plan), price=shown(turn, plan.price_cents)), keyboard)


@router.button("planc")
async def plan_invoice(turn: Turn, args: list[str]) -> None:
    """The invoice for a plan bought in crypto."""
    if len(args) < 2:
        await show_plans(turn, [])
        return
    plans = await turn.services.wallet.ListPlans(wallet_pb2.ListPlansRequest(), timeout=turn.timeout)
    plan = next((p for p in plans.plans if p.code == args[0]), None)
    if plan is None:
        await show_plans(turn, [])
        return
    invoice = await turn.services.payments.CreateTopUp(payments_pb2.CreateTopUpRequest(
        idempotency_key=turn.key("plan-topup"), customer_id=turn.customer_id, coin=args[1],
        usd_cents=plan.price_cents, plan_code=plan.code), timeout=turn.timeout)
    turn.pressed_message_id = None
    send_invoice(turn, invoice)
