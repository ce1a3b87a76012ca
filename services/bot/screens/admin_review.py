"""Admin: the review queue and the review of one flow.

The queue pages through every flow waiting for review, the longest-waiting first (page tokens kept
by services/bot/pages.py). A flow's review shows its picture, every text it says (business name,
each step, the voicemail message, the AI task), the reasons it is held with where each stands, and
its customer (name, Telegram id, customer id, trust tier, history, balance). Approve, reject (with a
note the admin types, which the customer receives) and suspending the customer each ask to confirm;
each action goes to the audit log in the update's transaction. The calls service checks the admin
again on every RPC."""

from __future__ import annotations

from datetime import datetime

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from services.bot.admin_reasons import review_reason_text, trust_text
from services.bot.audit import record_admin_action
from services.bot.call_texts import plan_words
from services.bot.customer_search import users_of_customers
from services.bot.flow_drafts import KINDS
from services.bot.flow_picture import render_flow_png
from services.bot.formatting import local_time
from services.bot.i18n import Words, words_for
from services.bot.outgoing import Button, Keyboard, button
from services.bot.pages import page_to_show, paging_buttons
from services.bot.routing import router
from services.bot.screens.admin import admin_back
from services.bot.screens.flows import picture_labels
from services.bot.screens.home import back_home
from services.bot.turn import Turn
from speechcue.calls.v1 import calls_pb2
from speechcue.common.v1 import common_pb2
from speechcue.wallet.v1 import wallet_pb2

QUEUE_PAGE = 10
# Telegram takes at most 4096 characters a message; a review longer than this goes in several.
MESSAGE_LIMIT = 3800
NOTE_LIMIT = 500
KIND_NAMES = {kind: name for name, kind in KINDS.items()}


@router.button("admrv")
async def review(turn: Turn, args: list[str]) -> None:
    """admrv:q:<page> the queue; admrv:o:<flow> a review; a/A approve (ask, do); r reject (asks the
    note), R reject with it; the suspension of the flow's customer goes through admks."""
    if not turn.is_admin:
        turn.show(turn.words("error.not_allowed"), back_home(turn.words))
        return
    action = args[0] if args else "q"
    flow_id = args[1] if len(args) > 1 else ""
    if action == "q" or not flow_id:
        await show_queue(turn, args[1] if len(args) > 1 else "")
    elif action == "o":
        await show_review(turn, flow_id)
    elif action == "a":
        flow = await flow_for_review(turn, flow_id)
        turn.show(turn.words("admin.review.confirm_approve", name=flow.spec.name),
                  Keyboard().row(button(turn.words("admin.review.yes_approve"), "admrv", "A", flow_id))
                  .row(button(turn.words("menu.back"), "admrv", "o", flow_id)))
    elif action == "r":
        flow = await flow_for_review(turn, flow_id)
        turn.conversation.expect("admin.reject_note", reject_flow=flow_id)
        turn.show(turn.words("admin.review.ask_note", name=flow.spec.name, max=NOTE_LIMIT),
                  Keyboard().row(button(turn.words("menu.back"), "admrv", "o", flow_id)))
    elif action in ("A", "R"):
        await decide(turn, flow_id, approve=action == "A")


async def flow_for_review(turn: Turn, flow_id: str) -> calls_pb2.Flow:
    return await turn.services.calls.GetFlowForReview(calls_pb2.GetFlowForReviewRequest(
        admin_telegram_id=turn.telegram_user_id, flow_id=flow_id), timeout=turn.timeout)


async def show_queue(turn: Turn, requested: str) -> None:
    words = turn.words
    page, token = page_to_show(turn.conversation, "reviews", requested)
    answer = await turn.services.calls.ListFlowsForReview(calls_pb2.ListFlowsForReviewRequest(
        admin_telegram_id=turn.telegram_user_id, page=common_pb2.PageRequest(page_size=QUEUE_PAGE, page_token=token)),
        timeout=turn.timeout)
    owners = await users_of_customers(turn.uow, sorted({flow.customer_id for flow in answer.flows}))
    lines = [words("admin.review.queue_title", page=page + 1)]
    keyboard = Keyboard()
    for position, flow in enumerate(answer.flows, start=page * QUEUE_PAGE + 1):
        owner = owners.get(flow.customer_id)
        lines.append(words("admin.review.queue_line", position=position, name=flow.spec.name,
                           customer=owner.name if owner else flow.customer_id,
                           since=admin_time(turn, flow.updated_at),
                           reasons=words.plural("count.reasons", len(flow.review_reasons))))
        keyboard.row(button(words("admin.review.open", position=position, name=flow.spec.name[:30]), "admrv", "o",
                            flow.id))
    if not answer.flows:
        lines.append(words("admin.reviews_empty"))
    pages = paging_buttons(turn.conversation, words, "reviews", page, answer.next_page_token, "admrv", "q")
    keyboard.row(*[Button(words("admin.page_previous" if b.data.endswith(f":{page - 1}") else "admin.page_next"),
                          b.data) for b in pages])
    turn.show("\n".join(lines), keyboard.row(button(words("menu.back"), "adm")))


