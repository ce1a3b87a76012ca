"""Admin: finding a customer (Telegram id, customer id or the start of a name), the customer's
screen (who, tier, money, history, recent flows and calls, refunds), suspending and lifting a
suspension (each asking to confirm), and the audit log of every admin action, newest first."""

from __future__ import annotations

from datetime import UTC

from services.bot.audit import admin_actions_page, record_admin_action
from services.bot.call_texts import call_status_words
from services.bot.customer_search import find_customers
from services.bot.formatting import masked_number
from services.bot.outgoing import Keyboard, button
from services.bot.pages import page_to_show, paging_buttons
from services.bot.routing import router
from services.bot.screens.admin import admin_back, confirm_keyboard
from services.bot.screens.admin_review import admin_time, customer_lines, in_messages
from services.bot.screens.flows import STATUS_IDS as FLOW_STATUS_IDS
from services.bot.screens.home import back_home
from services.bot.turn import Turn
from speechcue.calls.v1 import calls_pb2
from speechcue.common.v1 import common_pb2
from speechcue.wallet.v1 import wallet_pb2

LOG_PAGE = 10
# The pause reason the calls service gives the campaigns its kill switch paused (services/calls/limits.py).
SUSPENSION_PAUSE = "CUSTOMER_SUSPENDED"
# Campaigns looked through for those the suspension paused (100 a page), and offered at most.
CAMPAIGN_PAGES = 5
RESUMES_SHOWN = 10
# The first hex digits of a campaign id that name it on a resume button (unique among one customer's).
CAMPAIGN_MARK = 12
REFUNDS_SHOWN = 5
# An admin's tier for a customer: trusted, new, or (a) none, so the computed tier applies again.
TIERS = {"t": calls_pb2.TRUST_TIER_TRUSTED, "n": calls_pb2.TRUST_TIER_NEW, "a": calls_pb2.TRUST_TIER_UNSPECIFIED}
# A page of the log stays one message: ten actions with notes cut to this (the full note is kept).
NOTE_SHOWN = 200


@router.button("admcu")
async def customers(turn: Turn, args: list[str]) -> None:
    """admcu: ask who; admcu:v:<customer id>: the customer's screen."""
    if not turn.is_admin:
        turn.show(turn.words("error.not_allowed"), back_home(turn.words))
        return
    if len(args) > 1 and args[0] == "v":
        await show_customer(turn, args[1])
        return
    turn.conversation.expect("admin.find_customer")
    turn.show(turn.words("admin.ask_customer"), admin_back(turn))


@router.text("admin.find_customer")
async def find_customer(turn: Turn, text: str) -> None:
    words = turn.words
    if not turn.is_admin:
        turn.conversation.reset()
        return
    found = await find_customers(turn.uow, text)
    if not found:
        turn.send(words("admin.no_customer"), admin_back(turn))
        return
    turn.conversation.reset()
    if len(found) == 1:
        await show_customer(turn, found[0].customer_id)
        return
    keyboard = Keyboard()
    for user in found:
        keyboard.row(button(words("admin.customer.found_line", name=user.name[:30] or "—",
                                  telegram=user.telegram_user_id), "admcu", "v", user.customer_id))
    turn.send(words.plural("admin.customer.found", len(found)), keyboard.row(button(words("menu.back"), "adm")))


