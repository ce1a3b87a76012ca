"""`python -m services.payments` runs the payments service; `... migrate` applies its migrations."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import Any

from services.payments.access import PAYMENTS_ACCESS
from services.payments.credits import CreditDelivery
from services.payments.dynopay_client import DynoPayClient
from services.payments.servicer import PaymentsServicer
from services.payments.settings import PaymentsSettings
from services.payments.webhook import add_dynopay_webhook
from services.runtime.callers import settings_token
from services.runtime.grpc_client import internal_channel
from services.runtime.http_app import ServiceApp
from services.runtime.service_main import GrpcService, ServiceContext, ServiceParts, service_command_line
from speechcue.payments.v1 import payments_pb2, payments_pb2_grpc
from speechcue.wallet.v1 import wallet_pb2_grpc


def utc_now() -> datetime:
    return datetime.now(UTC)


def build(context: ServiceContext, **overrides: Any) -> ServiceParts:
    settings = context.settings
    assert isinstance(settings, PaymentsSettings)
    clock = overrides.get("clock") or utc_now
    dynopay = DynoPayClient(settings.dynopay_base_url, settings.dynopay_api_key, settings.dynopay_wallet_token,
                            timeout_seconds=settings.payments_dynopay_timeout_seconds)
    wallet = wallet_pb2_grpc.WalletServiceStub(internal_channel(settings.wallet_grpc_addr,
                                                                settings_token(settings)))
    credits = CreditDelivery(context.database, wallet, clock)
    servicer = PaymentsServicer(context.database, dynopay, wallet, context.relay, credits, settings, clock)

    def routes(app: ServiceApp) -> None:
        add_dynopay_webhook(app, database=context.database, dynopay=dynopay, relay=context.relay, credits=credits,
                            secret=settings.dynopay_webhook_secret, clock=clock)

    return ServiceParts(
        grpc_services=[GrpcService(payments_pb2_grpc.add_PaymentsServiceServicer_to_server, servicer,
                                   payments_pb2.DESCRIPTOR.services_by_name["PaymentsService"].full_name,
                                   PAYMENTS_ACCESS)],
        add_http_routes=routes, background=[credits.run_forever])


if __name__ == "__main__":
    service_command_line(sys.argv, PaymentsSettings, "payments", build)