def admin_time(turn: Turn, moment: datetime | Timestamp) -> str:
    """A moment in the admin's own timezone and language (UTC for an admin who never onboarded)."""
    return local_time(moment, turn.user.timezone if turn.user else "UTC", turn.words.language)


def spec_texts(words: Words, spec: calls_pb2.FlowSpec) -> list[str]:
    """Every text the flow says or carries, in full: what a callee would hear."""
    lines = [words("admin.review.texts_title"),
             words("admin.review.business", text=spec.business_name or "—")]
    for node in spec.graph.nodes:
        kind = words(f"flow.kind.{KIND_NAMES.get(node.kind, 'msg')}")
        keys = ", ".join(f"{edge.key}→{edge.target_node_id}" for edge in node.edges)
        lines.append(words("admin.review.step", node=node.id, kind=kind, text=node.text or "—", keys=keys or "—"))
        if node.kind == calls_pb2.NODE_KIND_COLLECT_DIGITS:
            lines.append(words.plural("admin.review.collects", node.max_digits, end=node.termination_key or "—"))
        if node.transfer_number:
            lines.append(words("admin.review.transfer", number=node.transfer_number))
    if spec.ai_prompt:
        lines.append(words("admin.review.ai_task", text=spec.ai_prompt))
    leaves = spec.voicemail_action == calls_pb2.VOICEMAIL_ACTION_LEAVE_MESSAGE
    lines.append(words("admin.review.voicemail", text=(spec.voicemail_message or "—") if leaves else "—"))
    lines.append(words("admin.review.options", key=spec.opt_out_key or "9", language=spec.language or "en-US"))
    return lines


async def customer_lines(turn: Turn, customer_id: str) -> list[str]:
    """Who the customer is and what they have done, for the review and customer screens."""
    words = turn.words
    record = await turn.services.calls.GetCustomerRecord(calls_pb2.GetCustomerRecordRequest(
        admin_telegram_id=turn.telegram_user_id, customer_id=customer_id), timeout=turn.timeout)
    owner = (await users_of_customers(turn.uow, [customer_id])).get(customer_id)
    balance = await turn.services.wallet.GetBalance(wallet_pb2.GetBalanceRequest(customer_id=customer_id),
                                                    timeout=turn.timeout)
    try:
        subscription = await turn.services.wallet.GetSubscription(wallet_pb2.GetSubscriptionRequest(
            customer_id=customer_id), timeout=turn.timeout)
        plan = (plan_words(words, subscription.plan.code, subscription.plan.name)
                if subscription.status == wallet_pb2.SUBSCRIPTION_STATUS_ACTIVE else "—")
    except grpc.aio.AioRpcError:
        plan = "—"
    limits = record.limits
    return [
        words("admin.customer.who", name=owner.name if owner else "—",
              telegram=owner.telegram_user_id if owner else "—", customer=customer_id),
        words("admin.customer.standing", tier=trust_text(words, limits),
              suspended=words("plans.yes" if limits.suspended else "plans.no")),
        words("admin.customer.history", approved=record.flows_approved, rejected=record.flows_rejected,
              waiting=record.flows_waiting, placed=record.calls_placed, answered=record.calls_answered,
              campaigns=record.campaigns),
        words("admin.customer.money", balance=words.money(balance.available_cents),
              debt=words.money(balance.debt_cents), plan=plan),
    ]


def in_messages(lines: list[str]) -> list[str]:
    """The lines joined into messages Telegram takes; a line longer than one message is cut in parts."""
    messages, current = [], ""
    for line in lines:
        while len(line) > MESSAGE_LIMIT:
            if current:
                messages.append(current)
                current = ""
            messages.append(line[:MESSAGE_LIMIT])
            line = line[MESSAGE_LIMIT:]
        if current and len(current) + 1 + len(line) > MESSAGE_LIMIT:
            messages.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line
    if current:
        messages.append(current)
    return messages


