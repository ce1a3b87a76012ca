"""A Hypothesis state machine that drives random credits, debits, holds, captures, releases,
refunds and replays against a real wallet (gRPC, PostgreSQL) and checks every answer, refusal
and balance against an in-memory model of the ledger.

Hypothesis state machines are synchronous and the wallet runs in the test's event loop, so the
machine runs in a worker thread and hands each RPC to that loop. The database outlives the
examples of one test, so every example opens customers of its own and starts from an empty model;
the ledger invariants (CheckLedger) are global and must hold after every step regardless.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, ClassVar

import grpc
from google.protobuf.message import Message
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from services.runtime.grpc_client import refusal_reason
from speechcue.common.v1 import common_pb2
from speechcue.wallet.v1 import wallet_pb2
from tests.wallet.conftest import ADMIN_ID, WalletHarness

MODEL_SETTINGS = settings(max_examples=50, stateful_step_count=25, deadline=None, database=None,
                          suppress_health_check=[HealthCheck.too_slow])
# The cross-RPC rule sets up what it needs itself; a short run reaches it many times.
CROSS_RPC_SETTINGS = settings(MODEL_SETTINGS, max_examples=25, stateful_step_count=15)
RPC_TIMEOUT_SECONDS = 30

CREDIT_KINDS = {common_pb2.CAUSE_TYPE_PAYMENT: wallet_pb2.TRANSFER_KIND_TOPUP,
                common_pb2.CAUSE_TYPE_PROMOTION: wallet_pb2.TRANSFER_KIND_PROMOTION,
                common_pb2.CAUSE_TYPE_ADJUSTMENT: wallet_pb2.TRANSFER_KIND_ADJUSTMENT}
DEBIT_CAUSES = (common_pb2.CAUSE_TYPE_CALL, common_pb2.CAUSE_TYPE_PLAN, common_pb2.CAUSE_TYPE_ADJUSTMENT)
# Of the kinds this machine produces, the ones an admin may refund.
REFUNDABLE_KINDS = frozenset({wallet_pb2.TRANSFER_KIND_CHARGE, wallet_pb2.TRANSFER_KIND_CAPTURE})

amounts = st.integers(min_value=1, max_value=5000)
customer_index = st.integers(min_value=0, max_value=1)
# Mostly the owner; sometimes the other customer of the example, who must be refused.
wrong_customer = st.sampled_from([False, False, False, True])
mostly = st.sampled_from([True, True, True, False])


@dataclass
class ModelHold:
    customer: str
    amount: int
    status: int = wallet_pb2.HOLD_STATUS_OPEN
    captured: int = 0


@dataclass
class ModelTransfer:
    customer: str
    kind: int
    charged: int  # what refunds may give back in all
    refunded: int = 0


@dataclass(frozen=True)
class Sent:
    """A request as sent, and the wallet's answer (None when it was refused)."""

    method: str
    request: Message
    answer: Message | None


@dataclass
class ModelCustomer:
    available: int = 0
    kinds: Counter[int] = field(default_factory=Counter)  # the transfers the customer's history must show


def _copy(request: Message) -> Any:
    copied = type(request)()
    copied.CopyFrom(request)
    return copied


