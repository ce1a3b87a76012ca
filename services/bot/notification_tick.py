"""The notification tick (every 10 minutes): undelivered messages get another round of attempts, due
reminders (low balance, plan expiring) are sent, each once (DESIGN.md §5, flow 6), and messages older
than the retention are deleted (message_retention.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import grpc
from sqlalchemy import func, select, update

from services.bot.clients import RPC_TIMEOUT_SECONDS, Services
from services.bot.formatting import local_time
from services.bot.i18n import Words
from services.bot.message_retention import delete_expired_messages
from services.bot.outgoing import Keyboard, Outgoing, as_notification, button, queue_messages, text_message
from services.bot.tables import outgoing_messages, reminders
from services.bot.users import TelegramUser, find_user_by_customer
from services.runtime.database import UnitOfWork
from speechcue.common.v1 import common_pb2
from speechcue.wallet.v1 import wallet_pb2

REMINDERS_PER_TICK = 500


class NotificationTick:
    def __init__(self, services: Services, on_queued: Callable[[], None], *, retention_days: int = 90,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.services = services
        self.on_queued = on_queued
        self.retention = timedelta(days=retention_days)
        self.clock = clock

    async def run(self, uow: UnitOfWork) -> common_pb2.TickResult:
        purged = await delete_expired_messages(uow, self.clock() - self.retention)
        retried = (await uow.connection.execute(
            update(outgoing_messages).where(outgoing_messages.c.status == "undelivered")
            .values(status="pending", attempts=0, next_attempt_at=func.now()).returning(outgoing_messages.c.id)
        )).all()
        due = (await uow.connection.execute(
            select(reminders.c.customer_id, reminders.c.kind, reminders.c.about)
            .where(reminders.c.sent_at.is_(None), reminders.c.due_at <= func.now())
            .order_by(reminders.c.due_at).limit(REMINDERS_PER_TICK).with_for_update(skip_locked=True))).all()
        sent = failed = 0
        for reminder in due:
            user = await find_user_by_customer(uow, reminder.customer_id)
            try:
                messages = [as_notification(m) for m in await self._reminder(user, reminder.kind)] if user else []
            except grpc.aio.AioRpcError:
                failed += 1  # the wallet is away: this reminder waits for the next tick
                continue
            if user is not None and messages:
                await queue_messages(uow, user.chat_id, [
                    Outgoing(m.method, m.body, dedupe_key=f"reminder:{reminder.customer_id}:{reminder.kind}:"
                                                          f"{reminder.about}") for m in messages])
            await uow.connection.execute(update(reminders).where(
                reminders.c.customer_id == reminder.customer_id, reminders.c.kind == reminder.kind,
                reminders.c.about == reminder.about).values(sent_at=func.now()))
            sent += 1
        if retried or sent:
            uow.after_commit(self.on_queued)
        return common_pb2.TickResult(name="notifications", processed=len(retried) + len(due) + purged,
                                     succeeded=len(retried) + sent + purged, failed=failed)

    async def _reminder(self, user: TelegramUser, kind: str) -> list[Outgoing]:
        words = Words(user.language)
        if kind == "low_balance":
            balance = await self.services.wallet.GetBalance(wallet_pb2.GetBalanceRequest(
                customer_id=user.customer_id), timeout=RPC_TIMEOUT_SECONDS)
            keyboard = Keyboard().row(button(words("wallet.topup"), "topup"))
            return [Outgoing("sendMessage", text_message(words("reminder.low_balance",
                                                               balance=words.money(balance.available_cents)), keyboard,
                                                         chat_id=user.chat_id))]
        if kind == "plan_expiring":
            subscription = await self.services.wallet.GetSubscription(wallet_pb2.GetSubscriptionRequest(
                customer_id=user.customer_id), timeout=RPC_TIMEOUT_SECONDS)
            word = "reminder.plan_renews" if subscription.auto_renew else "reminder.plan_expiring"
            keyboard = Keyboard().row(button(words("plans.title"), "plans"))
            name = words.name_of(f"plan.name.{subscription.plan.code}", subscription.plan.name)
            return [Outgoing("sendMessage", text_message(words(word, name=name,
                                                               expires=local_time(subscription.expires_at,
                                                                                  user.timezone, words.language)),
                                                         keyboard, chat_id=user.chat_id))]
        return []
