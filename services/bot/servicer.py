"""speechcue.bot.v1.BotService: the notification tick the CronJob asks for."""

from __future__ import annotations

import grpc

from services.bot.notification_tick import NotificationTick
from services.runtime.database import Database
from services.runtime.ticks import run_tick
from speechcue.bot.v1 import bot_pb2_grpc
from speechcue.common.v1 import common_pb2


class BotServicer(bot_pb2_grpc.BotServiceServicer):
    def __init__(self, database: Database, tick: NotificationTick) -> None:
        self.database = database
        self.tick = tick

    async def RunNotificationTick(self, request: common_pb2.RunTickRequest,
                                  context: grpc.aio.ServicerContext) -> common_pb2.TickResult:
        return await run_tick(self.database, "notifications", request.idempotency_key, request,
                              common_pb2.TickResult, self.tick.run)
