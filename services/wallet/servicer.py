"""speechcue.wallet.v1.WalletService: validates each request, runs it in one unit of work (with
its idempotency key where it changes anything) and answers in protobuf."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

import grpc

from services.runtime.database import Database, UnitOfWork, retrying_deadlocks
from services.runtime.errors import InvalidArgument
from services.runtime.idempotency import request_fingerprint, run_idempotent, validate_key
from services.runtime.paging import decode_token, encode_token, page_size
from services.runtime.ticks import run_tick
from services.runtime.validation import require_cents, require_id, require_range, require_text, require_time
from services.wallet import metrics
from services.wallet.accounts import get_account, open_account, read_balance
from services.wallet.billing import run_billing_tick
from services.wallet.call_settlement import MAX_CALLS_PER_BATCH, CallToSettle, SettledCall, settle_calls
from services.wallet.debit_batches import DebitBatches, DebitOrder
from services.wallet.events import CAUSE_NAMES, WalletEvents
from services.wallet.figures import wallet_figures
from services.wallet.holds import capture_hold, place_hold, release_hold
from services.wallet.ledger import (
    LedgerReport,
    Leg,
    PostedTransfer,
    SystemAccount,
    check_ledger,
    list_customer_transfers,
    post_transfer,
)
from services.wallet.messages import (
    USAGE_KINDS,
    balance_message,
    hold_message,
    plan_message,
    subscription_message,
    transfer_message,
    transfer_result,
    usage_message,
)
from services.wallet.plan_catalogue import PlanTerms
from services.wallet.plans import get_plan, list_plans, upsert_plan
from services.wallet.pricing import Quote, quote_affordable_call
from services.wallet.refunds import refund, refund_call_extra
from services.wallet.settings import WalletSettings
from services.wallet.subscriptions import (
    active_subscription,
    allowance_left,
    buy_subscription,
    latest_subscription,
    run_subscription_tick,
    set_auto_renew,
)
from services.wallet.usage import record_usage
from speechcue.common.v1 import common_pb2
from speechcue.wallet.v1 import wallet_pb2, wallet_pb2_grpc

log = logging.getLogger(__name__)

CREDIT_SOURCES = {"payment": ("topup", SystemAccount.PROVIDER_CLEARING),
                  "promotion": ("promotion", SystemAccount.PROMOTIONS),
                  "adjustment": ("adjustment", SystemAccount.PROMOTIONS)}
DEBIT_CAUSES = frozenset({"call", "plan", "adjustment"})
MAX_MEMO = 500
MAX_CALL_MINUTES = 24 * 60
MAX_CALL_SECONDS = 24 * 3600
# The most a call can add to its cost besides its minutes (the recording fee), as a sanity bound.
MAX_EXTRA_CENTS = 100_000


def _rpc_transfer_key(idempotency_key: str) -> str:
    # Namespaced so that a caller's key can never collide with the wallet's own natural keys.
    return f"rpc:{idempotency_key}"


def _usage_kind(value: int) -> str:
    if value not in USAGE_KINDS:
        raise InvalidArgument("usage_kind must be SINGLE or BULK", reason="FIELD_INVALID", field="usage_kind")
    return USAGE_KINDS[value]


def _cause(request_cause: common_pb2.Cause, allowed: frozenset[str] | set[str]) -> tuple[str, str]:
    name = CAUSE_NAMES.get(request_cause.type)
    if name is None or name not in allowed:
        raise InvalidArgument(f"cause.type must be one of {', '.join(sorted(allowed))}",
                              reason="CAUSE_INVALID", field="cause.type")
    return name, require_id("cause.id", request_cause.id, max_length=128)


def _calls_to_settle(request: wallet_pb2.SettleCallsRequest) -> list[CallToSettle]:
    if not 0 < len(request.calls) <= MAX_CALLS_PER_BATCH:
        raise InvalidArgument(f"calls must hold 1 to {MAX_CALLS_PER_BATCH} calls", reason="FIELD_INVALID",
                              field="calls")
    orders = [CallToSettle(
        customer_id=require_id("calls.customer_id", call.customer_id),
        call_id=require_id("calls.call_id", call.call_id),
        seconds=require_range("calls.seconds", call.seconds, 0, MAX_CALL_SECONDS),
        usage_kind=_usage_kind(call.usage_kind),
        extra_cents=require_range("calls.extra_cents", call.extra_cents, 0, MAX_EXTRA_CENTS),
    ) for call in request.calls]
    if len({order.call_id for order in orders}) < len(orders):
        raise InvalidArgument("each call may be settled once per request", reason="FIELD_INVALID", field="calls")
    return orders


class WalletServicer(wallet_pb2_grpc.WalletServiceServicer):
    def __init__(self, database: Database, events: WalletEvents, settings: WalletSettings,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.database = database
        self.events = events
        self.settings = settings
        self.clock = clock
        self.debits = DebitBatches(database, events)

    async def _transfer_result(self, uow: UnitOfWork, transfer: PostedTransfer) -> wallet_pb2.TransferResult:
        if transfer.account is not None:
            return transfer_result(transfer)
        return transfer_result(transfer, await read_balance(uow, transfer.customer_id or ""))

    async def OpenAccount(self, request: wallet_pb2.OpenAccountRequest,
                          context: grpc.aio.ServicerContext) -> wallet_pb2.Account:
        customer_id = require_id("customer_id", request.customer_id)

        async def work(uow: UnitOfWork) -> wallet_pb2.Account:
            account = await open_account(uow, customer_id)
            message = wallet_pb2.Account(customer_id=customer_id, balance_cents=account.balance_cents)
            message.opened_at.FromDatetime(account.opened_at)
            return message

        return await run_idempotent(self.database, request.idempotency_key, request, wallet_pb2.Account, work)

    async def GetBalance(self, request: wallet_pb2.GetBalanceRequest,
                         context: grpc.aio.ServicerContext) -> wallet_pb2.Balance:
        customer_id = require_id("customer_id", request.customer_id)
        async with self.database.unit_of_work() as uow:
            return balance_message(await read_balance(uow, customer_id))

    async def ListTransactions(self, request: wallet_pb2.ListTransactionsRequest,
                               context: grpc.aio.ServicerContext) -> wallet_pb2.ListTransactionsResponse:
        customer_id = require_id("customer_id", request.customer_id)
        size = page_size(request.page.page_size)
        position = decode_token(request.page.page_token, int)
        before_id = position[0] if position else None
        async with self.database.unit_of_work() as uow:
            await get_account(uow, customer_id)
            page = await list_customer_transfers(uow, customer_id, before_id=before_id, limit=size + 1)
        response = wallet_pb2.ListTransactionsResponse(transfers=[transfer_message(t) for t in page[:size]])
        if len(page) > size:
            response.next_page_token = encode_token(page[size - 1].id)
        return response

    async def Credit(self, request: wallet_pb2.CreditRequest,
                     context: grpc.aio.ServicerContext) -> wallet_pb2.TransferResult:
        customer_id = require_id("customer_id", request.customer_id)
        amount = require_cents("amount_cents", request.amount_cents)
        cause_type, cause_id = _cause(request.cause, set(CREDIT_SOURCES))
        memo = require_text("memo", request.memo, max_length=MAX_MEMO)
        kind, source = CREDIT_SOURCES[cause_type]

        async def work(uow: UnitOfWork) -> wallet_pb2.TransferResult:
            transfer = await post_transfer(
                uow, key=_rpc_transfer_key(request.idempotency_key), kind=kind, customer_id=customer_id,
                legs=[Leg(-amount, source), Leg(amount)], cause_type=cause_type, cause_id=cause_id, memo=memo,
            )
            await self.events.credited(uow, transfer)
            return await self._transfer_result(uow, transfer)

        return await run_idempotent(self.database, request.idempotency_key, request,
                                    wallet_pb2.TransferResult, work)

    async def Debit(self, request: wallet_pb2.DebitRequest,
                    context: grpc.aio.ServicerContext) -> wallet_pb2.TransferResult:
        customer_id = require_id("customer_id", request.customer_id)
        amount = require_cents("amount_cents", request.amount_cents)
        cause_type, cause_id = _cause(request.cause, DEBIT_CAUSES)
        memo = require_text("memo", request.memo, max_length=MAX_MEMO)

        return await self.debits.debit(DebitOrder(
            request_key=validate_key(request.idempotency_key), fingerprint=request_fingerprint(request),
            transfer_key=_rpc_transfer_key(request.idempotency_key), customer_id=customer_id, amount_cents=amount,
            cause_type=cause_type, cause_id=cause_id, memo=memo,
        ))

    async def Refund(self, request: wallet_pb2.RefundRequest,
                     context: grpc.aio.ServicerContext) -> wallet_pb2.TransferResult:
        self.settings.require_admin(request.admin_telegram_id)
        customer_id = require_id("customer_id", request.customer_id)
        amount = require_cents("amount_cents", request.amount_cents)
        reason = require_text("reason", request.reason, max_length=MAX_MEMO)
        if request.transfer_id <= 0:
            raise InvalidArgument("transfer_id names the charge to refund", reason="FIELD_REQUIRED",
                                  field="transfer_id")

        async def work(uow: UnitOfWork) -> wallet_pb2.TransferResult:
            transfer = await refund(uow, transfer_key=_rpc_transfer_key(request.idempotency_key),
                                    customer_id=customer_id, transfer_id=request.transfer_id,
                                    amount_cents=amount, reason=reason)
            await self.events.credited(uow, transfer)
            return await self._transfer_result(uow, transfer)

        return await run_idempotent(self.database, request.idempotency_key, request,
                                    wallet_pb2.TransferResult, work)

    async def RefundCallExtra(self, request: wallet_pb2.RefundCallExtraRequest,
                              context: grpc.aio.ServicerContext) -> wallet_pb2.TransferResult:
        customer_id = require_id("customer_id", request.customer_id)
        call_id = require_id("call_id", request.call_id)
        reason = require_text("reason", request.reason, max_length=MAX_MEMO)

        async def work(uow: UnitOfWork) -> wallet_pb2.TransferResult:
            transfer = await refund_call_extra(uow, customer_id=customer_id, call_id=call_id, reason=reason)
            if transfer is None:
                return wallet_pb2.TransferResult(balance=balance_message(await read_balance(uow, customer_id)))
            if transfer.account is None:  # refunded before: answered as it was, nothing moves
                return wallet_pb2.TransferResult(transfer=transfer_message(transfer),
                                                 balance=balance_message(await read_balance(uow, customer_id)))
            await self.events.credited(uow, transfer)
            return transfer_result(transfer)

        return await run_idempotent(self.database, request.idempotency_key, request,
                                    wallet_pb2.TransferResult, work)

    async def PlaceHold(self, request: wallet_pb2.PlaceHoldRequest,
                        context: grpc.aio.ServicerContext) -> wallet_pb2.Hold:
        customer_id = require_id("customer_id", request.customer_id)
        call_id = require_id("call_id", request.call_id)
        amount = require_cents("amount_cents", request.amount_cents, allow_zero=True)
        minutes = require_range("plan_minutes", request.plan_minutes, 0, MAX_CALL_MINUTES)
        usage_kind = _usage_kind(request.usage_kind)
        if amount == 0 and minutes == 0:
            raise InvalidArgument("a hold reserves money, plan minutes or both", reason="EMPTY_HOLD")

        async def work(uow: UnitOfWork) -> wallet_pb2.Hold:
            hold = await place_hold(uow, self.events, customer_id=customer_id, call_id=call_id,
                                    amount_cents=amount, plan_minutes=minutes, usage_kind=usage_kind)
            return hold_message(hold, await read_balance(uow, customer_id))

        return await run_idempotent(self.database, request.idempotency_key, request, wallet_pb2.Hold, work)

    async def CaptureHold(self, request: wallet_pb2.CaptureHoldRequest,
                          context: grpc.aio.ServicerContext) -> wallet_pb2.Hold:
        customer_id = require_id("customer_id", request.customer_id)
        call_id = require_id("call_id", request.call_id)
        amount = require_cents("amount_cents", request.amount_cents, allow_zero=True)

        async def work(uow: UnitOfWork) -> wallet_pb2.Hold:
            hold = await capture_hold(uow, self.events, customer_id=customer_id, call_id=call_id,
                                      amount_cents=amount, now=self.clock())
            return hold_message(hold, await read_balance(uow, customer_id))

        return await run_idempotent(self.database, request.idempotency_key, request, wallet_pb2.Hold, work)

    async def ReleaseHold(self, request: wallet_pb2.ReleaseHoldRequest,
                          context: grpc.aio.ServicerContext) -> wallet_pb2.Hold:
        customer_id = require_id("customer_id", request.customer_id)
        call_id = require_id("call_id", request.call_id)

        async def work(uow: UnitOfWork) -> wallet_pb2.Hold:
            hold = await release_hold(uow, customer_id=customer_id, call_id=call_id, now=self.clock())
            return hold_message(hold, await read_balance(uow, customer_id))

        return await run_idempotent(self.database, request.idempotency_key, request, wallet_pb2.Hold, work)

    async def QuoteCall(self, request: wallet_pb2.QuoteCallRequest,
                        context: grpc.aio.ServicerContext) -> wallet_pb2.CallQuote:
        customer_id = require_id("customer_id", request.customer_id)
        usage_kind = _usage_kind(request.usage_kind)
        max_minutes = require_range("max_minutes", request.max_minutes, 1, MAX_CALL_MINUTES)
        extra_cents = require_cents("extra_cents", request.extra_cents, allow_zero=True)
        async with self.database.unit_of_work() as uow:
            account = await get_account(uow, customer_id)
            subscription = await active_subscription(uow, customer_id)
            plan = await get_plan(uow, subscription.plan_code) if subscription is not None else None
        price = (subscription.overage_cents_per_minute if subscription is not None
                 else self.settings.wallet_price_per_minute_cents)
        available = allowance_left(subscription, usage_kind)
        # A customer in debt may not call at all, not even on plan minutes: nothing is covered.
        quote = (Quote(0, 0, 0, 0) if account.in_debt
                 else quote_affordable_call(max_minutes, available, price, account.balance_cents, extra_cents))
        return wallet_pb2.CallQuote(
            price_per_minute_cents=price, plan_minutes_available=available, plan_minutes=quote.plan_minutes,
            paid_minutes=quote.paid_minutes, hold_cents=quote.hold_cents, affordable_minutes=quote.affordable_minutes,
            in_debt=account.in_debt, available_cents=account.balance_cents,
            plan_code=plan.code if plan is not None else "", plan_name=plan.name if plan is not None else "",
            plan_call_transfer=plan is not None and plan.call_transfer,
        )

    async def ListPlans(self, request: wallet_pb2.ListPlansRequest,
                        context: grpc.aio.ServicerContext) -> wallet_pb2.ListPlansResponse:
        async with self.database.unit_of_work() as uow:
            rows = await list_plans(uow, include_inactive=request.include_inactive)
        return wallet_pb2.ListPlansResponse(plans=[plan_message(row) for row in rows])

    async def UpsertPlan(self, request: wallet_pb2.UpsertPlanRequest,
                         context: grpc.aio.ServicerContext) -> wallet_pb2.Plan:
        self.settings.require_admin(request.admin_telegram_id)
        plan = request.plan
        terms = PlanTerms(
            code=require_id("plan.code", plan.code, max_length=40),
            name=require_id("plan.name", plan.name, max_length=80),
            duration_days=require_range("plan.duration_days", plan.duration_days, 1, 366),
            price_cents=require_cents("plan.price_cents", plan.price_cents, allow_zero=plan.is_trial),
            single_minutes=require_range("plan.single_minutes", plan.single_minutes, -1, 1_000_000),
            bulk_minutes=require_range("plan.bulk_minutes", plan.bulk_minutes, 0, 1_000_000),
            call_transfer=plan.call_transfer,
            overage_cents_per_minute=require_cents("plan.overage_cents_per_minute",
                                                   plan.overage_cents_per_minute),
            is_trial=plan.is_trial, active=plan.active,
        )

        async def work(uow: UnitOfWork) -> wallet_pb2.Plan:
            return plan_message(await upsert_plan(uow, terms))

        return await run_idempotent(self.database, request.idempotency_key, request, wallet_pb2.Plan, work)

    async def _subscription_answer(self, uow: UnitOfWork, customer_id: str,
                                   subscription: object | None) -> wallet_pb2.Subscription:
        account = await get_account(uow, customer_id)
        plan = await get_plan(uow, subscription.plan_code) if subscription is not None else None  # type: ignore[attr-defined]
        return subscription_message(subscription, plan, customer_id=customer_id, trial_used=account.trial_used)

    async def BuySubscription(self, request: wallet_pb2.BuySubscriptionRequest,
                              context: grpc.aio.ServicerContext) -> wallet_pb2.Subscription:
        customer_id = require_id("customer_id", request.customer_id)
        plan_code = require_id("plan_code", request.plan_code, max_length=40)

        async def work(uow: UnitOfWork) -> wallet_pb2.Subscription:
            subscription = await buy_subscription(uow, self.events, key=request.idempotency_key,
                                                  customer_id=customer_id, plan_code=plan_code,
                                                  auto_renew=request.auto_renew, now=self.clock())
            return await self._subscription_answer(uow, customer_id, subscription)

        return await run_idempotent(self.database, request.idempotency_key, request,
                                    wallet_pb2.Subscription, work)

    async def GetSubscription(self, request: wallet_pb2.GetSubscriptionRequest,
                              context: grpc.aio.ServicerContext) -> wallet_pb2.Subscription:
        customer_id = require_id("customer_id", request.customer_id)
        async with self.database.unit_of_work() as uow:
            subscription = await active_subscription(uow, customer_id) or await latest_subscription(uow, customer_id)
            return await self._subscription_answer(uow, customer_id, subscription)

    async def SetAutoRenew(self, request: wallet_pb2.SetAutoRenewRequest,
                           context: grpc.aio.ServicerContext) -> wallet_pb2.Subscription:
        customer_id = require_id("customer_id", request.customer_id)

        async def work(uow: UnitOfWork) -> wallet_pb2.Subscription:
            subscription = await set_auto_renew(uow, customer_id, request.auto_renew)
            return await self._subscription_answer(uow, customer_id, subscription)

        return await run_idempotent(self.database, request.idempotency_key, request,
                                    wallet_pb2.Subscription, work)

    async def RecordUsage(self, request: wallet_pb2.RecordUsageRequest,
                          context: grpc.aio.ServicerContext) -> wallet_pb2.Usage:
        customer_id = require_id("customer_id", request.customer_id)
        call_id = require_id("call_id", request.call_id)
        seconds = require_range("seconds", request.seconds, 0, MAX_CALL_SECONDS)
        usage_kind = _usage_kind(request.usage_kind)

        async def work(uow: UnitOfWork) -> wallet_pb2.Usage:
            row = await record_usage(uow, customer_id=customer_id, call_id=call_id, seconds=seconds,
                                     usage_kind=usage_kind,
                                     pay_as_you_go_cents=self.settings.wallet_price_per_minute_cents)
            return usage_message(row)

        return await run_idempotent(self.database, request.idempotency_key, request, wallet_pb2.Usage, work)

    async def SettleCalls(self, request: wallet_pb2.SettleCallsRequest,
                          context: grpc.aio.ServicerContext) -> wallet_pb2.SettleCallsResponse:
        orders = _calls_to_settle(request)

        async def settle() -> list[SettledCall]:
            async with self.database.unit_of_work() as uow:
                settled = await settle_calls(uow, self.events, orders, now=self.clock(),
                                             pay_as_you_go_cents=self.settings.wallet_price_per_minute_cents)
                await uow.commit()
            return settled

        settled = await retrying_deadlocks(settle, doing="a call settlement batch")
        metrics.settle_batch_size.observe(len(orders))
        metrics.calls_settled_total.inc(sum(1 for call in settled if not call.refusal_reason))
        return wallet_pb2.SettleCallsResponse(calls=[wallet_pb2.SettledCall(
            call_id=call.call_id, cost_cents=call.cost_cents, plan_minutes=call.plan_minutes,
            captured_cents=call.captured_cents, refusal_reason=call.refusal_reason) for call in settled])

    async def RunBillingTick(self, request: common_pb2.RunTickRequest,
                             context: grpc.aio.ServicerContext) -> common_pb2.TickResult:
        async def work(uow: UnitOfWork) -> common_pb2.TickResult:
            counts = await run_billing_tick(uow, self.events)
            return common_pb2.TickResult(name="billing", processed=counts.processed,
                                         succeeded=counts.succeeded, failed=counts.failed)

        return await run_tick(self.database, "billing", request.idempotency_key, request,
                              common_pb2.TickResult, work)

    async def RunSubscriptionTick(self, request: common_pb2.RunTickRequest,
                                  context: grpc.aio.ServicerContext) -> common_pb2.TickResult:
        now = require_time("scheduled_at", request.scheduled_at) if request.HasField("scheduled_at") else self.clock()

        async def work(uow: UnitOfWork) -> common_pb2.TickResult:
            counts = await run_subscription_tick(uow, self.events, now=now,
                                                 warning_hours=self.settings.wallet_expiry_warning_hours)
            return common_pb2.TickResult(name="subscriptions", processed=counts.processed,
                                         succeeded=counts.succeeded, failed=counts.failed)

        return await run_tick(self.database, "subscriptions", request.idempotency_key, request,
                              common_pb2.TickResult, work)

    async def CheckLedger(self, request: wallet_pb2.CheckLedgerRequest,
                          context: grpc.aio.ServicerContext) -> wallet_pb2.LedgerReport:
        async with self.database.unit_of_work() as uow:
            report = await self._checked_ledger(uow)
        return wallet_pb2.LedgerReport(
            ok=report.ok, total_cents=report.total_cents, unbalanced_transfers=report.unbalanced_transfers,
            accounts_with_stale_balance=report.accounts_with_stale_balance,
            negative_customer_accounts=report.negative_customer_accounts, transfers=report.transfers,
        )

    async def RunLedgerCheckTick(self, request: common_pb2.RunTickRequest,
                                 context: grpc.aio.ServicerContext) -> common_pb2.TickResult:
        """The scheduled CheckLedger: processed = transfers checked, failed = what is wrong (unbalanced
        transfers, stale balances, negative customer accounts, and 1 if the accounts do not add up
        to zero). A broken ledger is a successful tick
        that reports it; the alert reads the gauges."""
        async def work(uow: UnitOfWork) -> common_pb2.TickResult:
            report = await self._checked_ledger(uow)
            wrong = (report.unbalanced_transfers + report.accounts_with_stale_balance
                     + report.negative_customer_accounts + int(report.total_cents != 0))
            return common_pb2.TickResult(name="ledger", processed=report.transfers,
                                         succeeded=report.transfers - report.unbalanced_transfers, failed=wrong)

        return await run_tick(self.database, "ledger", request.idempotency_key, request, common_pb2.TickResult, work)

    async def GetWalletFigures(self, request: wallet_pb2.GetWalletFiguresRequest,
                               context: grpc.aio.ServicerContext) -> wallet_pb2.WalletFigures:
        self.settings.require_admin(request.admin_telegram_id)
        async with self.database.unit_of_work() as uow:
            return await wallet_figures(uow, now=self.clock())

    async def _checked_ledger(self, uow: UnitOfWork) -> LedgerReport:
        report = await check_ledger(uow)
        metrics.ledger_invariants_ok.set(int(report.ok))
        metrics.ledger_check_timestamp_seconds.set(self.clock().timestamp())
        if not report.ok:
            log.error("the ledger check failed: %s", report)
        return report

