"""The three webhook endpoints under fuzz, with bodies properly signed so the fuzz reaches past the
signature check: Schemathesis generates bodies from each route's OpenAPI request schema (valid and
invalid ones), Hypothesis mutates the real payloads (huge strings, wrong types, unicode, deep
nesting, numbers at limits) and sends bytes that are not JSON at all.

Every answer is one the route documents — never a 5xx — the service stays healthy, and a refused
body changes nothing: the database digest and the event stream are as they were.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import httpx
import schemathesis

# Imported here, in the main thread: schemathesis loads this module lazily, from the worker thread
# the fuzz runs in, and pytest's assertion rewriting then parses it with ast.parse off the main
# thread, which CPython 3.11 (before 3.11.8) can fail with "AST constructor recursion depth
# mismatch" when another thread parses at the same time (it did once, in a CI rehearsal).
import schemathesis.specs.openapi.schemas
from hypothesis import given
from hypothesis import strategies as st

from services.payments.dynopay_signature import sign as dynopay_sign
from speechcue.calls.v1 import calls_pb2
from tests.bot.conftest import TELEGRAM_SECRET, BotHarness, bot, telegram_server  # noqa: F401
from tests.calls.conftest import RETELL_KEY, CallsHarness, calls, sandbox_server  # noqa: F401
from tests.payments.conftest import SECRET as DYNOPAY_SECRET
from tests.payments.conftest import PaymentsHarness, payments  # noqa: F401
from tests.reliability.fuzz_budget import fuzz_settings, in_worker_thread
from tests.reliability.hostile_json import bodies_around, encoded
from tests.reliability.service_state import RejectionWatch, ServiceState
from tests.wallet.conftest import wallet  # noqa: F401

Sign = Callable[[bytes], dict[str, str]]
REFUSALS = {"telegram": {400, 403, 413}, "retell": {400, 401, 413}, "dynopay": {400, 401, 413}}
JSON = {"Content-Type": "application/json"}


def retell_headers(raw: bytes) -> dict[str, str]:
    # Over the raw bytes, not a str as the simulator signs: the fuzz sends bytes that are not UTF-8.
    stamp = str(int(time.time() * 1000))
    digest = hmac.new(RETELL_KEY.encode(), raw + stamp.encode(), hashlib.sha256).hexdigest()
    return {**JSON, "X-Retell-Signature": f"v={stamp},d={digest}"}


def dynopay_headers(raw: bytes) -> dict[str, str]:
    return {**JSON, "X-Dynopay-Signature-V2": dynopay_sign(raw, DYNOPAY_SECRET, int(time.time()))}


def telegram_headers(raw: bytes) -> dict[str, str]:
    return {**JSON, "X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}


def keys_of(*payloads: Any) -> st.SearchStrategy[str]:
    """Every object key of the real payloads, so hostile values land under names the handler reads."""
    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            found.update(value)
            for child in value.values():
                walk(child)
        elif isinstance(value, list):
            for child in value:
                walk(child)

    for payload in payloads:
        walk(payload)
    return st.sampled_from(sorted(found))


class Endpoint:
    """One webhook route, its signer, the service state a refusal must not change."""

    def __init__(self, name: str, http_port: int, path: str, sign: Sign, state: ServiceState) -> None:
        self.name = name
        self.base_url = f"http://127.0.0.1:{http_port}"
        self.path = path
        self.sign = sign
        self.watch = RejectionWatch(state)
        self.client = httpx.Client(timeout=30.0)
        self.answers: Counter[int] = Counter()  # by status, for the figures bench/fuzz.py prints

    def post(self, raw: bytes) -> int:
        """Sends one signed body; returns the status, after checking it and what a refusal left."""
        answer = self.watch.send(lambda: self.client.post(self.base_url + self.path, content=raw,
                                                          headers=self.sign(raw)),
                                 accepted=lambda response: response.status_code == 200)
        self.answers[answer.status_code] += 1
        assert answer.status_code == 200 or answer.status_code in REFUSALS[self.name], (
            f"{answer.status_code} {answer.text[:300]} for {raw[:300]!r}")
        return answer.status_code

    def fuzz_from_openapi(self, examples: int) -> None:
        """Schemathesis: bodies from the route's own request schema, conforming and not."""
        schema = schemathesis.openapi.from_url(f"{self.base_url}/openapi.json")
        operation = schema[self.path]["POST"]
        strategy = st.one_of(operation.as_strategy(schemathesis.GenerationMode.POSITIVE),
                             operation.as_strategy(schemathesis.GenerationMode.NEGATIVE))

        @fuzz_settings(examples)
        @given(case=strategy)
        def fuzz(case: schemathesis.Case) -> None:
            self.post(encoded(case.body) if not isinstance(case.body, bytes) else case.body)

        fuzz()

    def fuzz_around(self, bodies: st.SearchStrategy[bytes], examples: int) -> None:
        @fuzz_settings(examples)
        @given(raw=bodies)
        def fuzz(raw: bytes) -> None:
            self.post(raw)

        fuzz()

    def still_healthy(self) -> bool:
        ready = self.client.get(f"{self.base_url}/readyz").status_code == 200
        print(f"fuzz figures: {self.name} answered {sum(self.answers.values())} bodies: {dict(self.answers)}")
        return ready