async def show_review(turn: Turn, flow_id: str) -> None:
    words = turn.words
    flow = await flow_for_review(turn, flow_id)
    spec = flow.spec
    waiting = flow.status == calls_pb2.FLOW_STATUS_PENDING_REVIEW
    lines = [words("admin.review.title", name=spec.name, since=admin_time(turn, flow.updated_at)),
             words("admin.review.reasons_title")]
    lines += [words("admin.review.reason", reason=review_reason_text(words, reason))
              for reason in flow.review_reasons] or ["—"]
    if not waiting:
        lines.append(words("admin.review.not_waiting"))
    elif approved_version := getattr(flow, "approved_version", 0):  # an edit: the approved version dials meanwhile
        lines.append(words("admin.review.edit_of", version=approved_version))
    lines.append("")
    lines += await customer_lines(turn, flow.customer_id)
    lines.append("")
    lines += spec_texts(words, spec)
    keyboard = Keyboard()
    if waiting:
        keyboard.row(button(words("admin.review.approve"), "admrv", "a", flow_id),
                     button(words("admin.review.reject"), "admrv", "r", flow_id))
    keyboard.row(button(words("admin.suspend_customer"), "admks", flow.customer_id, "on"),
                 button(words("admin.review.customer"), "admcu", "v", flow.customer_id))
    keyboard.row(button(words("admin.review.back_to_queue"), "admrv", "q"))
    turn.pressed_message_id = None
    if spec.graph.nodes:
        turn.send_file("sendPhoto", render_flow_png(spec.graph, title=spec.name, labels=picture_labels(words)),
                       "flow.png", words("flow.picture_caption", name=spec.name)[:1024])
    messages = in_messages(lines)
    for text in messages[:-1]:
        turn.send(text)
    turn.send(messages[-1], keyboard)


@router.text("admin.reject_note")
async def reject_note(turn: Turn, text: str) -> None:
    """The note the customer will read; then the rejection asks to confirm."""
    words = turn.words
    if not turn.is_admin:
        turn.conversation.reset()
        return
    flow_id = str(turn.conversation.data.get("reject_flow", ""))
    if not text or len(text) > NOTE_LIMIT:
        turn.send(words("admin.review.bad_note", max=NOTE_LIMIT), admin_back(turn))
        return
    flow = await flow_for_review(turn, flow_id)
    turn.conversation.expect("", reject_flow=flow_id, reject_note=text)
    turn.send(words("admin.review.confirm_reject", name=flow.spec.name, note=text),
              Keyboard().row(button(words("admin.review.yes_reject"), "admrv", "R", flow_id))
              .row(button(words("admin.review.change_note"), "admrv", "r", flow_id))
              .row(button(words("menu.back"), "admrv", "o", flow_id)))


async def decide(turn: Turn, flow_id: str, *, approve: bool) -> None:
    words = turn.words
    data = turn.conversation.data
    if approve:  # the customer reads the note, so it is in their language
        customer_id = (await flow_for_review(turn, flow_id)).customer_id
        owner = (await users_of_customers(turn.uow, [customer_id])).get(customer_id)
        note = words_for(owner.language if owner else words.language)("admin.review_note_ok")
    elif data.get("reject_flow") == flow_id and data.get("reject_note"):
        note = str(data["reject_note"])
    else:  # a confirm button whose note is gone (the conversation moved on): ask for it again
        await review(turn, ["r", flow_id])
        return
    flow = await turn.services.calls.ReviewFlow(calls_pb2.ReviewFlowRequest(
        idempotency_key=turn.key("review"), admin_telegram_id=turn.telegram_user_id, flow_id=flow_id,
        approve=approve, note=note), timeout=turn.timeout)
    await record_admin_action(turn.uow, admin_telegram_id=turn.telegram_user_id,
                              action="review_approved" if approve else "review_rejected",
                              customer_id=flow.customer_id, subject=f"{flow.id} {flow.spec.name}"[:200], note=note)
    turn.conversation.reset()
    turn.show(words("admin.reviewed", name=flow.spec.name, approved=words("plans.yes" if approve else "plans.no")),
              Keyboard().row(button(words("admin.review.back_to_queue"), "admrv", "q")))
