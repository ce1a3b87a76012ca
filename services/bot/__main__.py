"""`python -m services.bot` runs the Telegram bot; `python -m services.bot migrate` applies its
migrations and exits."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Bot
from telegram.error import BadRequest, TelegramError
from telegram.ext import Application

from services.bot.access import BOT_ACCESS
from services.bot.clients import Services
from services.bot.commands import publish_commands
from services.bot.notification_tick import NotificationTick
from services.bot.notifications import Notifications
from services.bot.sender import MessageSender
from services.bot.servicer import BotServicer
from services.bot.settings import BotSettings
from services.bot.updates import UpdateHandling
from services.bot.webhook import add_telegram_webhook
from services.runtime.http_app import ServiceApp
from services.runtime.service_main import GrpcService, ServiceContext, ServiceParts, service_command_line
from speechcue.bot.v1 import bot_pb2, bot_pb2_grpc

log = logging.getLogger(__name__)

WEBHOOK_UPDATES = ["message", "callback_query"]


# How long a Bot API call may take to answer. A send that times out is sent again, and Telegram, which
# may have carried it out, shows it twice: python-telegram-bot's 5 s made duplicates whenever Telegram
# (or, in the tests, a busy machine) answered late.
TELEGRAM_READ_TIMEOUT_SECONDS = 30.0


def telegram_application(settings: BotSettings) -> Application:  # type: ignore[type-arg]
    """python-telegram-bot without its updater: updates arrive through our FastAPI route."""
    api = settings.telegram_api_base_url
    return (Application.builder().token(settings.telegram_bot_token).base_url(f"{api}/bot")
            .base_file_url(f"{api}/file/bot").read_timeout(TELEGRAM_READ_TIMEOUT_SECONDS)
            .updater(None).build())


def connect_to_telegram(bot: Bot, settings: BotSettings) -> Callable[[], Coroutine[Any, Any, None]]:
    async def connect() -> None:
        """Checks the token (getMe), registers the webhook and the command menu, retrying while
        Telegram is away."""
        delay = 1.0
        while True:
            try:
                await bot.initialize()
                if settings.speechcue_public_base_url:
                    await bot.set_webhook(f"{settings.speechcue_public_base_url}/telegram/webhook",
                                          secret_token=settings.telegram_webhook_secret,
                                          allowed_updates=WEBHOOK_UPDATES)
                try:
                    await publish_commands(bot)
                except BadRequest:
                    # The menu is a convenience: a list Telegram refuses must not keep the bot offline.
                    log.exception("Telegram refused the command menu; the bot runs without it")
                log.info("connected to Telegram as @%s", bot.username)
                return
            except TelegramError as error:
                log.warning("Telegram is not reachable yet (%s); retrying in %.0f s", type(error).__name__, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 60.0)

    return connect


def build(context: ServiceContext, **overrides: Any) -> ServiceParts:
    settings = context.settings
    assert isinstance(settings, BotSettings)
    application = overrides.get("application") or telegram_application(settings)
    bot = application.bot
    services = overrides.get("services") or Services.connect(settings)
    sender = MessageSender(context.database, bot, settings)
    handling = UpdateHandling(context.database, services, settings, bot, sender.wake,
                              **({"clock": overrides["clock"]} if "clock" in overrides else {}))
    notifications = Notifications(services, settings, sender.wake)
    servicer = BotServicer(context.database, NotificationTick(services, sender.wake,
                                                              retention_days=settings.bot_retention_days))

    def routes(app: ServiceApp) -> None:
        add_telegram_webhook(app, handling=handling, secret=settings.telegram_webhook_secret, bot=bot)

    return ServiceParts(
        grpc_services=[GrpcService(bot_pb2_grpc.add_BotServiceServicer_to_server, servicer,
                                   bot_pb2.DESCRIPTOR.services_by_name["BotService"].full_name, BOT_ACCESS)],
        consumers=notifications.consumers(),
        add_http_routes=routes,
        background=[sender.run_forever, connect_to_telegram(bot, settings)],
    )


if __name__ == "__main__":
    service_command_line(sys.argv, BotSettings, "bot", build)
