"""The trace id's pieces: what is accepted as one, the JSON log line that carries it, the gRPC
metadata that takes it to the next service and back out of the interceptor, and the outbox row and
NATS header that take it to the consumer of an event (on real PostgreSQL and NATS)."""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from types import SimpleNamespace
from typing import Any

import grpc
import pytest

from services.runtime.callers import HARNESS, development_token, token_digest
from services.runtime.consumers import ConsumerSpec, EventConsumer
from services.runtime.database import UnitOfWork
from services.runtime.grpc_client import _TokenInterceptor
from services.runtime.grpc_interceptor import ServiceInterceptor
from services.runtime.logs import JsonFormatter
from services.runtime.tracing import (
    GRPC_METADATA_KEY,
    NATS_HEADER,
    accepted,
    current_trace_id,
    new_trace_id,
    trace_id_of,
    traced,
)
from services.wallet.access import WALLET_ACCESS
from speechcue.events.v1 import envelope_pb2, wallet_events_pb2
from tests.log_lines import LogLines
from tests.runtime.test_events import EventRig, rig, stage_credit, wait_for  # noqa: F401

TRACE = "0123456789abcdef"


def test_a_new_trace_id_is_sixteen_random_hex_digits() -> None:
    ids = {new_trace_id() for _ in range(100)}
    assert len(ids) == 100
    assert all(len(trace_id) == 16 and int(trace_id, 16) >= 0 for trace_id in ids)


@pytest.mark.parametrize("given", ["", "+14155550123", "14155550123456789", "Bearer secret-token-value",
                                   "0123456789ABCDEF", "0123456789abcdefg", "0" * 33, None, 12345678])
def test_anything_but_a_trace_id_from_outside_is_replaced_by_a_new_one(given: object) -> None:
    replaced = accepted(given)
    assert replaced != given and len(replaced) == 16
    assert "4155550123" not in replaced


def test_a_trace_id_from_outside_is_kept_as_it_is() -> None:
    assert accepted(TRACE) == TRACE
    assert accepted(TRACE.encode()) == TRACE
    assert accepted("f" * 32) == "f" * 32


def test_a_calls_webhooks_are_traced_by_its_call_id() -> None:
    call_id = str(uuid.uuid4())
    assert trace_id_of(call_id) == call_id.replace("-", "")
    assert trace_id_of(call_id) == trace_id_of(call_id.upper())
    assert len(trace_id_of("")) == 16  # no call id: a trace of its own


def test_traced_restores_the_outer_trace() -> None:
    assert current_trace_id() == ""
    with traced(TRACE):
        with traced() as inner:
            assert current_trace_id() == inner != TRACE
        assert current_trace_id() == TRACE
    assert current_trace_id() == ""


def log_line(message: str) -> dict[str, Any]:
    record = logging.LogRecord("services.test", logging.INFO, __file__, 1, message, (), None)
    return dict(json.loads(JsonFormatter("wallet").format(record)))


def test_every_log_line_under_a_trace_carries_its_id() -> None:
    assert "trace_id" not in log_line("outside any trace")
    with traced(TRACE):
        assert log_line("inside")["trace_id"] == TRACE


async def test_an_outgoing_grpc_call_carries_the_trace_in_its_metadata() -> None:
    sent: list[Any] = []

    async def continuation(details: grpc.aio.ClientCallDetails, request: Any) -> None:
        sent.append(dict(details.metadata))

    details = grpc.aio.ClientCallDetails("/speechcue.wallet.v1.WalletService/GetBalance", None, None, None, None)
    interceptor = _TokenInterceptor("bot-token")
    await interceptor.intercept_unary_unary(continuation, details, object())
    with traced(TRACE):
        await interceptor.intercept_unary_unary(continuation, details, object())
    assert GRPC_METADATA_KEY not in sent[0]
    assert sent[1][GRPC_METADATA_KEY] == TRACE and sent[1]["authorization"] == "Bearer bot-token"


async def trace_seen_by_the_servicer(metadata: tuple[tuple[str, str], ...]) -> str:
    """The trace id a wallet method's code runs under when called with `metadata`."""
    seen: list[str] = []

    async def behaviour(request: Any, context: Any) -> str:
        seen.append(current_trace_id())
        return "answer"

    async def continuation(details: Any) -> grpc.RpcMethodHandler:
        return grpc.unary_unary_rpc_method_handler(behaviour)

    interceptor = ServiceInterceptor(callers={HARNESS: token_digest(development_token(HARNESS))},
                                     access=[WALLET_ACCESS], error_domain="speechcue.wallet", harness_allowed=True)
    details = SimpleNamespace(method=f"/{WALLET_ACCESS.service}/GetBalance", invocation_metadata=(
        ("authorization", f"Bearer {development_token(HARNESS)}"), *metadata))
    handler = await interceptor.intercept_service(continuation, details)  # type: ignore[arg-type]

    async def in_its_own_task() -> None:  # as the gRPC server runs each call
        await handler.unary_unary(object(), SimpleNamespace())

    await asyncio.create_task(in_its_own_task())
    return seen[0]


