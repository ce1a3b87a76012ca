"""Least privilege between services (issue 17, item 2), against every service running on real
PostgreSQL and NATS: each caller (the bot, calls, payments, each tick) calls with its own token, and a
service answers it only for the methods its access table gives it. A method from the wrong caller is
PERMISSION_DENIED with reason CALLER_NOT_ALLOWED, naming no token and no table, and changes nothing.

The tables themselves, without a server: tests/runtime/test_grpc_access.py. Every journey test
(tests/bot, tests/e2e) runs the services' own calls through these tables too.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

import grpc
import pytest
from google.protobuf.descriptor import MethodDescriptor, ServiceDescriptor

from cronjobs.schedule import TICKS
from services.bot.access import BOT_ACCESS
from services.calls.access import CALLS_ACCESS
from services.payments.access import PAYMENTS_ACCESS
from services.runtime.callers import BOT, CALLS, PAYMENTS, AccessTable, development_token, tick_identity
from services.runtime.grpc_client import internal_channel, refusal_reason
from services.runtime.grpc_interceptor import CALLER_NOT_ALLOWED
from services.wallet.access import WALLET_ACCESS
from speechcue.calls.v1 import calls_pb2, calls_pb2_grpc
from speechcue.common.v1 import common_pb2
from speechcue.wallet.v1 import wallet_pb2, wallet_pb2_grpc
from tests.bot import conftest as bot_fixtures
from tests.bot.conftest import BotHarness
from tests.reliability.test_authorization import empty_request, speechcue_services
from tests.wallet.conftest import ADMIN_ID

# Every service with its neighbours (tests/bot/conftest.py and the fixtures it brings in).
bot, telegram_server = bot_fixtures.bot, bot_fixtures.telegram_server
calls, sandbox_server, payments, wallet = (bot_fixtures.calls, bot_fixtures.sandbox_server, bot_fixtures.payments,
                                           bot_fixtures.wallet)

IDENTITIES = (BOT, CALLS, PAYMENTS, *(tick_identity(tick.name) for tick in TICKS))
NOT_ALLOWED_MESSAGE = "this caller may not call this method"


def served(bot: BotHarness) -> dict[str, tuple[str, AccessTable]]:
    """Each service's full name → its address and table."""
    return {
        WALLET_ACCESS.service: (f"127.0.0.1:{bot.calls.wallet.running.grpc_port}", WALLET_ACCESS),
        CALLS_ACCESS.service: (f"127.0.0.1:{bot.calls.running.grpc_port}", CALLS_ACCESS),
        PAYMENTS_ACCESS.service: (f"127.0.0.1:{bot.payments.running.grpc_port}", PAYMENTS_ACCESS),
        BOT_ACCESS.service: (f"127.0.0.1:{bot.running.grpc_port}", BOT_ACCESS),
    }


async def refused(attempt: Awaitable[Any]) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await attempt
    return caught.value


def assert_not_allowed(error: grpc.aio.AioRpcError) -> None:
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED, error
    assert refusal_reason(error) == CALLER_NOT_ALLOWED
    assert error.details() == NOT_ALLOWED_MESSAGE  # no token, identity or table in what a caller reads


async def test_the_bot_may_not_credit_a_wallet_and_payments_may(bot: BotHarness) -> None:
    wallet_address = served(bot)[WALLET_ACCESS.service][0]
    customer = await bot.calls.wallet.open()
    credit = wallet_pb2.CreditRequest(
        idempotency_key=bot.calls.wallet.key("credit"), customer_id=customer, amount_cents=500_000,
        cause=common_pb2.Cause(type=common_pb2.CAUSE_TYPE_PAYMENT, id="pay-forged"))
    for intruder in (BOT, CALLS, tick_identity("billing")):
        async with internal_channel(wallet_address, development_token(intruder)) as channel:
            assert_not_allowed(await refused(wallet_pb2_grpc.WalletServiceStub(channel).Credit(credit)))
    assert (await bot.calls.wallet.balance(customer)).available_cents == 0

    async with internal_channel(wallet_address, development_token(PAYMENTS)) as channel:
        await wallet_pb2_grpc.WalletServiceStub(channel).Credit(credit)
    assert (await bot.calls.wallet.balance(customer)).available_cents == 500_000


async def test_an_admin_rpc_from_any_caller_but_the_bot_is_refused_even_naming_an_admin(bot: BotHarness) -> None:
    addresses = served(bot)
    figures = calls_pb2.GetCallFiguresRequest(admin_telegram_id=ADMIN_ID)
    for intruder in (CALLS, PAYMENTS, tick_identity("campaigns")):
        async with internal_channel(addresses[CALLS_ACCESS.service][0], development_token(intruder)) as channel:
            assert_not_allowed(await refused(calls_pb2_grpc.CallsServiceStub(channel).GetCallFigures(figures)))
    customer = await bot.calls.wallet.open()
    refund = wallet_pb2.RefundRequest(idempotency_key=bot.calls.wallet.key("refund"), customer_id=customer,
                                      transfer_id=1, amount_cents=100, admin_telegram_id=ADMIN_ID, reason="forged")
    upsert = wallet_pb2.UpsertPlanRequest(admin_telegram_id=ADMIN_ID)
    for intruder in (CALLS, PAYMENTS):
        async with internal_channel(addresses[WALLET_ACCESS.service][0], development_token(intruder)) as channel:
            stub = wallet_pb2_grpc.WalletServiceStub(channel)
            assert_not_allowed(await refused(stub.Refund(refund)))
            assert_not_allowed(await refused(stub.UpsertPlan(upsert)))

    async with internal_channel(addresses[CALLS_ACCESS.service][0], development_token(BOT)) as channel:
        await calls_pb2_grpc.CallsServiceStub(channel).GetCallFigures(figures)  # the bot's admin screen


async def answer(channel: grpc.aio.Channel, service: ServiceDescriptor, method: MethodDescriptor,
                 ) -> grpc.aio.AioRpcError | None:
    call = channel.unary_unary(f"/{service.full_name}/{method.name}", request_serializer=lambda body: body,
                               response_deserializer=lambda body: body)
    try:
        await call(empty_request(method), timeout=10)
    except grpc.aio.AioRpcError as error:
        return error
    return None


async def test_every_method_answers_each_caller_as_its_table_says(bot: BotHarness) -> None:
    addresses = served(bot)
    ledger_before = await bot.calls.wallet.ledger()
    allowed = refused_count = 0
    for service in speechcue_services():
        address, table = addresses[service.full_name]
        for identity in IDENTITIES:
            async with internal_channel(address, development_token(identity)) as channel:
                for method in service.methods:
                    error = await answer(channel, service, method)
                    if table.may_call(identity, method.name):
                        allowed += 1
                        # Past the check: an empty request may still be refused by the method itself.
                        assert error is None or (error.code() != grpc.StatusCode.UNAUTHENTICATED and \
                            refusal_reason(error) != CALLER_NOT_ALLOWED), (identity, method.name, error)
                    else:
                        refused_count += 1
                        assert error is not None, f"{identity} was answered {service.name}.{method.name}"
                        assert_not_allowed(error)
    ledger_after = await bot.calls.wallet.ledger()
    assert ledger_after.transfers == ledger_before.transfers
    assert allowed == sum(len(methods) for _, table in addresses.values() for methods in table.allowed.values())
    assert refused_count > 10 * allowed
    print(f"\n{len(IDENTITIES)} callers × every RPC: {allowed} allowed, {refused_count} refused")
