"""Who may call which bot method (services/runtime/callers.py): only the notification tick."""

from __future__ import annotations

from services.runtime.callers import access_table, tick_identity
from speechcue.bot.v1 import bot_pb2

BOT_ACCESS = access_table(bot_pb2.DESCRIPTOR.services_by_name["BotService"], {
    tick_identity("notifications"): {"RunNotificationTick"},
})