async def show_customer(turn: Turn, customer_id: str) -> None:
    words = turn.words
    lines = await customer_lines(turn, customer_id)
    record = await turn.services.calls.GetCustomerRecord(calls_pb2.GetCustomerRecordRequest(
        admin_telegram_id=turn.telegram_user_id, customer_id=customer_id), timeout=turn.timeout)
    lines.append(words("admin.customer.recent_flows"))
    lines += [words("admin.customer.flow_line", name=flow.spec.name,
                    status=words(FLOW_STATUS_IDS.get(flow.status, "flow.status.pending")),
                    at=admin_time(turn, flow.created_at)) for flow in record.recent_flows] or ["—"]
    lines.append(words("admin.customer.recent_calls"))
    lines += [words("admin.customer.call_line", number=masked_number(call.to_number),
                    status=call_status_words(words, call), at=admin_time(turn, call.created_at))
              for call in record.recent_calls] or ["—"]
    suspended = record.limits.suspended
    keyboard = Keyboard().row(button(words("admin.resume_customer" if suspended else "admin.suspend_customer"),
                                     "admks", customer_id, "off" if suspended else "on"))
    history = await turn.services.wallet.ListTransactions(wallet_pb2.ListTransactionsRequest(
        customer_id=customer_id, page=common_pb2.PageRequest(page_size=20)), timeout=turn.timeout)
    refundable = (wallet_pb2.TRANSFER_KIND_CAPTURE, wallet_pb2.TRANSFER_KIND_CHARGE,
                  wallet_pb2.TRANSFER_KIND_OVERAGE, wallet_pb2.TRANSFER_KIND_PLAN_PURCHASE)
    for transfer in [t for t in history.transfers if t.kind in refundable][:REFUNDS_SHOWN]:
        keyboard.row(button(words("admin.refund_line", amount=words.money(transfer.amount_cents),
                                  kind=words(f"transfer.{wallet_pb2.TransferKind.Name(transfer.kind)}")),
                            "admrf", customer_id, transfer.id))
    keyboard.row(button(words("admin.trust.button"), "admtr", customer_id),
                 button(words("admin.audit.of_customer"), "admlog", "c", customer_id))
    keyboard.row(button(words("menu.back"), "adm"))
    turn.pressed_message_id = None
    messages = in_messages(lines)
    for text in messages[:-1]:
        turn.send(text)
    turn.send(messages[-1], keyboard)


@router.button("admks")
async def kill_switch(turn: Turn, args: list[str]) -> None:
    """admks:<customer>:<on|off> asks Yes/No; admks:<customer>:<on|off>:y does it: calls refused,
    campaigns paused, queued calls failed and their holds released, live calls stopped, the
    customer told (calls.customer.suspended); off lets them call again (they are told too) and
    offers to resume the campaigns the suspension paused."""
    words = turn.words
    if not turn.is_admin or len(args) < 2 or args[1] not in ("on", "off"):
        turn.show(words("error.not_allowed"), back_home(words))
        return
    customer_id, on = args[0], args[1] == "on"
    if len(args) < 3 or args[2] != "y":
        lines = await customer_lines(turn, customer_id)
        question = "admin.confirm_suspend" if on else "admin.confirm_resume"
        turn.show("\n".join([words(question), "", *lines]),
                  confirm_keyboard(words, words("admin.yes_suspend" if on else "admin.yes_resume"),
                                   ("admks", customer_id, args[1], "y"), ("admcu", "v", customer_id)))
        return
    limits = await turn.services.calls.GetCustomerLimits(calls_pb2.GetCustomerLimitsRequest(customer_id=customer_id),
                                                         timeout=turn.timeout)
    wanted = calls_pb2.CustomerLimits(customer_id=customer_id, max_concurrent_calls=limits.max_concurrent_calls,
                                      calls_per_hour=limits.calls_per_hour, calls_per_day=limits.calls_per_day,
                                      suspended=on, suspension_reason=words("admin.suspended_reason") if on else "")
    await turn.services.calls.SetCustomerLimits(calls_pb2.SetCustomerLimitsRequest(
        idempotency_key=turn.key("limits"), admin_telegram_id=turn.telegram_user_id, limits=wanted),
        timeout=turn.timeout)
    await record_admin_action(turn.uow, admin_telegram_id=turn.telegram_user_id,
                              action="suspended" if on else "unsuspended", customer_id=customer_id,
                              note=wanted.suspension_reason)
    turn.toast(words("toast.done"))
    if not on and await campaigns_paused_by_suspension(turn, customer_id):
        await offer_to_resume(turn, customer_id)
        return
    await show_customer(turn, customer_id)