class LedgerModel(RuleBasedStateMachine):
    """Two customers per example; every request goes through `_apply`, which answers it from the
    model first (a replay, a reused key, a refusal or an acceptance) and then checks the wallet."""

    wallet: ClassVar[WalletHarness]
    loop: ClassVar[asyncio.AbstractEventLoop]

    def __init__(self) -> None:
        super().__init__()
        self.customers: dict[str, ModelCustomer] = {}
        self.holds: dict[str, ModelHold] = {}
        self.transfers: dict[int, ModelTransfer] = {}
        self.answers: dict[str, Sent] = {}  # idempotency key -> the accepted request and its answer
        self.refusals: dict[str, Sent] = {}  # idempotency key -> the latest refused request

    # -- talking to the wallet from the machine's thread

    def _call(self, method: str, request: Message) -> Any:
        async def invoke() -> Any:
            return await getattr(self.wallet.stub, method)(request)

        return asyncio.run_coroutine_threadsafe(invoke(), self.loop).result(timeout=RPC_TIMEOUT_SECONDS)

    @staticmethod
    def _key(prefix: str) -> str:
        return f"{prefix}-{uuid.uuid4().hex}"

    def _customer(self, index: int) -> str:
        return list(self.customers)[index]

    def _other(self, customer: str) -> str:
        return next(other for other in self.customers if other != customer)

    def _held(self, customer: str) -> int:
        return sum(hold.amount for hold in self.holds.values()
                   if hold.customer == customer and hold.status == wallet_pb2.HOLD_STATUS_OPEN)

    def _check_balance(self, balance: wallet_pb2.Balance, customer: str) -> None:
        expected = (customer, self.customers[customer].available, self._held(customer), False)
        assert (balance.customer_id, balance.available_cents, balance.held_cents, balance.in_debt) == expected

    def _refuse(self, method: str, request: Message, code: grpc.StatusCode, reason: str) -> Sent:
        try:
            answer = self._call(method, request)
        except grpc.aio.AioRpcError as error:
            assert (error.code(), refusal_reason(error)) == (code, reason), error.details()
            return Sent(method, request, None)
        raise AssertionError(f"{method} should have been refused with {code.name} {reason}; it answered {answer}")

    def _record_transfer(self, transfer: wallet_pb2.Transfer, customer: str, *, charged: int = 0) -> None:
        assert transfer.id not in self.transfers, "a new transfer must get a new id"
        self.transfers[transfer.id] = ModelTransfer(customer, transfer.kind, charged)
        self.customers[customer].kinds[transfer.kind] += 1

    # -- the model: what the wallet must answer to each request

    def _apply(self, method: str, request: Any) -> Sent:
        first = self.answers.get(request.idempotency_key)
        if first is None:
            sent: Sent = getattr(self, f"_fresh_{method}")(request)
            if sent.answer is None:
                self.refusals[request.idempotency_key] = sent
            else:
                self.answers[request.idempotency_key] = sent
            return sent
        if first.method == method and first.request == request:
            answer = self._call(method, request)
            assert answer == first.answer, "a replay must get the first answer, unchanged"
            return first
        return self._refuse(method, request, grpc.StatusCode.INVALID_ARGUMENT, "IDEMPOTENCY_KEY_REUSED")

    def _fresh_Credit(self, request: wallet_pb2.CreditRequest) -> Sent:
        customer, amount = request.customer_id, request.amount_cents
        answer = self._call("Credit", request)
        self.customers[customer].available += amount
        transfer = answer.transfer
        assert (transfer.kind, transfer.amount_cents, transfer.balance_effect_cents, transfer.balance_after_cents) \
            == (CREDIT_KINDS[request.cause.type], amount, amount, self.customers[customer].available)
        self._record_transfer(transfer, customer)
        self._check_balance(answer.balance, customer)
        return Sent("Credit", request, answer)

    def _fresh_Debit(self, request: wallet_pb2.DebitRequest) -> Sent:
        customer, amount = request.customer_id, request.amount_cents
        if amount > self.customers[customer].available:
            return self._refuse("Debit", request, grpc.StatusCode.FAILED_PRECONDITION, "INSUFFICIENT_FUNDS")
        answer = self._call("Debit", request)
        self.customers[customer].available -= amount
        transfer = answer.transfer
        assert (transfer.kind, transfer.amount_cents, transfer.balance_effect_cents, transfer.balance_after_cents) \
            == (wallet_pb2.TRANSFER_KIND_CHARGE, amount, -amount, self.customers[customer].available)
        self._record_transfer(transfer, customer, charged=amount)
        self._check_balance(answer.balance, customer)
        return Sent("Debit", request, answer)

    def _fresh_Refund(self, request: wallet_pb2.RefundRequest) -> Sent:
        customer, amount = request.customer_id, request.amount_cents
        original = self.transfers.get(request.transfer_id)
        if original is None or original.customer != customer:
            return self._refuse("Refund", request, grpc.StatusCode.NOT_FOUND, "TRANSFER_NOT_FOUND")
        if original.kind not in REFUNDABLE_KINDS:
            return self._refuse("Refund", request, grpc.StatusCode.FAILED_PRECONDITION, "NOT_REFUNDABLE")
        if amount > original.charged - original.refunded:
            return self._refuse("Refund", request, grpc.StatusCode.FAILED_PRECONDITION, "REFUND_EXCEEDS_CHARGE")
        answer = self._call("Refund", request)
        self.customers[customer].available += amount
        original.refunded += amount
        transfer = answer.transfer
        assert (transfer.kind, transfer.amount_cents, transfer.balance_effect_cents, transfer.cause.id) \
            == (wallet_pb2.TRANSFER_KIND_REFUND, amount, amount, str(request.transfer_id))
        self._record_transfer(transfer, customer)
        self._check_balance(answer.balance, customer)
        return Sent("Refund", request, answer)

    def _fresh_PlaceHold(self, request: wallet_pb2.PlaceHoldRequest) -> Sent:
        customer, amount = request.customer_id, request.amount_cents
        if request.call_id in self.holds:
            return self._refuse("PlaceHold", request, grpc.StatusCode.FAILED_PRECONDITION, "HOLD_EXISTS")
        if amount > self.customers[customer].available:
            return self._refuse("PlaceHold", request, grpc.StatusCode.FAILED_PRECONDITION, "INSUFFICIENT_FUNDS")
        answer = self._call("PlaceHold", request)
        self.customers[customer].available -= amount
        self.customers[customer].kinds[wallet_pb2.TRANSFER_KIND_HOLD] += 1
        self.holds[request.call_id] = ModelHold(customer, amount)
        self._check_hold(answer, request.call_id)
        return Sent("PlaceHold", request, answer)

    def _refuse_unless_open(self, method: str, request: Any) -> Sent | None:
        hold = self.holds.get(request.call_id)
        if hold is None or hold.customer != request.customer_id:
            return self._refuse(method, request, grpc.StatusCode.NOT_FOUND, "HOLD_NOT_FOUND")
        if hold.status != wallet_pb2.HOLD_STATUS_OPEN:
            return self._refuse(method, request, grpc.StatusCode.FAILED_PRECONDITION, "HOLD_ALREADY_RESOLVED")
        return None

    def _fresh_CaptureHold(self, request: wallet_pb2.CaptureHoldRequest) -> Sent:
        refused = self._refuse_unless_open("CaptureHold", request)
        if refused is not None:
            return refused
        hold, amount = self.holds[request.call_id], request.amount_cents
        if amount > hold.amount:
            return self._refuse("CaptureHold", request, grpc.StatusCode.INVALID_ARGUMENT, "CAPTURE_EXCEEDS_HOLD")
        answer = self._call("CaptureHold", request)
        hold.status, hold.captured = wallet_pb2.HOLD_STATUS_CAPTURED, amount
        self.customers[hold.customer].available += hold.amount - amount
        if amount > 0:
            self._record_transfer(self._capture_transfer(hold.customer, request.call_id), hold.customer,
                                  charged=amount)
        if hold.amount > amount:
            self.customers[hold.customer].kinds[wallet_pb2.TRANSFER_KIND_RELEASE] += 1
        self._check_hold(answer, request.call_id)
        return Sent("CaptureHold", request, answer)

    def _fresh_ReleaseHold(self, request: wallet_pb2.ReleaseHoldRequest) -> Sent:
        refused = self._refuse_unless_open("ReleaseHold", request)
        if refused is not None:
            return refused
        hold = self.holds[request.call_id]
        answer = self._call("ReleaseHold", request)
        hold.status = wallet_pb2.HOLD_STATUS_RELEASED
        self.customers[hold.customer].available += hold.amount
        self.customers[hold.customer].kinds[wallet_pb2.TRANSFER_KIND_RELEASE] += 1
        self._check_hold(answer, request.call_id)
        return Sent("ReleaseHold", request, answer)

    def _check_hold(self, answer: wallet_pb2.Hold, call_id: str) -> None:
        hold = self.holds[call_id]
        assert (answer.call_id, answer.customer_id, answer.status, answer.amount_cents, answer.captured_cents,
                answer.plan_minutes) == (call_id, hold.customer, hold.status, hold.amount, hold.captured, 0)
        self._check_balance(answer.balance, hold.customer)

    def _history(self, customer: str) -> list[wallet_pb2.Transfer]:
        history: list[wallet_pb2.Transfer] = []
        token = ""
        while True:
            page = self._call("ListTransactions", wallet_pb2.ListTransactionsRequest(
                customer_id=customer, page=common_pb2.PageRequest(page_size=100, page_token=token)))
            history.extend(page.transfers)
            token = page.next_page_token
            if not token:
                return history

    def _capture_transfer(self, customer: str, call_id: str) -> wallet_pb2.Transfer:
        # A Hold answer does not name its capture transfer; a refund needs its id.
        captures = [transfer for transfer in self._history(customer)
                    if transfer.kind == wallet_pb2.TRANSFER_KIND_CAPTURE and transfer.cause.id == call_id]
        assert len(captures) == 1, captures
        return captures[0]

    # -- rules

    @initialize(top_ups=st.tuples(st.integers(0, 5000), st.integers(0, 5000)))
    def open_two_customers(self, top_ups: tuple[int, int]) -> None:
        for top_up in top_ups:
            customer = f"cust-{uuid.uuid4().hex[:12]}"
            account = self._call("OpenAccount", wallet_pb2.OpenAccountRequest(
                idempotency_key=self._key("open"), customer_id=customer))
            assert (account.customer_id, account.balance_cents) == (customer, 0)
            self.customers[customer] = ModelCustomer()
            if top_up:
                self.credit(len(self.customers) - 1, top_up, common_pb2.CAUSE_TYPE_PAYMENT)

    @rule(who=customer_index, amount=amounts, cause=st.sampled_from(sorted(CREDIT_KINDS)))
    def credit(self, who: int, amount: int, cause: int) -> None:
        self._apply("Credit", wallet_pb2.CreditRequest(
            idempotency_key=self._key("credit"), customer_id=self._customer(who), amount_cents=amount,
            cause=common_pb2.Cause(type=cause, id=f"pay-{uuid.uuid4().hex[:8]}")))

    @staticmethod
    def _within_or_beyond(data: st.DataObject, limit: int, *, lowest: int = 1) -> int:
        """Mostly an amount up to `limit` (all of it included), sometimes a little more."""
        if limit >= lowest and data.draw(mostly, label="within limit"):
            return data.draw(st.one_of(st.just(limit), st.integers(lowest, limit)), label="amount")
        return data.draw(st.integers(limit + 1, limit + 500), label="amount")

    @staticmethod
    def _pick(data: st.DataObject, items: list[Any], preferred: list[Any], label: str) -> Any:
        """Mostly one of `preferred` (those that can still succeed), sometimes any."""
        choose_from = items
        if preferred:
            choose_from = preferred if data.draw(mostly, label=f"{label} preferred") else items
        return data.draw(st.sampled_from(choose_from), label=label)

    def _spend(self, data: st.DataObject, customer: str) -> int:
        return self._within_or_beyond(data, self.customers[customer].available)

    @rule(data=st.data(), who=customer_index, cause=st.sampled_from(DEBIT_CAUSES))
    def debit(self, data: st.DataObject, who: int, cause: int) -> None:
        customer = self._customer(who)
        self._apply("Debit", wallet_pb2.DebitRequest(
            idempotency_key=self._key("debit"), customer_id=customer, amount_cents=self._spend(data, customer),
            cause=common_pb2.Cause(type=cause, id=f"call-{uuid.uuid4().hex[:8]}")))

    def _place_hold(self, customer: str, call_id: str, amount: int) -> None:
        self._apply("PlaceHold", wallet_pb2.PlaceHoldRequest(
            idempotency_key=self._key("hold"), customer_id=customer, call_id=call_id, amount_cents=amount,
            plan_minutes=0, usage_kind=wallet_pb2.USAGE_KIND_SINGLE))

    @rule(data=st.data(), who=customer_index)
    def place_hold(self, data: st.DataObject, who: int) -> None:
        customer = self._customer(who)
        self._place_hold(customer, f"call-{uuid.uuid4().hex[:12]}", self._spend(data, customer))

    @precondition(lambda self: self.holds)
    @rule(data=st.data(), who=customer_index, amount=amounts)
    def place_second_hold_for_a_call(self, data: st.DataObject, who: int, amount: int) -> None:
        """A call is held once, whoever asks and whatever became of its first hold."""
        self._place_hold(self._customer(who), data.draw(st.sampled_from(list(self.holds)), label="call"), amount)

    def _hold_request_parts(self, data: st.DataObject, other: bool) -> tuple[str, str, ModelHold]:
        open_calls = [call for call, hold in self.holds.items() if hold.status == wallet_pb2.HOLD_STATUS_OPEN]
        call_id = self._pick(data, list(self.holds), open_calls, "call")
        hold = self.holds[call_id]
        return (self._other(hold.customer) if other else hold.customer), call_id, hold

    @precondition(lambda self: self.holds)
    @rule(data=st.data(), other=wrong_customer)
    def capture_hold(self, data: st.DataObject, other: bool) -> None:
        customer, call_id, hold = self._hold_request_parts(data, other)
        amount = self._within_or_beyond(data, hold.amount, lowest=0)
        self._apply("CaptureHold", wallet_pb2.CaptureHoldRequest(
            idempotency_key=self._key("capture"), customer_id=customer, call_id=call_id, amount_cents=amount))

    @precondition(lambda self: self.holds)
    @rule(data=st.data(), other=wrong_customer)
    def release_hold(self, data: st.DataObject, other: bool) -> None:
        customer, call_id, _ = self._hold_request_parts(data, other)
        self._apply("ReleaseHold", wallet_pb2.ReleaseHoldRequest(
            idempotency_key=self._key("release"), customer_id=customer, call_id=call_id))

    @precondition(lambda self: self.transfers)
    @rule(data=st.data(), other=wrong_customer)
    def refund(self, data: st.DataObject, other: bool) -> None:
        refundable = [transfer_id for transfer_id, transfer in self.transfers.items()
                      if transfer.kind in REFUNDABLE_KINDS and transfer.charged > transfer.refunded]
        transfer_id = self._pick(data, list(self.transfers), refundable, "transfer_id")
        original = self.transfers[transfer_id]
        amount = self._within_or_beyond(data, original.charged - original.refunded)
        self._apply("Refund", wallet_pb2.RefundRequest(
            idempotency_key=self._key("refund"), transfer_id=transfer_id, amount_cents=amount,
            customer_id=self._other(original.customer) if other else original.customer,
            admin_telegram_id=ADMIN_ID, reason="goodwill"))

    @precondition(lambda self: self.answers)
    @rule(data=st.data())
    def replay_accepted_request(self, data: st.DataObject) -> None:
        """The same key and request again: the first answer, and nothing moves twice."""
        key = data.draw(st.sampled_from(list(self.answers)), label="key")
        first = self.answers[key]
        assert self._apply(first.method, _copy(first.request)) is first

    @precondition(lambda self: self.answers)
    @rule(data=st.data(), change=st.sampled_from(["amount", "customer"]))
    def replay_key_with_different_request(self, data: st.DataObject, change: str) -> None:
        """A used key with another request is refused, and nothing moves."""
        first = self.answers[data.draw(st.sampled_from(list(self.answers)), label="key")]
        changed = _copy(first.request)
        if change == "customer":
            changed.customer_id = self._other(changed.customer_id)
        elif "amount_cents" in changed.DESCRIPTOR.fields_by_name:
            changed.amount_cents += 1
        else:
            changed.call_id = f"call-{uuid.uuid4().hex[:12]}"
        sent = self._apply(first.method, changed)
        assert sent.answer is None

    @precondition(lambda self: self.refusals)
    @rule(data=st.data())
    def retry_refused_request(self, data: st.DataObject) -> None:
        """A refusal is not remembered: the same key and request are judged afresh (after a top-up,
        a debit that was refused may pass), and once accepted the answer sticks."""
        refused = self.refusals[data.draw(st.sampled_from(list(self.refusals)), label="key")]
        self._apply(refused.method, _copy(refused.request))

    # -- invariants

    @invariant()
    def balances_match_model(self) -> None:
        for customer in self.customers:
            self._check_balance(self._call("GetBalance", wallet_pb2.GetBalanceRequest(customer_id=customer)),
                                customer)

    @invariant()
    def ledger_sums_to_zero(self) -> None:
        report = self._call("CheckLedger", wallet_pb2.CheckLedgerRequest())
        assert report.ok and report.total_cents == 0, report

    def teardown(self) -> None:
        # Every accepted request posted its transfers exactly once: the history adds up to the
        # balance and holds the transfers the model expects, no more.
        for customer, model in self.customers.items():
            history = self._history(customer)
            assert sum(transfer.balance_effect_cents for transfer in history) == model.available
            assert Counter(transfer.kind for transfer in history) == +model.kinds


