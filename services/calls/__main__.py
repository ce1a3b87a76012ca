"""`python -m services.calls` runs the calls service; `python -m services.calls migrate` applies its
migrations and exits."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Any

from services.calls.access import CALLS_ACCESS
from services.calls.caller_ids import enabled_caller_ids, sync_from_retell
from services.calls.ended_calls import EndedCalls
from services.calls.events import CallsEvents
from services.calls.line_waiter import LineWaiter
from services.calls.list_imports import ListParser, use_list_parser
from services.calls.retell_client import RetellClient
from services.calls.servicer import CallsServicer
from services.calls.settings import CallsSettings
from services.calls.settlement import Settlement
from services.calls.webhook import add_retell_webhook
from services.runtime.callers import settings_token
from services.runtime.database import Database
from services.runtime.grpc_client import internal_channel
from services.runtime.http_app import ServiceApp
from services.runtime.service_main import GrpcService, ServiceContext, ServiceParts, service_command_line
from speechcue.calls.v1 import calls_pb2, calls_pb2_grpc
from speechcue.wallet.v1 import wallet_pb2_grpc

log = logging.getLogger(__name__)


def utc_now() -> datetime:
    return datetime.now(UTC)


def fill_caller_id_pool(database: Database, retell: RetellClient) -> Callable[[], Coroutine[Any, Any, None]]:
    async def fill() -> None:
        """An empty pool is filled from Retell's numbers once at start; admins manage it after."""
        try:
            async with database.unit_of_work() as uow:
                if not await enabled_caller_ids(uow):
                    await sync_from_retell(uow, retell)
                    await uow.commit()
        except Exception as error:
            log.warning("could not fill the caller ID pool from Retell (%s); an admin can sync it later",
                        type(error).__name__)

    return fill


def close_at_stop(list_parser: ListParser) -> Callable[[], Coroutine[Any, Any, None]]:
    async def close_list_parser() -> None:
        """Stops the list parser's worker when the service stops (background tasks are cancelled)."""
        try:
            await asyncio.Event().wait()
        finally:
            list_parser.close()

    return close_list_parser


def build(context: ServiceContext, **overrides: Any) -> ServiceParts:
    settings = context.settings
    assert isinstance(settings, CallsSettings)
    retell = overrides.get("retell") or RetellClient(settings.retell_base_url, settings.retell_api_key,
                                                     timeout_seconds=settings.calls_retell_timeout_seconds)
    wallet = wallet_pb2_grpc.WalletServiceStub(internal_channel(settings.wallet_grpc_addr,
                                                                settings_token(settings)))
    events = CallsEvents(context.relay)
    clock = overrides.get("clock") or utc_now
    settlement = Settlement(context.database, wallet, events, settings, clock)
    servicer = CallsServicer(context.database, retell, wallet, events, settlement, settings, clock)
    line_waiter = LineWaiter(context.database, servicer.placer, settings, clock)
    list_parser = ListParser(settings.calls_list_parse_in, settings.calls_list_parse_workers)
    use_list_parser(list_parser)

    def call_ended() -> None:  # its money is to settle, and its line is free
        settlement.wake()
        line_waiter.wake()

    ended_calls = EndedCalls(context.database, on_recorded=call_ended)

    def routes(app: ServiceApp) -> None:
        add_retell_webhook(app, database=context.database, events=events, ended_calls=ended_calls,
                           api_key=settings.retell_api_key, clock=servicer.clock)

    return ServiceParts(
        grpc_services=[GrpcService(calls_pb2_grpc.add_CallsServiceServicer_to_server, servicer,
                                   calls_pb2.DESCRIPTOR.services_by_name["CallsService"].full_name,
                                   CALLS_ACCESS)],
        add_http_routes=routes,
        background=[settlement.run_forever, servicer.dispatcher.run_forever, line_waiter.run_forever,
                    fill_caller_id_pool(context.database, retell), close_at_stop(list_parser)],
        closers=[ended_calls.close],
    )


if __name__ == "__main__":
    service_command_line(sys.argv, CallsSettings, "calls", build)