async def service_state(database_url: str, nats_url: str, stream: str, **options: Any) -> ServiceState:
    return ServiceState(database_url, nats_url, stream, asyncio.get_running_loop(), **options)


async def test_retell_webhook_answers_hostile_signed_bodies_without_5xx_or_change(calls: CallsHarness) -> None:  # noqa: F811
    customer = await calls.customer_with_money(100_000)
    flow = await calls.flow(customer)
    placed = []
    for number in ("+14155550161", "+14155550162", "+14155550163"):
        await calls.script_callee(number, manual=True)  # rings until told otherwise: no webhooks of its own
        placed.append(await calls.call(customer, flow.id, number))
    real_events = [{"event": kind, "call": {
        "call_id": call.retell_call_id, "call_type": "phone_call", "call_status": "ended", "direction": "outbound",
        "metadata": {"call": call.id}, "start_timestamp": 1_790_000_000_000, "end_timestamp": 1_790_000_061_000,
        "duration_ms": 61_000, "disconnection_reason": "user_hangup", "recording_url": "https://example.invalid/r.wav",
        "transcript_with_tool_calls": [{"role": "agent", "content": "Hello."}, {"role": "dtmf", "digit": "1"},
                                       {"role": "node_transition", "former_node_id": "a", "new_node_id": "b"}],
        "call_analysis": {"call_summary": "Fine.", "user_sentiment": "Neutral", "call_successful": True}}}
        for call in placed for kind in ("call_started", "call_ended", "call_analyzed")]
    state = await service_state(calls.database_url, calls.running.context.settings.speechcue_nats_url, "CALLS")
    endpoint = Endpoint("retell", calls.settings.speechcue_http_port, "/webhooks/retell", retell_headers, state)
    bodies = st.sampled_from(real_events).flatmap(lambda real: bodies_around(real, keys_of(*real_events)))

    await in_worker_thread(lambda: endpoint.fuzz_from_openapi(examples=60))
    await in_worker_thread(lambda: endpoint.fuzz_around(bodies, examples=120))

    assert await asyncio.to_thread(endpoint.still_healthy)
    # Still in business: a plain read answers.
    assert (await calls.stub.GetCall(calls_pb2.GetCallRequest(customer_id=customer, call_id=placed[0].id))).id


# Bodies about a real call (CALL_ID is replaced by its Retell id), so that they reach the storage;
# each once answered 500 (found by this fuzz).
RETELL_BODIES_JSONB_CANNOT_HOLD = {
    "NUL in a key": b'{"event": "call_ended", "call": {"call_id": "CALL_ID", "\\u0000": 1}}',
    "lone surrogate": b'{"event": "call_ended", "call": {"call_id": "CALL_ID", "agent_id": "\\ud800"}}',
    "NaN": b'{"event": "call_ended", "call": {"call_id": "CALL_ID", "duration_ms": NaN}}',
    "1e400": b'{"event": "call_ended", "call": {"call_id": "CALL_ID", "duration_ms": 1e400}}',
    "deep nesting": b'{"event": "call_ended", "call": {"call_id": "CALL_ID", "x": ' + b"[" * 50_000 + b"]" * 50_000
                    + b"}}",
    "end in the year 10000": b'{"event": "call_ended", "call": {"call_id": "CALL_ID", "call_status": "ended", '
                             b'"duration_ms": 1000, "end_timestamp": 253402300800000}}',
}


