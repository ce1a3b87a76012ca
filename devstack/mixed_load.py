"""Mixed load on a running `LocalPlatform`, through its outside doors only, and the check that
nothing was lost or doubled under it.

Three streams of work run at stated rates: calls placed over gRPC whose callees the Retell simulator
plays (webhooks and all), top-ups invoiced over gRPC and paid at the DynoPay simulator, and bot
updates typed into the Telegram simulator. A client retries what the platform could not take (a
service down, a dependency gone) with the same idempotency key, as the bot and the CronJobs do.
Every operation is timed. `settle()` lets the platform finish its work (running the ticks that
recover what a fault lost), and `verify()` checks the ledger, money per customer, every event
delivered exactly once, every update handled once and no callee dialled twice.

The fault injectors are in `devstack.faults`; the tests in tests/reliability and bench/faults.py and
bench/soak.py drive both.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, TypeVar

import asyncpg
import grpc
import httpx
import nats
from google.protobuf.timestamp_pb2 import Timestamp

from devstack.demo import demo_flow
from devstack.local_platform import LocalPlatform
from devstack.platform import LOCAL_HARNESS_TOKEN, sandbox_url
from devstack.stream_reader import read_stream_events
from services.calls.calling_window import inside_window
from services.calls.phone_numbers import InvalidPhoneNumber, normalise, timezones_of
from services.runtime.grpc_client import internal_channel, refusal_reason
from speechcue.calls.v1 import calls_pb2, calls_pb2_grpc
from speechcue.common.v1 import common_pb2
from speechcue.events.v1 import calls_events_pb2, envelope_pb2, payments_events_pb2, wallet_events_pb2
from speechcue.payments.v1 import payments_pb2, payments_pb2_grpc
from speechcue.wallet.v1 import wallet_pb2, wallet_pb2_grpc

T = TypeVar("T")

# Codes a client meets while a service or its dependency is down; anything else is an answer.
RETRIED_CODES = {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.UNKNOWN,
                 grpc.StatusCode.INTERNAL, grpc.StatusCode.ABORTED, grpc.StatusCode.ALREADY_EXISTS}
# Refused because every Retell line is in use ("try again in a minute"): nothing was dialled, so a
# client asks again later with a new request, as a person pressing Call again does.
BUSY_REASON = "RETELL_CONCURRENCY_FULL"
BUSY_RETRY_SECONDS = (5.0, 15.0)
ADMIN_TELEGRAM_ID = 1
PROMOTION_CENTS = 1_000_000
TOPUP_CENTS = 1_000
STREAMS = ("CALLS", "PAYMENTS", "WALLET")
# The start of the main menu's text, which /menu sends as a new message (and onboarding ends with).
MAIN_MENU_TITLE = "Main menu —"
SOMETHING_WENT_WRONG = "Something went wrong on our side"

# Numbers of places far apart and of a wide range each, so a run finds a place inside the calling
# window (08:00-21:00 for the callee) and never runs out of callees it has not dialled yet.
CALLEE_PLACES = (
    ("+9198765{:05d}", 100_000), ("+81901{:07d}", 10_000_000), ("+33612{:06d}", 1_000_000),
    ("+1212555{:04d}", 10_000), ("+1415555{:04d}", 10_000), ("+614123{:05d}", 100_000),
)


def callee_numbers(now: datetime, *, for_how_long: timedelta) -> Iterator[str]:
    """Endless distinct numbers whose callees may be called from now for `for_how_long`."""
    for pattern, size in CALLEE_PLACES:
        zones = timezones_of(normalise(pattern.format(0)))
        if all(inside_window(now + timedelta(minutes=m), zones)
               for m in range(0, int(for_how_long.total_seconds() // 60) + 2, 5)):
            return _numbers_of(pattern, size)
    raise RuntimeError(f"no place of {CALLEE_PLACES} stays inside its calling window for {for_how_long}")


def _numbers_of(pattern: str, size: int) -> Iterator[str]:
    for index in random.Random(1).sample(range(size), k=min(size, 200_000)):
        try:
            yield normalise(pattern.format(index))
        except InvalidPhoneNumber:
            continue


@dataclass(frozen=True)
class LoadRates:
    """Operations per second, each stream paced on its own."""

    calls: float = 2.0
    topups: float = 0.5
    bot_updates: float = 2.0

    def describe(self) -> str:
        return f"{self.calls:g} calls/s, {self.topups:g} top-ups/s, {self.bot_updates:g} bot updates/s"


@dataclass
class Operation:
    kind: str  # call, topup, bot_update
    started: float  # monotonic
    seconds: float = 0.0
    attempts: int = 0
    busy_refusals: int = 0
    error: str = ""
    # What each failed attempt met (a gRPC status, a webhook's HTTP status), each followed by a retry.
    failures: list[str] = field(default_factory=list)


@dataclass
class Customer:
    telegram_user_id: int
    customer_id: str
    flow_id: str = ""


@dataclass
class PlacedCall:
    call_id: str
    customer_id: str
    to_number: str


@dataclass
class PaidTopUp:
    invoice_id: str
    customer_id: str
    usd_cents: int


@dataclass
class Verdict:
    """What `verify()` found: problems (empty when nothing was lost or doubled) and figures."""

    problems: list[str] = field(default_factory=list)
    figures: dict[str, int] = field(default_factory=dict)

    def __str__(self) -> str:
        figures = ", ".join(f"{name} {value}" for name, value in self.figures.items())
        return f"{figures}; problems: {self.problems or 'none'}"


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


class MixedLoad:
    def __init__(self, platform: LocalPlatform, *, rates: LoadRates = LoadRates(), customers: int = 4,
                 first_telegram_user: int = 7_100_001, give_up_seconds: float = 180.0,
                 lasting: timedelta = timedelta(minutes=30)) -> None:
        self.platform = platform
        self.rates = rates
        self.customer_count = customers
        self.first_telegram_user = first_telegram_user
        self.give_up_seconds = give_up_seconds
        self.lasting = lasting
        self.run = uuid.uuid4().hex[:8]
        self.customers: list[Customer] = []
        self.operations: list[Operation] = []
        self.calls: list[PlacedCall] = []
        self.topups: list[PaidTopUp] = []
        self.menus_sent: Counter[int] = Counter()
        # While set, callees' webhooks come duplicated, reordered or an hour late, in turn.
        self.webhook_chaos = False
        self.coin = ""
        self._serial = itertools.count(1)
        self._numbers: Iterator[str] = iter(())
        self._pacers: list[asyncio.Task[None]] = []
        self._in_flight: set[asyncio.Task[None]] = set()
        self._sandbox = httpx.AsyncClient(base_url=sandbox_url(platform.ports), timeout=120.0)
        addresses = {s.name: s.grpc_address for s in platform.services if s.grpc_port is not None}
        self._channels = [internal_channel(addresses[name], LOCAL_HARNESS_TOKEN)
                          for name in ("wallet", "calls", "payments")]
        self.wallet = wallet_pb2_grpc.WalletServiceStub(self._channels[0])
        self.calls_api = calls_pb2_grpc.CallsServiceStub(self._channels[1])
        self.payments = payments_pb2_grpc.PaymentsServiceStub(self._channels[2])

    async def close(self) -> None:
        await self.stop()
        await self._sandbox.aclose()
        for channel in self._channels:
            await channel.close()

    # ---- preparing ---------------------------------------------------------------------------

    async def prepare(self) -> None:
        """Customers onboarded in the bot, each with money, raised call caps and an approved flow."""
        self._numbers = callee_numbers(datetime.now(UTC), for_how_long=self.lasting + timedelta(minutes=10))
        self.customers = list(await asyncio.gather(*(self._new_customer(self.first_telegram_user + index)
                                                      for index in range(self.customer_count))))
        coins = await self.payments.ListCoins(payments_pb2.ListCoinsRequest(), timeout=10)
        self.coin = coins.coins[0].code

    async def _new_customer(self, user: int) -> Customer:
        await self._onboard(user)
        customer = Customer(user, await self._customer_of(user))
        await self.wallet.Credit(wallet_pb2.CreditRequest(
            idempotency_key=f"load:{self.run}:promotion:{user}", customer_id=customer.customer_id,
            amount_cents=PROMOTION_CENTS,
            cause=common_pb2.Cause(type=common_pb2.CAUSE_TYPE_PROMOTION, id=f"load-{self.run}-{user}")),
            timeout=10)
        await self.calls_api.SetCustomerLimits(calls_pb2.SetCustomerLimitsRequest(
            idempotency_key=f"load:{self.run}:limits:{user}", admin_telegram_id=ADMIN_TELEGRAM_ID,
            limits=calls_pb2.CustomerLimits(customer_id=customer.customer_id, max_concurrent_calls=500,
                                            calls_per_hour=100_000, calls_per_day=100_000)), timeout=10)
        flow = await self.calls_api.CreateFlow(calls_pb2.CreateFlowRequest(
            idempotency_key=f"load:{self.run}:flow:{user}", customer_id=customer.customer_id,
            spec=demo_flow()), timeout=30)
        customer.flow_id = flow.id
        return customer

    async def _onboard(self, user: int) -> None:
        await self._say(user, "/start")
        await self._press(user, "English")
        await self._wait_for(user, "What is your name")
        await self._say(user, f"Load {user}")
        await self._press(user, "I accept")
        await self._press(user, "No, thanks")
        await self._wait_for(user, "Main menu")

    async def _say(self, user: int, text: str, *, wait: bool = True) -> dict[str, Any]:
        answer = await self._sandbox.post(f"/sandbox/telegram/users/{user}/messages",
                                          json={"text": text, "first_name": "Load", "wait": wait})
        answer.raise_for_status()
        return dict(answer.json())

    async def chat(self, user: int) -> list[dict[str, Any]]:
        return list((await self._sandbox.get(f"/sandbox/telegram/chats/{user}")).json().get("messages", []))

    async def _press(self, user: int, label: str, within: float = 30.0) -> None:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            for message in reversed(await self.chat(user)):
                for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
                    for button in row:
                        if label in button.get("text", "") and "callback_data" in button:
                            (await self._sandbox.post(f"/sandbox/telegram/users/{user}/press", json={
                                "message_id": message["message_id"], "callback_data": button["callback_data"]},
                            )).raise_for_status()
                            return
            await asyncio.sleep(0.1)
        raise RuntimeError(f"the bot never offered user {user} a button {label!r}")

    async def _wait_for(self, user: int, fragment: str, within: float = 30.0) -> None:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if any(fragment in (message.get("text") or "") for message in await self.chat(user)):
                return
            await asyncio.sleep(0.1)
        raise RuntimeError(f"the bot never told user {user} {fragment!r}")

    async def _customer_of(self, user: int) -> str:
        connection = await asyncpg.connect(self.platform.database_urls["bot"])
        try:
            found = await connection.fetchval(
                "SELECT customer_id FROM telegram_users WHERE telegram_user_id = $1", user)
        finally:
            await connection.close()
        if found is None:
            raise RuntimeError(f"user {user} went through onboarding but has no customer")
        return str(found)

    # ---- running -----------------------------------------------------------------------------

    def start(self) -> None:
        for rate, operation in ((self.rates.calls, self._place_call), (self.rates.topups, self._top_up),
                                (self.rates.bot_updates, self._bot_update)):
            if rate > 0:
                self._pacers.append(asyncio.create_task(self._pace(rate, operation)))

    async def stop(self) -> None:
        """Stops starting work and waits for what was started (each retries until it gives up)."""
        for pacer in self._pacers:
            pacer.cancel()
        await asyncio.gather(*self._pacers, return_exceptions=True)
        self._pacers.clear()
        if self._in_flight:
            await asyncio.gather(*self._in_flight, return_exceptions=True)

    async def run_for(self, seconds: float) -> None:
        self.start()
        await asyncio.sleep(seconds)
        await self.stop()

    async def _pace(self, rate: float, operation: Callable[[Operation], Awaitable[None]]) -> None:
        interval = 1.0 / rate
        next_at = time.monotonic()
        kind = operation.__name__.strip("_").replace("place_", "").replace("top_up", "topup")
        while True:
            record = Operation(kind, time.monotonic())
            self.operations.append(record)
            task = asyncio.create_task(self._timed(operation, record))
            self._in_flight.add(task)
            task.add_done_callback(self._in_flight.discard)
            next_at += interval
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))

    async def _timed(self, operation: Callable[[Operation], Awaitable[None]], record: Operation) -> None:
        try:
            await operation(record)
        except grpc.aio.AioRpcError as error:
            record.error = f"{error.code().name}: {error.details()}"
        except Exception as error:
            record.error = f"{type(error).__name__}: {error}"
        record.seconds = time.monotonic() - record.started

    async def _retrying(self, record: Operation, attempt: Callable[[], Awaitable[T]]) -> T:
        """Tries again, as a client with an idempotency key does, while the platform cannot answer."""
        while True:
            record.attempts += 1
            try:
                return await attempt()
            except grpc.aio.AioRpcError as error:
                if error.code() not in RETRIED_CODES or time.monotonic() - record.started > self.give_up_seconds:
                    raise
                record.failures.append(error.code().name)
            await asyncio.sleep(0.5)

    def _callee_scenario(self, serial: int) -> dict[str, Any]:
        scenario: dict[str, Any] = {"ring_ms": 2000, "duration_ms": 20_000 + 1000 * (serial % 40),
                                    "keys": [{"digit": "1", "at_ms": 3000}]}
        if self.webhook_chaos:
            scenario["delivery"] = ({"duplicates": 2}, {"reorder": True, "duplicates": 1},
                                    {"delay_ms": 3_600_000})[serial % 3]
        return scenario

    async def _place_call(self, record: Operation) -> None:
        serial = next(self._serial)
        customer = self.customers[serial % len(self.customers)]
        number = next(self._numbers)
        (await self._sandbox.put(f"/sandbox/retell/scenarios/{number}",
                                 json=self._callee_scenario(serial))).raise_for_status()
        for asked in itertools.count():
            request = calls_pb2.StartCallRequest(
                idempotency_key=f"load:{self.run}:call:{serial}" + (f":again:{asked}" if asked else ""),
                customer_id=customer.customer_id, flow_id=customer.flow_id, to_number=number, max_minutes=1)
            try:
                call = await self._retrying(record, partial(self.calls_api.StartCall, request, timeout=20))
                break
            except grpc.aio.AioRpcError as error:
                busy = error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED and refusal_reason(error) == BUSY_REASON
                if not busy or time.monotonic() - record.started > self.give_up_seconds:
                    raise
                record.busy_refusals += 1
                await asyncio.sleep(random.uniform(*BUSY_RETRY_SECONDS))
        self.calls.append(PlacedCall(call.id, customer.customer_id, number))

    async def _top_up(self, record: Operation) -> None:
        serial = next(self._serial)
        customer = self.customers[serial % len(self.customers)]
        request = payments_pb2.CreateTopUpRequest(
            idempotency_key=f"load:{self.run}:topup:{serial}", customer_id=customer.customer_id, coin=self.coin,
            usd_cents=TOPUP_CENTS)
        invoice = await self._retrying(record, lambda: self.payments.CreateTopUp(request, timeout=20))
        payment_id = invoice.payment_url.rstrip("/").rsplit("/", 1)[-1]
        (await self._sandbox.post(f"/sandbox/dynopay/payments/{payment_id}/pay")).raise_for_status()
        self.topups.append(PaidTopUp(invoice.id, customer.customer_id, invoice.usd_cents))

    async def _bot_update(self, record: Operation) -> None:
        serial = next(self._serial)
        user = self.customers[serial % len(self.customers)].telegram_user_id
        self.menus_sent[user] += 1
        record.attempts = 1
        delivery = await self._say(user, "/menu")
        record.attempts = int(delivery.get("attempts") or 1)
        record.failures += [f"webhook HTTP {status or 'no answer'}" for status in delivery.get("statuses") or []
                            if not 200 <= status < 300]
        if not delivery.get("delivered"):
            record.error = f"update not taken: {delivery.get('error') or delivery.get('statuses')}"

    # ---- figures -----------------------------------------------------------------------------

    def latencies(self, kind: str, *, since: float = 0.0, until: float = float("inf")) -> list[float]:
        return [o.seconds for o in self.operations
                if o.kind == kind and since <= o.started < until and o.seconds and not o.error]

    def errors(self) -> list[Operation]:
        return [o for o in self.operations if o.error]

    def summary(self, *, since: float = 0.0, until: float = float("inf")) -> str:
        parts = []
        for kind in ("call", "topup", "bot_update"):
            values = self.latencies(kind, since=since, until=until)
            if values:
                parts.append(f"{kind} n={len(values)} p50={percentile(values, 0.5) * 1000:.0f}ms "
                             f"p99={percentile(values, 0.99) * 1000:.0f}ms")
        return "; ".join(parts)

    # ---- settling and checking ---------------------------------------------------------------

    async def run_ticks(self) -> None:
        """The recovery ticks a CronJob would run over the next hour: payments (asks DynoPay about open
        invoices) and calls' recovery as if an hour had passed (asks Retell about calls whose webhooks
        never came), as an operator's platform would have done long before anyone looked."""
        serial = next(self._serial)
        later = Timestamp()
        later.FromDatetime(datetime.now(UTC) + timedelta(hours=1))
        await self.payments.RunPaymentsTick(common_pb2.RunTickRequest(
            idempotency_key=f"load:{self.run}:payments-tick:{serial}"), timeout=60)
        await self.calls_api.RunRecoveryTick(common_pb2.RunTickRequest(
            idempotency_key=f"load:{self.run}:recovery-tick:{serial}", scheduled_at=later), timeout=60)

    async def settle(self, *, within: float = 120.0,
                     progress: Callable[[str], None] = lambda message: None) -> list[str]:
        """Lets the platform finish what it took on; returns what is still unfinished (empty: all)."""
        await self.stop()
        deadline = time.monotonic() + within
        unfinished: list[str] = []
        while time.monotonic() < deadline:
            try:
                await self.run_ticks()
            except grpc.aio.AioRpcError:
                await asyncio.sleep(1.0)
                continue
            unfinished = await self.unfinished()
            if not unfinished:
                return []
            progress("waiting: " + "; ".join(unfinished))
            await asyncio.sleep(1.0)
        return unfinished

    async def unfinished(self) -> list[str]:
        left = []
        call_ids = [call.call_id for call in self.calls]
        open_calls = await self._fetchval("calls", "SELECT count(*) FROM calls WHERE id = ANY($1::text[]) AND "
                                          "(status NOT IN ('ended', 'failed') OR settlement = 'pending')", call_ids)
        if open_calls:
            left.append(f"{open_calls} calls not finished and settled")
        invoices = [topup.invoice_id for topup in self.topups]
        open_invoices = await self._fetchval("payments", "SELECT count(*) FROM invoices WHERE id = ANY($1::text[]) "
                                             "AND status <> 'confirmed'", invoices)
        if open_invoices:
            left.append(f"{open_invoices} paid invoices not confirmed")
        for name in ("wallet", "calls", "payments", "bot"):
            waiting = await self._fetchval(name, "SELECT count(*) FROM outbox")
            if waiting:
                left.append(f"{waiting} events in {name}'s outbox")
        unsent = await self._fetchval("bot", "SELECT count(*) FROM outgoing_messages WHERE status = 'pending'")
        if unsent:
            left.append(f"{unsent} bot messages not sent")
        late = await self._webhooks_to_come()
        if late:
            left.append(f"{late} Retell webhooks still to come (late or retried)")
        counters = (await self._sandbox.get("/sandbox/telegram/counters")).json()
        if counters["updates_pending"]:
            left.append(f"{counters['updates_pending']} Telegram updates on their way")
        for stream, consumer, pending in await self._consumer_backlogs():
            if pending:
                left.append(f"{pending} events not yet acknowledged by {consumer} on {stream}")
        return left

    async def _webhooks_to_come(self) -> int:
        """Calls over at Retell whose last webhook (call_analyzed, or call_ended when nobody answered)
        was not sent yet: late ones are still on their way."""
        retell = (await self._sandbox.get("/sandbox/retell/calls")).json()
        sent = {(delivery["call_id"], delivery["event"]) for delivery in retell["deliveries"]}
        return sum(1 for call in retell["calls"] if call["call_status"] in ("ended", "not_connected")
                   and (call["call_id"], "call_analyzed" if call["call_status"] == "ended" else "call_ended")
                   not in sent)

    async def _fetchval(self, service: str, query: str, *args: Any) -> Any:
        connection = await asyncpg.connect(self.platform.database_urls[service])
        try:
            return await connection.fetchval(query, *args)
        finally:
            await connection.close()

    async def _fetch(self, service: str, query: str, *args: Any) -> list[asyncpg.Record]:
        connection = await asyncpg.connect(self.platform.database_urls[service])
        try:
            return list(await connection.fetch(query, *args))
        finally:
            await connection.close()

    async def _consumer_backlogs(self) -> list[tuple[str, str, int]]:
        client = await nats.connect(self.platform.nats.url)
        try:
            backlogs = []
            for stream in STREAMS:
                for info in await client.jetstream().consumers_info(stream):
                    if info.config.durable_name:
                        backlogs.append((stream, info.config.durable_name,
                                         (info.num_pending or 0) + (info.num_ack_pending or 0)))
            return backlogs
        finally:
            await client.close()

    async def verify(self) -> Verdict:
        verdict = Verdict()
        await self._verify_ledger(verdict)
        await self._verify_money(verdict)
        await self._verify_dials(verdict)
        await self._verify_events(verdict)
        await self._verify_bot(verdict)
        verdict.figures["operation errors"] = len(self.errors())
        verdict.figures["calls refused as busy, asked again"] = sum(o.busy_refusals for o in self.operations)
        return verdict

    async def _verify_ledger(self, verdict: Verdict) -> None:
        report = await self.wallet.CheckLedger(wallet_pb2.CheckLedgerRequest(), timeout=60)
        verdict.figures["ledger transfers"] = report.transfers
        if not report.ok:
            verdict.problems.append(f"ledger invariants broken: {report}".replace("\n", " "))

    async def _verify_money(self, verdict: Verdict) -> None:
        """Each customer's balance is what came in minus what its calls cost: a call billed twice, or a
        top-up credited twice, shows here."""
        costs = {row["customer_id"]: row["cost"] for row in await self._fetch(
            "calls", "SELECT customer_id, coalesce(sum(cost_cents), 0) AS cost FROM calls GROUP BY customer_id")}
        paid: Counter[str] = Counter()
        for topup in self.topups:
            paid[topup.customer_id] += topup.usd_cents
        for customer in self.customers:
            balance = await self.wallet.GetBalance(wallet_pb2.GetBalanceRequest(customer_id=customer.customer_id),
                                                   timeout=10)
            cost = costs.get(customer.customer_id, 0)
            expected = PROMOTION_CENTS + paid[customer.customer_id] - cost
            if balance.available_cents != expected or balance.held_cents:
                verdict.problems.append(
                    f"customer {customer.customer_id}: balance {balance.available_cents} (held {balance.held_cents})"
                    f", expected {expected} = promotion {PROMOTION_CENTS} + top-ups paid "
                    f"{paid[customer.customer_id]} - calls {cost}")
        invoices = [topup.invoice_id for topup in self.topups]
        for invoice in await self._fetch(
                "payments", "SELECT i.id, i.status, i.usd_cents, coalesce(sum(c.amount_cents) FILTER (WHERE "
                            "c.status = 'delivered'), 0) AS delivered FROM invoices i LEFT JOIN wallet_credits c "
                            "ON c.invoice_id = i.id WHERE i.id = ANY($1::text[]) GROUP BY i.id", invoices):
            if invoice["status"] != "confirmed" or invoice["delivered"] != invoice["usd_cents"]:
                verdict.problems.append(f"invoice {invoice['id']}: {invoice['status']}, "
                                        f"{invoice['delivered']} of {invoice['usd_cents']} cents credited")
        verdict.figures["top-ups paid"] = len(self.topups)

    async def _verify_dials(self, verdict: Verdict) -> None:
        retell = (await self._sandbox.get("/sandbox/retell/calls")).json()
        dialled = Counter(call["to_number"] for call in retell["calls"])
        twice = {number: count for number, count in dialled.items() if count > 1}
        if twice:
            verdict.problems.append(f"{len(twice)} callees dialled more than once, e.g. {next(iter(twice.items()))}")
        rows = await self._fetch("calls", "SELECT id, status, retell_call_id FROM calls WHERE id = ANY($1::text[])",
                                 [call.call_id for call in self.calls])
        statuses = Counter(row["status"] for row in rows)
        ours = {call.to_number for call in self.calls}
        verdict.figures.update({"calls placed": len(self.calls), "calls ended": statuses["ended"],
                                "calls failed": statuses["failed"],
                                "callees dialled": sum(1 for n in dialled if n in ours),
                                "Retell create requests": retell["create_requests"]})
        if len(rows) != len(self.calls):
            verdict.problems.append(f"{len(self.calls) - len(rows)} accepted calls unknown to the calls service")
        at_retell = {call["call_id"]: call for call in retell["calls"]}
        for row in rows:
            remote = at_retell.get(row["retell_call_id"] or "")
            if remote is not None and remote["call_status"] == "ended" and row["status"] != "ended":
                verdict.problems.append(f"call {row['id']} ended at Retell but is {row['status']} here")

    async def _verify_events(self, verdict: Verdict) -> None:
        """Every event once in its stream, every fact once, and every event a consumer subscribes to
        handled by it exactly once (its inbox holds the ids it handled)."""
        client = await nats.connect(self.platform.nats.url)
        try:
            streams = {stream: await _read_stream(client, stream) for stream in STREAMS}
            consumers = [(stream, info.config) for stream in STREAMS
                         for info in await client.jetstream().consumers_info(stream) if info.config.durable_name]
        finally:
            await client.close()
        events = [envelope for envelopes in streams.values() for envelope in envelopes]
        verdict.figures["events"] = len(events)
        repeated = [event_id for event_id, count in Counter(e.event_id for e in events).items() if count > 1]
        if repeated:
            verdict.problems.append(f"{len(repeated)} event ids twice in a stream, e.g. {repeated[0]}")
        facts = Counter(fact for envelope in events if (fact := _fact_of(envelope)) is not None)
        doubled = [fact for fact, count in facts.items() if count > 1]
        if doubled:
            verdict.problems.append(f"{len(doubled)} facts published more than once, e.g. {doubled[0]}")
        inboxes: Counter[tuple[str, str]] = Counter()
        for service in ("wallet", "calls", "payments", "bot"):
            for row in await self._fetch(service, "SELECT consumer, event_id FROM consumer_inbox"):
                inboxes[(row["consumer"], row["event_id"])] += 1
            dead = await self._fetchval(service, "SELECT count(*) FROM dead_letters")
            if dead:
                verdict.problems.append(f"{dead} dead letters in {service}")
        delivered = 0
        for stream, config in consumers:
            subjects = set(config.filter_subjects or ([config.filter_subject] if config.filter_subject else []))
            wanted = [e.event_id for e in streams[stream] if not subjects or e.type in subjects]
            missing = [event_id for event_id in wanted if inboxes[(config.durable_name or "", event_id)] != 1]
            delivered += len(wanted) - len(missing)
            if missing:
                verdict.problems.append(f"{len(missing)} of {len(wanted)} events on {stream} not handled by "
                                        f"{config.durable_name}, e.g. {missing[0]}")
        verdict.figures["events delivered exactly once"] = delivered

    async def _verify_bot(self, verdict: Verdict) -> None:
        """Every update typed was taken once, and every /menu answered once."""
        updates = (await self._sandbox.get("/sandbox/telegram/updates")).json()["updates"]
        users = {customer.telegram_user_id for customer in self.customers}
        ours = [u for u in updates if (u["update"].get("message") or {}).get("from", {}).get("id") in users]
        not_taken = [u for u in ours if not u["delivered"]]
        if not_taken:
            verdict.problems.append(f"{len(not_taken)} Telegram updates never taken by the bot, e.g. "
                                    f"{not_taken[0]['error'] or not_taken[0]['statuses']}")
        handled = {row["update_id"] for row in await self._fetch("bot", "SELECT update_id FROM handled_updates")}
        unrecorded = [u for u in ours if u["delivered"] and u["update"]["update_id"] not in handled]
        if unrecorded:
            verdict.problems.append(f"{len(unrecorded)} updates taken but not recorded as handled")
        # The bot sends at least once: each SIGKILL (of any bot replica) may resend the one message a
        # chat had in flight.
        resends_allowed = sum(count for name, count in self.platform.kills.items() if name.split("-")[0] == "bot")
        answered = resent = 0
        for user, sent in self.menus_sent.items():
            # One menu came at the end of onboarding.
            menus = sum(1 for message in await self.chat(user) if MAIN_MENU_TITLE in (message.get("text") or "")) - 1
            answered += min(menus, sent)
            resent += max(0, menus - sent)
            if not sent <= menus <= sent + resends_allowed:
                verdict.problems.append(f"user {user} sent /menu {sent} times and got {menus} menus "
                                        f"(the bot was killed {resends_allowed} times)")
        verdict.figures["bot updates answered"] = answered
        told_failed = 0
        for customer in self.customers:
            told_failed += sum(1 for message in await self.chat(customer.telegram_user_id)
                               if SOMETHING_WENT_WRONG in (message.get("text") or ""))
        if told_failed:
            verdict.problems.append(f"{told_failed} times a person was told something went wrong")
        verdict.figures["menus resent after a bot crash"] = resent


async def _read_stream(client: Any, stream: str) -> list[envelope_pb2.Envelope]:
    return await read_stream_events(client, stream, f"{stream.lower()}.>")


def _fact_of(envelope: envelope_pb2.Envelope) -> tuple[str, str] | None:
    """What an event says happened, for the events that may happen once only."""
    kind = envelope.type
    if kind in ("calls.call.started", "calls.call.ended", "calls.call.analyzed"):
        payload = {"calls.call.started": calls_events_pb2.CallStarted, "calls.call.ended": calls_events_pb2.CallEnded,
                   "calls.call.analyzed": calls_events_pb2.CallAnalyzed}[kind]()
        envelope.payload.Unpack(payload)
        return kind, payload.call_id
    if kind == "payments.topup.confirmed":
        topup = payments_events_pb2.TopUpChanged()
        envelope.payload.Unpack(topup)
        return kind, topup.invoice_id
    if kind == "wallet.balance.credited":
        credit = wallet_events_pb2.BalanceCredited()
        envelope.payload.Unpack(credit)
        return kind, f"{credit.cause.type}:{credit.cause.id}"
    return None