async def campaigns_paused_by_suspension(turn: Turn, customer_id: str) -> list[calls_pb2.Campaign]:
    """The customer's campaigns that the kill switch paused (pause reason CUSTOMER_SUSPENDED) and that
    are paused still: not those the customer paused, nor those paused for money or a flow."""
    found: list[calls_pb2.Campaign] = []
    token = ""
    for _ in range(CAMPAIGN_PAGES):
        page = await turn.services.calls.ListCampaigns(calls_pb2.ListCampaignsRequest(
            customer_id=customer_id, page=common_pb2.PageRequest(page_size=100, page_token=token)),
            timeout=turn.timeout)
        found += [campaign for campaign in page.campaigns if campaign.status == calls_pb2.CAMPAIGN_STATUS_PAUSED
                  and campaign.pause_reason == SUSPENSION_PAUSE]
        token = page.next_page_token
        if not token:
            break
    return found


def campaign_mark(campaign_id: str) -> str:
    """A campaign's id short enough for a button beside a customer id (64 bytes in all)."""
    return campaign_id.replace("-", "")[:CAMPAIGN_MARK]


async def offer_to_resume(turn: Turn, customer_id: str, heading: str = "") -> None:
    words = turn.words
    paused = await campaigns_paused_by_suspension(turn, customer_id)
    back = button(words("admin.resume.not_now"), "admcu", "v", customer_id)
    if not paused:
        turn.show("\n".join([*([heading] if heading else []), words("admin.resume.none_left")]),
                  Keyboard().row(back))
        return
    lines = [*([heading] if heading else []), words.plural("admin.resume.offer", len(paused))]
    keyboard = Keyboard()
    for campaign in paused[:RESUMES_SHOWN]:
        totals = campaign.totals
        # A campaign the suspension caught before its start goes back to waiting for it when resumed.
        early = campaign.HasField("start_at") and campaign.start_at.ToDatetime(tzinfo=UTC) > turn.now()
        lines.append(words("admin.resume.line_scheduled", name=campaign.name, start=admin_time(turn, campaign.start_at))
                     if early else words.plural("admin.resume.line", totals.callees, name=campaign.name,
                                                done=totals.answered + totals.failed + totals.voicemail))
        keyboard.row(button(words("admin.resume.one", name=campaign.name[:30]), "admrs", customer_id,
                            campaign_mark(campaign.id)))
    if len(paused) > 1:
        keyboard.row(button(words.plural("admin.resume.all", len(paused)), "admrs", customer_id, "all"))
    turn.show("\n".join(lines), keyboard.row(back))


@router.button("admrs")
async def resume_campaigns(turn: Turn, args: list[str]) -> None:
    """admrs:<customer> offers the campaigns the suspension paused; admrs:<customer>:<campaign mark|all>
    resumes that one or all of them (ResumeCampaign each, tg:…:resume:<campaign>), then offers the
    rest. Only campaigns paused by the suspension are ever resumed, whatever the button says."""
    words = turn.words
    if not turn.is_admin or not args:
        turn.show(words("error.not_allowed"), back_home(words))
        return
    customer_id = args[0]
    record = await turn.services.calls.GetCustomerRecord(calls_pb2.GetCustomerRecordRequest(
        admin_telegram_id=turn.telegram_user_id, customer_id=customer_id), timeout=turn.timeout)
    if record.limits.suspended:
        turn.show(words("admin.resume.still_suspended"),
                  Keyboard().row(button(words("menu.back"), "admcu", "v", customer_id)))
        return
    if len(args) < 2:
        await offer_to_resume(turn, customer_id)
        return
    paused = await campaigns_paused_by_suspension(turn, customer_id)
    chosen = paused if args[1] == "all" else [c for c in paused if campaign_mark(c.id) == args[1]]
    for campaign in chosen:
        await turn.services.calls.ResumeCampaign(calls_pb2.CampaignActionRequest(
            idempotency_key=turn.key(f"resume:{campaign.id}"), customer_id=customer_id, campaign_id=campaign.id),
            timeout=turn.timeout)
        await record_admin_action(turn.uow, admin_telegram_id=turn.telegram_user_id, action="campaign_resumed",
                                  customer_id=customer_id, subject=f"{campaign.id} {campaign.name}"[:200])
    if chosen:
        turn.toast(words("toast.resumed"))
    await offer_to_resume(turn, customer_id, words.plural("admin.resume.resumed", len(chosen)))


