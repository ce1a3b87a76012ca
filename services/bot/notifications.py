"""Turning other services' events into messages: a call's live status and outcome (edited into one
message), reviews of flows, campaign progress and reports, top-ups, plans and low balances.

Each event is handled once (the runtime's consumer inbox) and each message it queues carries a
dedupe key made from the event id, so a redelivered event queues nothing twice. Reminders (low
balance, plan expiring) are recorded here and sent by the notification tick, once each.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from google.protobuf.message import Message
from sqlalchemy.dialects.postgresql import insert

from services.bot import metrics
from services.bot.answer_texts import answer_lines
from services.bot.call_texts import outcome_text, status_text, transcript_button
from services.bot.callback_texts import callback_asked_line
from services.bot.campaign_texts import campaign_progress_message, send_campaign_report
from services.bot.clients import Services
from services.bot.formatting import local_money, local_time
from services.bot.i18n import Words
from services.bot.outgoing import Keyboard, Outgoing, as_notification, button, queue_messages, text_message
from services.bot.settings import BotSettings
from services.bot.tables import reminders
from services.bot.users import TelegramUser, find_user, find_user_by_customer
from services.runtime.consumers import ConsumerSpec
from services.runtime.database import UnitOfWork
from speechcue.calls.v1 import calls_pb2
from speechcue.events.v1 import calls_events_pb2, envelope_pb2, payments_events_pb2, wallet_events_pb2

log = logging.getLogger(__name__)


class Notifications:
    def __init__(self, services: Services, settings: BotSettings, on_queued: Callable[[], None]) -> None:
        self.services = services
        self.settings = settings
        self.on_queued = on_queued
        self._handlers: dict[str, tuple[type[Message], Callable[..., Awaitable[list[Outgoing]]]]] = {
            "calls.call.started": (calls_events_pb2.CallStarted, self._call_started),
            "calls.call.ended": (calls_events_pb2.CallEnded, self._call_ended),
            "calls.call.analyzed": (calls_events_pb2.CallAnalyzed, self._call_analyzed),
            "calls.flow.reviewed": (calls_events_pb2.FlowReviewed, self._flow_reviewed),
            "calls.flow.pending_review": (calls_events_pb2.FlowPendingReview, self._flow_pending_review),
            "calls.customer.suspended": (calls_events_pb2.CustomerSuspension, self._suspension),
            "calls.customer.unsuspended": (calls_events_pb2.CustomerSuspension, self._suspension),
            "calls.campaign.started": (calls_events_pb2.CampaignChanged, self._campaign_progress),
            "calls.campaign.progress": (calls_events_pb2.CampaignChanged, self._campaign_progress),
            "calls.campaign.paused": (calls_events_pb2.CampaignChanged, self._campaign_progress),
            "calls.campaign.cancelled": (calls_events_pb2.CampaignChanged, self._campaign_progress),
            "calls.campaign.completed": (calls_events_pb2.CampaignChanged, self._campaign_completed),
            "calls.campaign.reminder": (calls_events_pb2.CampaignChanged, self._campaign_reminder),
            "payments.topup.confirmed": (payments_events_pb2.TopUpChanged, self._topup_confirmed),
            "payments.topup.underpaid": (payments_events_pb2.TopUpChanged, self._topup_underpaid),
            "payments.topup.expired": (payments_events_pb2.TopUpChanged, self._topup_expired),
            "wallet.subscription.activated": (wallet_events_pb2.SubscriptionChanged, self._plan_activated),
            "wallet.subscription.renewed": (wallet_events_pb2.SubscriptionChanged, self._plan_renewed),
            "wallet.subscription.expired": (wallet_events_pb2.SubscriptionChanged, self._plan_expired),
            "wallet.subscription.expiring": (wallet_events_pb2.SubscriptionChanged, self._plan_expiring),
            "wallet.balance.low": (wallet_events_pb2.BalanceLow, self._balance_low),
            "wallet.overage.failed": (wallet_events_pb2.OverageFailed, self._overage_failed),
        }

    def consumers(self) -> list[ConsumerSpec]:
        def subjects(prefix: str) -> tuple[str, ...]:
            return tuple(subject for subject in self._handlers if subject.startswith(prefix))

        return [ConsumerSpec("bot-notifications-calls", "calls", subjects("calls."), self.handle),
                ConsumerSpec("bot-notifications-payments", "payments", subjects("payments."), self.handle),
                ConsumerSpec("bot-notifications-wallet", "wallet", subjects("wallet."), self.handle)]

    async def handle(self, uow: UnitOfWork, envelope: envelope_pb2.Envelope) -> None:
        known = self._handlers.get(envelope.type)
        if known is None:
            return
        user = await find_user_by_customer(uow, envelope.customer_id)
        if user is None:
            return  # a customer who never used the bot (an API client, a test)
        payload_type, build = known
        payload = payload_type()
        envelope.payload.Unpack(payload)
        words = Words(user.language)
        messages = await build(uow, user, words, payload, envelope)
        messages = [as_notification(replace(message, dedupe_key=message.dedupe_key
                                            or f"event:{envelope.event_id}:{index}"))
                    for index, message in enumerate(messages)]
        await queue_messages(uow, user.chat_id, messages)
        if messages:
            metrics.notifications_total.labels(envelope.type).inc()
            uow.after_commit(self.on_queued)

    # Calls: one live message per call (ref call:<id>), edited as the call moves on. The events carry
    # no number, keys, recording or summary (calls_events.proto): they are read from the calls
    # service here, for the call's owner only. If it cannot answer, the event is delivered again.

    async def _call(self, user: TelegramUser, call_id: str) -> calls_pb2.Call:
        return await self.services.calls.GetCall(calls_pb2.GetCallRequest(customer_id=user.customer_id,
                                                                          call_id=call_id))

    async def _call_started(self, uow: UnitOfWork, user: TelegramUser, words: Words,
                            event: calls_events_pb2.CallStarted, envelope: Any) -> list[Outgoing]:
        if event.campaign_id:
            return []
        call = await self._call(user, event.call_id)
        keyboard = Keyboard().row(button(words("call.stop"), "callstop", event.call_id))
        return [Outgoing("editMessageText", text_message(status_text(words, call.to_number,
                                                                     calls_pb2.CALL_STATUS_ONGOING), keyboard,
                                                         chat_id=user.chat_id), edits_ref=f"call:{event.call_id}")]

    async def _call_ended(self, uow: UnitOfWork, user: TelegramUser, words: Words,
                          event: calls_events_pb2.CallEnded, envelope: Any) -> list[Outgoing]:
        if event.campaign_id:
            return []
        call = await self._call(user, event.call_id)
        # The money and the length as the event settled them; the rest (number, keys, transfer) from the call.
        call.status = calls_pb2.CALL_STATUS_ENDED if event.status == "ended" else calls_pb2.CALL_STATUS_FAILED
        call.duration_seconds, call.cost_cents, call.plan_minutes = (event.duration_seconds, event.cost_cents,
                                                                     event.plan_minutes)
        call.opted_out = call.opted_out or event.opted_out
        text = outcome_text(words, call, with_analysis=False)
        if event.opted_out:
            text += "\n" + words("call.outcome.opted_out")
        keyboard = Keyboard()
        if event.callback_requested:  # a single call is not called back by itself: the customer decides
            text += "\n" + callback_asked_line(words, call.to_number, event.callback_at if event.HasField(
                "callback_at") else None, user.timezone)
            keyboard.row(button(words("callback.call_back"), "inboxcall", event.call_id))
        if call.recording_url:
            # Fetched and made MP3 when pressed (screens/results.py): Telegram refuses a WAV link.
            keyboard.row(button(words("call.recording"), "rec", event.call_id))
        if event.status == "ended":  # a call that connected has something said to read
            keyboard.row(transcript_button(words, event.call_id))
        keyboard.row(button(words("notify.call_details"), "res", event.call_id))
        keyboard.row(button(words("call.again"), "call"), button(words("menu.back_home"), "home"))
        return [Outgoing("editMessageText", text_message(text, keyboard, chat_id=user.chat_id),
                         edits_ref=f"call:{event.call_id}")]

    async def _call_analyzed(self, uow: UnitOfWork, user: TelegramUser, words: Words,
                             event: calls_events_pb2.CallAnalyzed, envelope: Any) -> list[Outgoing]:
        if event.campaign_id or not (event.has_summary or event.sentiment or event.custom_answers):
            return []
        # The summary and the custom answers are read from the call: the event carries neither.
        call = await self._call(user, event.call_id) if event.has_summary or event.custom_answers else None
        summary = call.analysis.summary if call is not None and event.has_summary else ""
        lines = [words("call.analysis.title")]
        if summary:
            lines.append(words("call.outcome.summary", summary=summary[:1500]))
        if event.sentiment:
            lines.append(words("call.outcome.sentiment", sentiment=words(f"sentiment.{event.sentiment.lower()}")))
        if event.in_voicemail:
            lines.append(words("call.analysis.voicemail"))
        if call is not None:
            lines.extend(answer_lines(words, call))
        return [Outgoing("sendMessage", text_message("\n".join(lines), chat_id=user.chat_id))]

    async def _flow_reviewed(self, uow: UnitOfWork, user: TelegramUser, words: Words,
                             event: calls_events_pb2.FlowReviewed, envelope: Any) -> list[Outgoing]:
        text = words("flow.review.approved" if event.approved else "flow.review.rejected", name=event.name,
                     note=event.note or "—")
        keyboard = Keyboard().row(button(words("flow.open"), "flow", "view", event.flow_id))
        return [Outgoing("sendMessage", text_message(text, keyboard, chat_id=user.chat_id))]

    async def _flow_pending_review(self, uow: UnitOfWork, user: TelegramUser, words: Words,
                                   event: calls_events_pb2.FlowPendingReview, envelope: Any) -> list[Outgoing]:
        keyboard = Keyboard().row(button(words("flow.open"), "flow", "view", event.flow_id))
        messages = [Outgoing("sendMessage", text_message(words("flow.review.waiting", name=event.name), keyboard,
                                                         chat_id=user.chat_id))]
        for admin_id in sorted(self.settings.speechcue_admin_telegram_ids):
            admin = await find_user(uow, admin_id)  # each admin in their own language, once they chose one
            admin_words = Words(admin.language if admin else "en")
            keyboard = Keyboard().row(button(admin_words("admin.reviews"), "adm", "reviews"))
            body = text_message(admin_words("admin.review_waiting", name=event.name), keyboard, chat_id=admin_id)
            await queue_messages(uow, admin_id, [as_notification(Outgoing(
                "sendMessage", body, dedupe_key=f"event:{envelope.event_id}:admin:{admin_id}"))])
        return messages

    async def _suspension(self, uow: UnitOfWork, user: TelegramUser, words: Words,
                          event: calls_events_pb2.CustomerSuspension, envelope: Any) -> list[Outgoing]:
        """An admin suspended calling for this customer, or lifted the suspension."""
        if event.suspended:
            text = words("account.suspended", campaigns=words.plural("count.campaigns_paused", event.campaigns_paused),
                         calls=words.plural("count.calls_stopped", event.calls_failed + event.calls_stopped))
            keyboard = Keyboard().row(button(words("menu.help"), "help"))
        else:
            text = words("account.unsuspended")
            keyboard = Keyboard().row(button(words("menu.campaigns"), "camps"), button(words("menu.back_home"), "home"))
        return [Outgoing("sendMessage", text_message(text, keyboard, chat_id=user.chat_id))]

    # Campaigns: one progress message per campaign (ref campaign:<id>), then the report.

    async def _campaign_progress(self, uow: UnitOfWork, user: TelegramUser, words: Words,
                                 event: calls_events_pb2.CampaignChanged, envelope: Any) -> list[Outgoing]:
        keyboard = Keyboard().row(button(words("campaign.open"), "camp", "view", event.campaign_id))
        text = await campaign_progress_message(self.services, user, words, event)  # with why callees wait
        return [Outgoing("editMessageText", text_message(text, keyboard, chat_id=user.chat_id),
                         edits_ref=f"campaign:{event.campaign_id}")]

    async def _campaign_completed(self, uow: UnitOfWork, user: TelegramUser, words: Words,
                                  event: calls_events_pb2.CampaignChanged, envelope: Any) -> list[Outgoing]:
        messages = await self._campaign_progress(uow, user, words, event, envelope)
        messages.extend(await send_campaign_report(self.services, user, words, event.campaign_id))
        return messages

    async def _campaign_reminder(self, uow: UnitOfWork, user: TelegramUser, words: Words,
                                 event: calls_events_pb2.CampaignChanged, envelope: Any) -> list[Outgoing]:
        text = words("campaign.reminder", name=event.name, callees=words.plural("count.numbers", event.callees),
                     start=local_time(event.start_at, user.timezone, words.language))
        keyboard = Keyboard().row(button(words("campaign.open"), "camp", "view", event.campaign_id))
        return [Outgoing("sendMessage", text_message(text, keyboard, chat_id=user.chat_id))]

    # Money.

    async def _topup_confirmed(self, uow: UnitOfWork, user: TelegramUser, words: Words,
                               event: payments_events_pb2.TopUpChanged, envelope: Any) -> list[Outgoing]:
        keyboard = Keyboard().row(button(words("wallet.title"), "wallet"), button(words("menu.back_home"), "home"))
        text = words("topup.confirmed", amount=local_money(event.credited_cents or event.usd_cents, words.language),
                     coin=event.coin)
        return [Outgoing("sendMessage", text_message(text, keyboard, chat_id=user.chat_id))]

    async def _topup_underpaid(self, uow: UnitOfWork, user: TelegramUser, words: Words,
                               event: payments_events_pb2.TopUpChanged, envelope: Any) -> list[Outgoing]:
        text = words("topup.underpaid", missing=local_money(event.missing_cents, words.language), coin=event.coin)
        keyboard = Keyboard().row(button(words("topup.check"), "inv", event.invoice_id),
                                  button(words("wallet.title"), "wallet"))
        return [Outgoing("sendMessage", text_message(text, keyboard, chat_id=user.chat_id))]

    async def _topup_expired(self, uow: UnitOfWork, user: TelegramUser, words: Words,
                             event: payments_events_pb2.TopUpChanged, envelope: Any) -> list[Outgoing]:
        keyboard = Keyboard().row(button(words("wallet.topup"), "topup"))
        expired = words("topup.expired", amount=local_money(event.usd_cents, words.language))
        return [Outgoing("sendMessage", text_message(expired, keyboard,
                                                     chat_id=user.chat_id))]

    async def _plan_activated(self, uow: UnitOfWork, user: TelegramUser, words: Words,
                              event: wallet_events_pb2.SubscriptionChanged, envelope: Any) -> list[Outgoing]:
        expires = local_time(event.expires_at, user.timezone, words.language)
        text = words("plan.activated", name=plan_name(words, event), expires=expires)
        keyboard = Keyboard().row(button(words("wallet.title"), "wallet"))
        return [Outgoing("sendMessage", text_message(text, keyboard, chat_id=user.chat_id))]

    async def _plan_renewed(self, uow: UnitOfWork, user: TelegramUser, words: Words,
                            event: wallet_events_pb2.SubscriptionChanged, envelope: Any) -> list[Outgoing]:
        text = words("plan.renewed", name=plan_name(words, event),
                     expires=local_time(event.expires_at, user.timezone, words.language),
                     price=words.money(event.price_cents))
        keyboard = Keyboard().row(button(words("wallet.title"), "wallet"))
        return [Outgoing("sendMessage", text_message(text, keyboard, chat_id=user.chat_id))]

    async def _plan_expired(self, uow: UnitOfWork, user: TelegramUser, words: Words,
                            event: wallet_events_pb2.SubscriptionChanged, envelope: Any) -> list[Outgoing]:
        keyboard = Keyboard().row(button(words("plans.title"), "plans"))
        return [Outgoing("sendMessage", text_message(words("plan.expired", name=plan_name(words, event)), keyboard,
                                                     chat_id=user.chat_id))]

    async def _plan_expiring(self, uow: UnitOfWork, user: TelegramUser, words: Words,
                             event: wallet_events_pb2.SubscriptionChanged, envelope: Any) -> list[Outgoing]:
        await remember_reminder(uow, user.customer_id, "plan_expiring", f"subscription:{event.subscription_id}")
        return []

    async def _balance_low(self, uow: UnitOfWork, user: TelegramUser, words: Words,
                           event: wallet_events_pb2.BalanceLow, envelope: Any) -> list[Outgoing]:
        await remember_reminder(uow, user.customer_id, "low_balance", f"event:{envelope.event_id}")
        return []

    async def _overage_failed(self, uow: UnitOfWork, user: TelegramUser, words: Words,
                              event: wallet_events_pb2.OverageFailed, envelope: Any) -> list[Outgoing]:
        keyboard = Keyboard().row(button(words("wallet.topup"), "topup"), button(words("wallet.title"), "wallet"))
        text = words("wallet.in_debt", debt=words.money(event.debt_cents))
        return [Outgoing("sendMessage", text_message(text, keyboard, chat_id=user.chat_id))]


def plan_name(words: Words, event: wallet_events_pb2.SubscriptionChanged) -> str:
    return words.name_of(f"plan.name.{event.plan_code}", event.plan_name)


async def remember_reminder(uow: UnitOfWork, customer_id: str, kind: str, about: str) -> None:
    await uow.connection.execute(insert(reminders).values(customer_id=customer_id, kind=kind, about=about)
                                 .on_conflict_do_nothing(constraint="reminders_once"))
