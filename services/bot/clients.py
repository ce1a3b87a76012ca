"""The bot's gRPC clients of the wallet, calls and payments services."""

from __future__ import annotations

from dataclasses import dataclass

import grpc

from services.bot.settings import BotSettings
from services.runtime.callers import settings_token
from services.runtime.grpc_client import internal_channel
from speechcue.calls.v1 import calls_pb2_grpc
from speechcue.payments.v1 import payments_pb2_grpc
from speechcue.wallet.v1 import wallet_pb2_grpc

# Every RPC the bot makes is answered while a person waits: a slow service becomes an error message
# rather than a frozen chat.
RPC_TIMEOUT_SECONDS = 15.0


@dataclass
class Services:
    wallet: wallet_pb2_grpc.WalletServiceStub
    calls: calls_pb2_grpc.CallsServiceStub
    payments: payments_pb2_grpc.PaymentsServiceStub
    channels: list[grpc.aio.Channel]

    @classmethod
    def connect(cls, settings: BotSettings) -> Services:
        token = settings_token(settings)
        channels = [internal_channel(address, token) for address in
                    (settings.wallet_grpc_addr, settings.calls_grpc_addr, settings.payments_grpc_addr)]
        return cls(wallet_pb2_grpc.WalletServiceStub(channels[0]), calls_pb2_grpc.CallsServiceStub(channels[1]),
                   payments_pb2_grpc.PaymentsServiceStub(channels[2]), channels)

    async def close(self) -> None:
        for channel in self.channels:
            await channel.close()