@router.button("admtr")
async def trust_tier(turn: Turn, args: list[str]) -> None:
    """admtr:<customer> offers the tiers; admtr:<customer>:<t|n|a> asks to confirm; ...:y sets it
    (SetCustomerTrust: trusted, new, or a: the computed tier again)."""
    words = turn.words
    if not turn.is_admin or not args:
        turn.show(words("error.not_allowed"), back_home(words))
        return
    customer_id = args[0]
    back = button(words("menu.back"), "admcu", "v", customer_id)
    if len(args) < 2 or args[1] not in TIERS:
        keyboard = Keyboard()
        for choice in TIERS:
            keyboard.row(button(words(f"admin.trust.set_{choice}"), "admtr", customer_id, choice))
        turn.show("\n".join([words("admin.trust.ask"), "", *await customer_lines(turn, customer_id)]),
                  keyboard.row(back))
        return
    choice = args[1]
    if len(args) < 3 or args[2] != "y":
        turn.show(words("admin.trust.confirm", tier=words(f"admin.trust.set_{choice}")),
                  Keyboard().row(button(words("admin.trust.yes"), "admtr", customer_id, choice, "y")).row(back))
        return
    note = words(f"admin.trust.set_{choice}")
    await turn.services.calls.SetCustomerTrust(calls_pb2.SetCustomerTrustRequest(
        idempotency_key=turn.key("trust"), admin_telegram_id=turn.telegram_user_id, customer_id=customer_id,
        tier=TIERS[choice], note=words("admin.trust.note")), timeout=turn.timeout)
    await record_admin_action(turn.uow, admin_telegram_id=turn.telegram_user_id, action="trust_changed",
                              customer_id=customer_id, note=note)
    await show_customer(turn, customer_id)


@router.button("admlog")
async def audit_log(turn: Turn, args: list[str]) -> None:
    """admlog:<page> every admin action, newest first; admlog:c:<customer>[:<page>] one customer's."""
    words = turn.words
    if not turn.is_admin:
        turn.show(words("error.not_allowed"), back_home(words))
        return
    customer_id = args[1] if len(args) > 1 and args[0] == "c" else None
    requested = (args[2] if len(args) > 2 else "") if customer_id else (args[0] if args else "")
    # One remembered set of pages for "a customer's actions": opening another customer starts at page 1.
    screen = "audit_customer" if customer_id else "audit"
    page, token = page_to_show(turn.conversation, screen, requested)
    rows = await admin_actions_page(turn.uow, before_id=int(token) if token.isdigit() else None, limit=LOG_PAGE + 1,
                                    customer_id=customer_id)
    shown = rows[:LOG_PAGE]
    lines = [words("admin.audit.title_customer" if customer_id else "admin.audit.title",
                   customer=customer_id or "", page=page + 1)]
    for row in shown:
        lines.append(words("admin.audit.line", at=admin_time(turn, row.at),
                           admin=row.admin_telegram_id,
                           action=words(f"audit.action.{row.action}"), customer=row.customer_id or "—",
                           subject=row.subject or "—"))
        if row.note:
            lines.append(words("admin.audit.note", note=row.note[:NOTE_SHOWN]))
    if not shown:
        lines.append(words("admin.audit.empty"))
    next_token = str(shown[-1].id) if len(rows) > LOG_PAGE else ""
    prefix = ("admlog", "c", customer_id) if customer_id else ("admlog",)
    keyboard = Keyboard().row(*paging_buttons(turn.conversation, words, screen, page, next_token, *prefix))
    turn.show("\n".join(lines), keyboard.row(button(words("menu.back"), "adm")))
