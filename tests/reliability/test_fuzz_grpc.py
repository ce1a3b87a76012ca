"""Every RPC of every service fed malformed and out-of-range fields — empty and huge strings,
control characters, negative and huge numbers, enum numbers the proto does not name, timestamps
outside the calendar, ids of nothing and of another customer — mixed with real values so that the
requests reach the rules behind the first check.

The answer is OK or a clean refusal (INVALID_ARGUMENT, NOT_FOUND, FAILED_PRECONDITION, …), never
UNKNOWN or INTERNAL; a refusal changes no table and publishes no event; the service keeps serving.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import grpc
from google.protobuf.descriptor import MethodDescriptor, ServiceDescriptor
from google.protobuf.message import Message
from google.protobuf.message_factory import GetMessageClass
from hypothesis import given
from hypothesis import strategies as st

from speechcue.bot.v1 import bot_pb2
from speechcue.calls.v1 import calls_pb2
from speechcue.payments.v1 import payments_pb2
from speechcue.wallet.v1 import wallet_pb2
from tests.bot.conftest import BotHarness, bot, telegram_server  # noqa: F401
from tests.calls.conftest import CALLEE, CallsHarness, calls, sandbox_server  # noqa: F401
from tests.payments.conftest import PaymentsHarness, payments  # noqa: F401
from tests.reliability.fuzz_budget import fuzz_settings, in_worker_thread
from tests.reliability.proto_requests import Known, requests_for
from tests.reliability.service_state import RejectionWatch, ServiceState
from tests.wallet.conftest import ADMIN_ID, INTERNAL_TOKEN, WalletHarness, wallet  # noqa: F401

CLEAN_REFUSALS = frozenset({
    grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.NOT_FOUND, grpc.StatusCode.FAILED_PRECONDITION,
    grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.ALREADY_EXISTS, grpc.StatusCode.OUT_OF_RANGE,
    grpc.StatusCode.RESOURCE_EXHAUSTED, grpc.StatusCode.ABORTED,
})
EXAMPLES_PER_RPC = 10
fresh_keys = st.uuids().map(lambda value: f"fuzz-{value}")


class RpcFuzzer:
    """Sends generated requests to every method of one gRPC service, from a worker thread."""

    def __init__(self, address: str, service: ServiceDescriptor, state: ServiceState, known: Known) -> None:
        self.channel = grpc.insecure_channel(address)
        self.service = service
        self.watch = RejectionWatch(state)
        self.known = known
        self.answers: Counter[str] = Counter()  # by status name, for the figures bench/fuzz.py prints

    def fuzz_every_rpc(self, examples_per_rpc: int = EXAMPLES_PER_RPC) -> None:
        try:
            for method in self.service.methods:
                self._fuzz(method, examples_per_rpc)
        finally:
            self.channel.close()
        print(f"fuzz figures: {self.service.name} {len(self.service.methods)} RPCs, "
              f"{sum(self.answers.values())} requests: {dict(self.answers)}")

    def _fuzz(self, method: MethodDescriptor, examples: int) -> None:
        response_class = GetMessageClass(method.output_type)
        rpc = self.channel.unary_unary(f"/{self.service.full_name}/{method.name}",
                                       request_serializer=lambda message: message.SerializeToString(),
                                       response_deserializer=response_class.FromString)

        def send(request: Message) -> tuple[grpc.StatusCode, str]:
            try:
                rpc(request, metadata=(("authorization", f"Bearer {INTERNAL_TOKEN}"),), timeout=30)
            except grpc.RpcError as error:
                return error.code(), error.details() or ""  # type: ignore[attr-defined]
            return grpc.StatusCode.OK, ""

        @fuzz_settings(examples)
        @given(request=requests_for(method.input_type, self.known))
        def fuzz(request: Message) -> None:
            code, details = self.watch.send(lambda: send(request),
                                            accepted=lambda answer: answer[0] is grpc.StatusCode.OK)
            self.answers[code.name] += 1
            assert code is grpc.StatusCode.OK or code in CLEAN_REFUSALS, (
                f"{method.name} answered {code.name}: {details[:300]} for {str(request)[:500]!r}")

        fuzz()


def state_of(database_url: str, nats_url: str, service: str, **options: Any) -> ServiceState:
    return ServiceState(database_url, nats_url, service.upper(), asyncio.get_running_loop(), **options)


async def test_every_wallet_rpc_refuses_malformed_fields_cleanly(wallet: WalletHarness) -> None:  # noqa: F811
    rich = await wallet.open()
    credited = await wallet.credit(rich, 50_000)
    other = await wallet.open()
    plans = await wallet.stub.ListPlans(wallet_pb2.ListPlansRequest(include_inactive=True))
    known: Known = {
        "customer_id": [rich, other], "idempotency_key": fresh_keys, "admin_telegram_id": [ADMIN_ID],
        "transfer_id": [credited.transfer.id], "call_id": ["call-fuzz-1"], "amount_cents": [1, 100, 2500],
        "plan_code": [plan.code for plan in plans.plans] or ["basic"],
    }
    fuzzer = RpcFuzzer(f"127.0.0.1:{wallet.running.grpc_port}",
                       wallet_pb2.DESCRIPTOR.services_by_name["WalletService"],
                       state_of(wallet.database_url, wallet.nats_url, "wallet"), known)

    await in_worker_thread(fuzzer.fuzz_every_rpc)

    report = await wallet.ledger()
    assert report.ok, report


async def test_every_calls_rpc_refuses_malformed_fields_cleanly(calls: CallsHarness) -> None:  # noqa: F811
    rich = await calls.customer_with_money(100_000)
    other = await calls.customer_with_money(0)
    flow = await calls.flow(rich)
    await calls.script_callee(CALLEE, manual=True)
    call = await calls.call(rich, flow.id)
    known: Known = {
        "customer_id": [rich, other], "idempotency_key": fresh_keys, "admin_telegram_id": [ADMIN_ID],
        "flow_id": [flow.id], "call_id": [call.id], "to_number": [CALLEE, "+14155550124"],
        "number": [CALLEE], "default_region": ["US", "GB", "ZZ"], "voice_id": ["11labs-Adrian"],
        "list": [b"+14155550123\n+14155550124\n", b"phone,name\n+14155550125,Ada\n"], "max_minutes": [1, 5],
    }
    fuzzer = RpcFuzzer(f"127.0.0.1:{calls.running.grpc_port}", calls_pb2.DESCRIPTOR.services_by_name["CallsService"],
                       state_of(calls.database_url, calls.settings.speechcue_nats_url, "calls"), known)

    await in_worker_thread(fuzzer.fuzz_every_rpc)

    assert (await calls.stub.GetCall(calls_pb2.GetCallRequest(customer_id=rich, call_id=call.id))).id == call.id
    assert (await calls.wallet.ledger()).ok


async def test_every_payments_rpc_refuses_malformed_fields_cleanly(payments: PaymentsHarness) -> None:  # noqa: F811
    customer = await payments.wallet.open()
    other = await payments.wallet.open()
    invoice = await payments.top_up(customer, 2500)
    known: Known = {
        "customer_id": [customer, other], "idempotency_key": fresh_keys, "invoice_id": [invoice.id],
        "coin": ["BTC", "ETH"], "usd_cents": [500, 2500],
    }
    fuzzer = RpcFuzzer(f"127.0.0.1:{payments.running.grpc_port}",
                       payments_pb2.DESCRIPTOR.services_by_name["PaymentsService"],
                       state_of(payments.database_url, payments.settings.speechcue_nats_url, "payments"), known)

    await in_worker_thread(fuzzer.fuzz_every_rpc)

    assert (await payments.stub.GetInvoice(payments_pb2.GetInvoiceRequest(
        customer_id=customer, invoice_id=invoice.id))).id == invoice.id


async def test_every_bot_rpc_refuses_malformed_fields_cleanly(bot: BotHarness) -> None:  # noqa: F811
    fuzzer = RpcFuzzer(f"127.0.0.1:{bot.running.grpc_port}", bot_pb2.DESCRIPTOR.services_by_name["BotService"],
                       state_of(bot.database_url, bot.settings.speechcue_nats_url, "bot"),
                       {"idempotency_key": fresh_keys})

    await in_worker_thread(fuzzer.fuzz_every_rpc)

    person = await bot.onboarded()
    await person.say("/start")
    await person.wait_for_text("Main menu")
