"""`python -m services.wallet` runs the wallet; `python -m services.wallet migrate` applies its
migrations and exits (the chart's pre-install Job and the local runner use it)."""

from __future__ import annotations

import sys

from services.runtime.service_main import GrpcService, ServiceContext, ServiceParts, service_command_line
from services.wallet.access import WALLET_ACCESS
from services.wallet.events import WalletEvents
from services.wallet.servicer import WalletServicer
from services.wallet.settings import WalletSettings
from speechcue.wallet.v1 import wallet_pb2, wallet_pb2_grpc


def build(context: ServiceContext) -> ServiceParts:
    settings = context.settings
    assert isinstance(settings, WalletSettings)
    events = WalletEvents(context.relay, settings.wallet_low_balance_cents)
    servicer = WalletServicer(context.database, events, settings)
    return ServiceParts(grpc_services=[GrpcService(
        wallet_pb2_grpc.add_WalletServiceServicer_to_server, servicer,
        wallet_pb2.DESCRIPTOR.services_by_name["WalletService"].full_name, WALLET_ACCESS,
    )], closers=[servicer.debits.close])


if __name__ == "__main__":
    service_command_line(sys.argv, WalletSettings, "wallet", build)