async def test_retell_webhook_answers_bodies_it_cannot_keep_without_5xx(calls: CallsHarness) -> None:  # noqa: F811
    customer = await calls.customer_with_money(100_000)
    flow = await calls.flow(customer)
    url = f"http://127.0.0.1:{calls.settings.speechcue_http_port}/webhooks/retell"
    answers = {}
    async with httpx.AsyncClient() as client:
        for index, (name, template) in enumerate(RETELL_BODIES_JSONB_CANNOT_HOLD.items()):
            number = f"+1415555017{index}"
            await calls.script_callee(number, manual=True)
            call = await calls.call(customer, flow.id, number)
            raw = template.replace(b"CALL_ID", call.retell_call_id.encode())
            answers[name] = (await client.post(url, content=raw, headers=retell_headers(raw))).status_code
    assert all(status < 500 for status in answers.values()), str(answers)


async def test_dynopay_webhook_answers_hostile_signed_bodies_without_5xx_or_change(
        payments: PaymentsHarness) -> None:  # noqa: F811
    customer = await payments.wallet.open()
    invoice = await payments.top_up(customer, 2500)
    payment_id = await payments.payment_id(invoice.id)
    real = {"event": "payment.confirmed", "payment_id": payment_id, "status": "confirmed", "currency": "BTC",
            "amount": "0.00040000", "base_amount": "25.00", "received_base_amount": "25.00",
            "address": "bc1qexampleaddress", "expires_at": "2026-11-24T13:00:00+00:00",
            "meta_data": {"invoice": invoice.id}}
    state = await service_state(payments.database_url, payments.settings.speechcue_nats_url, "PAYMENTS")
    endpoint = Endpoint("dynopay", payments.settings.speechcue_http_port, "/webhooks/dynopay", dynopay_headers, state)

    await in_worker_thread(lambda: endpoint.fuzz_from_openapi(examples=60))
    await in_worker_thread(lambda: endpoint.fuzz_around(bodies_around(real, keys_of(real)), examples=120))

    assert await asyncio.to_thread(endpoint.still_healthy)
    balance = await payments.wallet.balance(customer)
    assert balance.available_cents == 0, "only DynoPay's API moves money, and nothing was paid"


_update_ids = itertools.count(500_000_001)


def with_fresh_update_id(raw: bytes, real_id: int) -> bytes:
    """A mutation that kept the real update_id gets a new one, so it is handled, not a duplicate."""
    return raw.replace(f'"update_id": {real_id}'.encode(), f'"update_id": {next(_update_ids)}'.encode(), 1)


async def test_telegram_webhook_answers_hostile_bodies_without_5xx_or_change(bot: BotHarness) -> None:  # noqa: F811
    person = await bot.onboarded()
    person_json = {"id": person.user_id, "is_bot": False, "first_name": "Ada", "language_code": "en"}
    chat = {"id": person.user_id, "type": "private", "first_name": "Ada"}
    real_id = 499_999_999
    real_updates = [
        {"update_id": real_id, "message": {"message_id": 10, "date": 1_790_000_000, "chat": chat, "from": person_json,
                                           "text": "/start"}},
        {"update_id": real_id, "message": {"message_id": 11, "date": 1_790_000_000, "chat": chat, "from": person_json,
                                           "text": "hello"}},
        {"update_id": real_id, "callback_query": {"id": "cq-1", "chat_instance": "1", "data": "home",
                                                  "from": person_json, "message": {"message_id": 10,
                                                                                   "date": 1_790_000_000,
                                                                                   "chat": chat, "text": "Menu"}}},
        {"update_id": real_id, "message": {"message_id": 12, "date": 1_790_000_000, "chat": chat, "from": person_json,
                                           "document": {"file_id": "f-1", "file_unique_id": "u-1",
                                                        "file_name": "list.csv", "mime_type": "text/csv",
                                                        "file_size": 120}}},
    ]
    state = await service_state(bot.database_url, bot.settings.speechcue_nats_url, "BOT")
    endpoint = Endpoint("telegram", bot.settings.speechcue_http_port, "/telegram/webhook", telegram_headers, state)
    bodies = st.sampled_from(real_updates).flatmap(
        lambda real: bodies_around(real, keys_of(*real_updates))).map(lambda raw: with_fresh_update_id(raw, real_id))

    await in_worker_thread(lambda: endpoint.fuzz_from_openapi(examples=60))
    await in_worker_thread(lambda: endpoint.fuzz_around(bodies, examples=120))

    assert await asyncio.to_thread(endpoint.still_healthy)
    await person.say("/start")
    await person.wait_for_text("Main menu")