class LedgerModelWithKeysReusedAcrossRpcs(LedgerModel):
    """Adds a rule that reuses a key on another RPC whose request reads the same on the wire:
    Credit and Debit share their fields, and so do ReleaseHold and a CaptureHold of 0 cents."""

    @rule(who=customer_index, amount=amounts,
          first_method=st.sampled_from(["Credit", "Debit", "ReleaseHold", "CaptureHold"]))
    def reuse_key_on_another_rpc(self, who: int, amount: int, first_method: str) -> None:
        """A key answered for one RPC is refused on the other, even with the same bytes."""
        customer, key = self._customer(who), self._key("shared")
        if first_method != "Credit":
            self.credit(who, amount, common_pb2.CAUSE_TYPE_PAYMENT)  # so that the first request passes
        first: Message
        twin: Message
        if first_method in ("Credit", "Debit"):
            cause = common_pb2.Cause(type=common_pb2.CAUSE_TYPE_ADJUSTMENT, id=f"adj-{uuid.uuid4().hex[:8]}")
            fields = {"idempotency_key": key, "customer_id": customer, "amount_cents": amount, "cause": cause}
            first, twin = wallet_pb2.CreditRequest(**fields), wallet_pb2.DebitRequest(**fields)
            if first_method == "Debit":
                first, twin = twin, first
        else:
            call_id = f"call-{uuid.uuid4().hex[:12]}"
            self._place_hold(customer, call_id, amount)
            fields = {"idempotency_key": key, "customer_id": customer, "call_id": call_id}
            first, twin = wallet_pb2.ReleaseHoldRequest(**fields), wallet_pb2.CaptureHoldRequest(**fields)
            if first_method == "CaptureHold":
                first, twin = twin, first
        assert first.SerializeToString() == twin.SerializeToString()
        twin_method = {"Credit": "Debit", "Debit": "Credit",
                       "ReleaseHold": "CaptureHold", "CaptureHold": "ReleaseHold"}[first_method]
        assert self._apply(first_method, first).answer is not None
        assert self._apply(twin_method, twin).answer is None


async def _run_machine(machine: type[LedgerModel], wallet: WalletHarness, machine_settings: settings) -> None:
    bound = type(machine.__name__, (machine,), {"wallet": wallet, "loop": asyncio.get_running_loop()})
    await asyncio.to_thread(run_state_machine_as_test, bound, settings=machine_settings)


async def test_random_credits_debits_holds_refunds_and_replays_match_ledger_model(wallet: WalletHarness) -> None:
    """Balances, held amounts, answers and refusals (insufficient funds, hold exists or already
    resolved, capture above the hold, refund above the charge, key reused) match the model after
    every step; replays move nothing; the ledger sums to zero throughout."""
    await _run_machine(LedgerModel, wallet, MODEL_SETTINGS)


async def test_idempotency_key_reused_on_another_rpc_is_refused(wallet: WalletHarness) -> None:
    """A key already answered for one RPC is refused on another, not answered with the first
    RPC's stored result (DESIGN.md §4.1: same key, different request -> INVALID_ARGUMENT)."""
    await _run_machine(LedgerModelWithKeysReusedAcrossRpcs, wallet, CROSS_RPC_SETTINGS)