async def test_an_incoming_grpc_call_runs_under_its_callers_trace_or_a_new_one() -> None:
    assert await trace_seen_by_the_servicer(((GRPC_METADATA_KEY, TRACE),)) == TRACE
    fresh = await trace_seen_by_the_servicer(())
    assert len(fresh) == 16 and fresh != TRACE
    # A caller cannot write a phone number into the callee's log lines through the metadata.
    forged = await trace_seen_by_the_servicer(((GRPC_METADATA_KEY, "+14155550123"),))
    assert len(forged) == 16 and "4155550123" not in forged


async def test_an_event_is_handled_under_the_trace_that_recorded_it(rig: EventRig) -> None:  # noqa: F811
    handled: dict[int, str] = {}
    headers: dict[int, str] = {}

    async def remember_trace(uow: UnitOfWork, envelope: envelope_pb2.Envelope) -> None:
        payload = wallet_events_pb2.BalanceCredited()
        envelope.payload.Unpack(payload)
        handled[payload.amount_cents] = current_trace_id()

    consumer = EventConsumer(rig.database, rig.bus, ConsumerSpec(
        durable=f"test-{uuid.uuid4().hex[:6]}", source_service="wallet", subjects=("wallet.balance.>",),
        handler=remember_trace))
    subscription = await rig.bus.jetstream.subscribe("wallet.balance.credited", ordered_consumer=True)
    await consumer.start()
    try:
        with traced(TRACE):
            await stage_credit(rig, 1, commit=True)
        await stage_credit(rig, 2, commit=False)  # outside any trace: a trace of its own at the consumer
        await stage_credit(rig, 3, commit=True)
        await wait_for(lambda: _both(handled))
        for _ in range(2):
            message = await subscription.next_msg(timeout=5)
            payload = wallet_events_pb2.BalanceCredited()
            envelope_pb2.Envelope.FromString(message.data).payload.Unpack(payload)
            headers[payload.amount_cents] = (message.headers or {}).get(NATS_HEADER, "")
    finally:
        await subscription.unsubscribe()
        await consumer.stop()
    assert handled[1] == TRACE and headers[1] == TRACE
    assert headers[3] == "" and len(handled[3]) == 16 and handled[3] != TRACE


async def _both(handled: dict[int, str]) -> bool:
    return {1, 3} <= set(handled)


def test_a_uuid_field_is_logged_whole_and_a_number_field_redacted() -> None:
    record = logging.LogRecord("services.test", logging.INFO, __file__, 1, "call placed", (), None)
    record.fields = {"call_id": "12345678-1234-4321-8765-123456789012", "to": "+14155550123"}
    line = json.loads(JsonFormatter("calls").format(record))
    assert line["call_id"] == "12345678-1234-4321-8765-123456789012"
    assert line["to"] == "…23"


async def test_a_refused_callers_line_names_its_trace() -> None:
    interceptor = ServiceInterceptor(callers={"bot": token_digest("bot-secret")}, access=[WALLET_ACCESS],
                                     error_domain="speechcue.wallet")

    async def continuation(details: Any) -> grpc.RpcMethodHandler:
        return grpc.unary_unary_rpc_method_handler(lambda request, context: None)

    details = SimpleNamespace(method=f"/{WALLET_ACCESS.service}/Credit", invocation_metadata=(
        ("authorization", "Bearer bot-secret"), (GRPC_METADATA_KEY, TRACE)))

    async def in_its_own_task() -> None:
        await interceptor.intercept_service(continuation, details)  # type: ignore[arg-type]

    lines, logger = LogLines(), logging.getLogger("services.runtime.grpc_interceptor")
    logger.addHandler(lines)
    try:
        await asyncio.create_task(in_its_own_task())
    finally:
        logger.removeHandler(lines)
    [refused] = [line for line in lines.lines if line["msg"].startswith("refused")]
    assert refused["trace_id"] == TRACE


@pytest.mark.parametrize(("text", "logged"), [
    ("dialling +14155550123 now", "dialling …23 now"),
    ("to=14155550123", "to=…23"),
    ("number_+44 20 7946 0958.", "number_…58."),
    ("tel:+1-415-555-0123", "tel:…23"),
    ("(+14155550123)", "(…23)"),
    ("+14155550123", "…23"),
    ("payment dp_6c6bf6985dad41479710 settled", "payment dp_6c6bf6985dad41479710 settled"),
    ("call_a41479710b2c and 0x41479710ff", "call_a41479710b2c and 0x41479710ff"),
    ("dp_41479710", "dp_…10"),
    ("seven digits 5550123 stay", "seven digits 5550123 stay"),
])
def test_a_number_on_its_own_is_redacted_and_digits_inside_an_id_are_not(text: str, logged: str) -> None:
    record = logging.LogRecord("services.test", logging.INFO, __file__, 1, "%s", (text,), None)
    assert json.loads(JsonFormatter("calls").format(record))["msg"] == logged
