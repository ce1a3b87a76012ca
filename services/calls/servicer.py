"""speechcue.calls.v1.CallsService: validates each request, runs it, answers in protobuf."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
from sqlalchemy import select, update

from services.calls import flows as flow_ops
from services.calls import review_queue
from services.calls.admission import COST_BASIS_MESSAGES
from services.calls.call_store import FAILED, ONGOING, QUEUED, RINGING, get_call, list_calls, update_call
from services.calls.call_transcripts import call_transcript
from services.calls.caller_ids import (
    all_caller_ids,
    callers_reaching,
    countries_callable,
    destination_check,
    enabled_caller_ids,
    set_enabled,
    sync_from_retell,
)
from services.calls.campaign_estimate import campaign_quote, first_calls, with_forecast
from services.calls.campaign_forecast import CallingHours, forecast
from services.calls.campaign_progress import retry_rules
from services.calls.campaign_recalls import campaign_segments, recall_request
from services.calls.campaign_tick import run_campaign_tick
from services.calls.campaigns import (
    PAUSED_BY_CUSTOMER,
    act_on_campaign,
    campaign_message,
    campaign_report_csv,
    create_campaign,
    get_campaign,
    rename_campaign,
    screen_list,
)
from services.calls.custom_fields import answer_filter
from services.calls.daily_caps import DailyCap, refuse_over_cap
from services.calls.destinations import country_of, number_type_name
from services.calls.dispatcher import Dispatcher
from services.calls.do_not_call import PLATFORM, add_entry, blocking_entry
from services.calls.events import CallsEvents
from services.calls.figures import call_figures
from services.calls.flow_approval import NOT_APPROVED, dialable_agent
from services.calls.forecast_inputs import AnswerRatesCache, list_groups
from services.calls.key_press_inbox import inbox_context, key_presses_message
from services.calls.limits import CustomerSuspended, Limits, is_suspended, limits_for, lock_customer, store_limits
from services.calls.list_imports import list_import_slot
from services.calls.list_values import value_problem
from services.calls.messages import CALL_STATUS_NAMES, call_message, flow_message, stamp
from services.calls.phone_numbers import MAX_INPUT_LENGTH, InvalidPhoneNumber, normalise
from services.calls.placing import CallPlacer, CallRequest, window_refusal
from services.calls.recovery import recover_calls, stop_calls_of_suspended_customers
from services.calls.retell_client import RetellClient
from services.calls.retention import purge_expired, record_run, retention_cutoff
from services.calls.retired_agents import delete_unused_retired
from services.calls.review_policy import TrustTier
from services.calls.settings import CallsSettings
from services.calls.settlement import Settlement
from services.calls.settlement_state import SettlementState
from services.calls.tables import calls, campaigns
from services.calls.trust import TrustStanding, set_override, trust_standing
from services.runtime.database import Database, UnitOfWork
from services.runtime.errors import DomainError, InvalidArgument
from services.runtime.idempotency import request_fingerprint, run_idempotent, validate_key
from services.runtime.paging import decode_token, encode_token, page_size
from services.runtime.ticks import run_tick
from services.runtime.validation import require_id, require_range, require_text, require_time
from speechcue.calls.v1 import calls_pb2, calls_pb2_grpc
from speechcue.common.v1 import common_pb2
from speechcue.events.v1 import calls_events_pb2
from speechcue.wallet.v1 import wallet_pb2_grpc

log = logging.getLogger(__name__)

MAX_VARIABLES = 20
# The kill switch asks Retell to stop each live call at once, then again after these pauses.
KILL_SWITCH_RETRY_PAUSES = (0.5, 1.0, 2.0, 0.0)
VOICE_CACHE_SECONDS = 600.0


def _number(field: str, value: str) -> str:
    try:
        return normalise(value)
    except InvalidPhoneNumber as error:
        raise InvalidArgument(error.problem.message, reason="INVALID_NUMBER", field=field) from None


def _caller_id(row: Any) -> calls_pb2.CallerId:
    return calls_pb2.CallerId(number=row.number, label=row.label, enabled=row.enabled,
                              phone_number_type=row.phone_number_type,
                              outbound_countries=list(row.outbound_countries or ()))


def _variables(values: dict[str, str]) -> dict[str, str]:
    if len(values) > MAX_VARIABLES:
        raise InvalidArgument(f"at most {MAX_VARIABLES} variables", reason="TOO_MANY_VARIABLES")
    for name, value in values.items():
        require_id("variables key", name, max_length=40)
        require_text("variables value", value, max_length=200)
        # A variable reaches the callee and the agent as it is, past any review of the flow (list_values.py).
        problem = value_problem(value, where=f"variable '{name}'")
        if problem is not None:
            raise InvalidArgument(f"{problem}; a variable is a name or a short fact: change or remove it",
                                  reason="VARIABLE_REFUSED", field=f"variables[{name}]")
    return dict(values)


class CampaignsServicer:
    """The campaign half of CallsService, mixed into CallsServicer below."""

    database: Database
    retell: RetellClient
    events: CallsEvents
    settlement: Settlement
    settings: CallsSettings
    clock: Callable[[], datetime]
    dispatcher: Dispatcher
    placer: CallPlacer
    answer_rates: AnswerRatesCache

    async def PreviewCallList(self, request: calls_pb2.PreviewCallListRequest,
                              context: grpc.aio.ServicerContext) -> calls_pb2.CallListReport:
        customer_id = require_id("customer_id", request.customer_id)
        region = _region(request.default_region)
        async with list_import_slot(self.database, customer_id=customer_id, data=request.list,
                                    settings=self.settings, now=self.clock()):
            async with self.database.unit_of_work() as uow:
                report, _ = await screen_list(uow, customer_id, request.list, region, callable_countries=await
                                              countries_callable(uow, self.settings.allowed_countries))
        return report

    async def _campaign(self, uow: UnitOfWork, row: Any) -> calls_pb2.Campaign:
        return await campaign_message(uow, row, now=self.clock(), window_start=self.settings.calls_window_start)

    async def CreateCampaign(self, request: calls_pb2.CreateCampaignRequest,
                             context: grpc.aio.ServicerContext) -> calls_pb2.Campaign:
        require_id("customer_id", request.customer_id)
        require_id("flow_id", request.flow_id)
        require_text("name", request.name, max_length=80)
        _region(request.default_region)
        require_range("max_minutes_per_call", request.max_minutes_per_call or 5, 1, 60)
        if request.from_campaign_id:
            require_id("from_campaign_id", request.from_campaign_id)

        async def work(uow: UnitOfWork) -> calls_pb2.Campaign:
            now = self.clock()
            await refuse_over_cap(uow, DailyCap.CAMPAIGNS, customer_id=request.customer_id, settings=self.settings,
                                  now=now)
            # A re-call of a segment: its list is built here from the campaign's callees (campaign_recalls.py).
            listed = await recall_request(uow, request) if request.from_campaign_id else request
            async with list_import_slot(self.database, customer_id=request.customer_id, data=listed.list,
                                        settings=self.settings, now=now):
                row = await create_campaign(uow, listed, now, allowed_countries=self.settings.allowed_countries)
            return await self._campaign(uow, row)

        return await run_idempotent(self.database, request.idempotency_key, request, calls_pb2.Campaign, work)

    async def _act(self, action: str, request: calls_pb2.CampaignActionRequest) -> calls_pb2.Campaign:
        customer_id = require_id("customer_id", request.customer_id)
        campaign_id = require_id("campaign_id", request.campaign_id)

        async def work(uow: UnitOfWork) -> calls_pb2.Campaign:
            row = await act_on_campaign(uow, self.events.relay, action=action, campaign_id=campaign_id,
                                        customer_id=customer_id, now=self.clock(),
                                        reason=PAUSED_BY_CUSTOMER if action == "pause" else "")
            uow.after_commit(self.dispatcher.wake)
            return await self._campaign(uow, row)

        return await run_idempotent(self.database, request.idempotency_key, request, calls_pb2.Campaign, work,
                                    scope=action)

    async def StartCampaign(self, request: calls_pb2.CampaignActionRequest,
                            context: grpc.aio.ServicerContext) -> calls_pb2.Campaign:
        return await self._act("start", request)

    async def PauseCampaign(self, request: calls_pb2.CampaignActionRequest,
                            context: grpc.aio.ServicerContext) -> calls_pb2.Campaign:
        return await self._act("pause", request)

    async def ResumeCampaign(self, request: calls_pb2.CampaignActionRequest,
                             context: grpc.aio.ServicerContext) -> calls_pb2.Campaign:
        return await self._act("resume", request)

    async def CancelCampaign(self, request: calls_pb2.CampaignActionRequest,
                             context: grpc.aio.ServicerContext) -> calls_pb2.Campaign:
        return await self._act("cancel", request)

    async def GetCampaign(self, request: calls_pb2.GetCampaignRequest,
                          context: grpc.aio.ServicerContext) -> calls_pb2.Campaign:
        async with self.database.unit_of_work() as uow:
            row = await get_campaign(uow, require_id("campaign_id", request.campaign_id),
                                     require_id("customer_id", request.customer_id))
            return await self._campaign(uow, row)

    async def ListCampaigns(self, request: calls_pb2.ListCampaignsRequest,
                            context: grpc.aio.ServicerContext) -> calls_pb2.ListCampaignsResponse:
        customer_id = require_id("customer_id", request.customer_id)
        size = page_size(request.page.page_size)
        position = decode_token(request.page.page_token, int)
        offset = position[0] if position else 0
        async with self.database.unit_of_work() as uow:
            rows = (await uow.connection.execute(
                select(campaigns).where(campaigns.c.customer_id == customer_id)
                .order_by(campaigns.c.created_at.desc(), campaigns.c.id).offset(offset).limit(size + 1))).all()
            messages = [await self._campaign(uow, row) for row in rows[:size]]
        return calls_pb2.ListCampaignsResponse(campaigns=messages,
                                               next_page_token=encode_token(offset + size) if len(rows) > size else "")

    async def QuoteCampaign(self, request: calls_pb2.GetCampaignRequest,
                            context: grpc.aio.ServicerContext) -> calls_pb2.CampaignQuote:
        customer_id = require_id("customer_id", request.customer_id)
        async with self.database.unit_of_work() as uow:
            row = await get_campaign(uow, require_id("campaign_id", request.campaign_id), customer_id)
            flow = await flow_ops.get_flow(uow, row.flow_id, customer_id=customer_id)
            callees = (await self._campaign(uow, row)).totals.pending
            limits = await limits_for(uow, customer_id, self.settings, self.clock())
            groups = await list_groups(uow, row.id, start=max(row.start_at or self.clock(), self.clock()))
        first = first_calls(callees=callees, minutes_per_call=row.max_minutes_per_call,
                            max_concurrent=limits.max_concurrent_calls)
        # The same rule, asked the same way, as each of the campaign's dials (campaign_estimate.py).
        admission = await self.placer.admission(customer_id, flow, max_minutes=first * row.max_minutes_per_call,
                                                record=False, bulk=True)
        quote = campaign_quote(admission, campaign_id=row.id, callees=callees,
                               minutes_per_call=row.max_minutes_per_call, first_calls=first)
        # Each try not answered is tried again as the campaign's rule for its likely outcome says.
        likely = forecast(await self.answer_rates.get(self.database, self.clock()), groups, retry_rules(row),
                          price_per_minute_cents=admission.price_per_minute_cents,
                          minutes_per_call=row.max_minutes_per_call,
                          hours=CallingHours(self.settings.calls_window_start.hour,
                                             self.settings.calls_window_end.hour))
        return with_forecast(quote, likely)

    async def CampaignSegments(self, request: calls_pb2.GetCampaignRequest,
                               context: grpc.aio.ServicerContext) -> calls_pb2.CampaignSegmentsResponse:
        async with self.database.unit_of_work() as uow:
            return await campaign_segments(uow, campaign_id=require_id("campaign_id", request.campaign_id),
                                           customer_id=require_id("customer_id", request.customer_id))

    async def RenameCampaign(self, request: calls_pb2.RenameCampaignRequest,
                             context: grpc.aio.ServicerContext) -> calls_pb2.Campaign:
        customer_id = require_id("customer_id", request.customer_id)
        campaign_id = require_id("campaign_id", request.campaign_id)
        name = require_text("name", request.name.strip(), max_length=80)
        if not name:
            raise InvalidArgument("a campaign's name cannot be empty", reason="EMPTY_NAME", field="name")

        async def work(uow: UnitOfWork) -> calls_pb2.Campaign:
            row = await rename_campaign(uow, campaign_id=campaign_id, customer_id=customer_id, name=name)
            return await self._campaign(uow, row)

        return await run_idempotent(self.database, request.idempotency_key, request, calls_pb2.Campaign, work)

    async def GetCampaignReport(self, request: calls_pb2.GetCampaignRequest,
                                context: grpc.aio.ServicerContext) -> calls_pb2.CampaignReport:
        async with self.database.unit_of_work() as uow:
            row = await get_campaign(uow, require_id("campaign_id", request.campaign_id),
                                     require_id("customer_id", request.customer_id))
            message = await self._campaign(uow, row)
            data = await campaign_report_csv(uow, row.id)
        safe_name = "".join(ch if ch.isalnum() else "-" for ch in row.name)[:40] or "campaign"
        return calls_pb2.CampaignReport(filename=f"{safe_name}-report.csv", csv=data, totals=message.totals,
                                        name=row.name)

    async def RunCampaignTick(self, request: common_pb2.RunTickRequest,
                              context: grpc.aio.ServicerContext) -> common_pb2.TickResult:
        now = (max(require_time("scheduled_at", request.scheduled_at), self.clock())
               if request.HasField("scheduled_at") else self.clock())

        async def work(uow: UnitOfWork) -> common_pb2.TickResult:
            wait = timedelta(minutes=self.settings.calls_report_analysis_wait_minutes)
            looked, changed = await run_campaign_tick(uow, self.events.relay, now, analysis_wait=wait)
            uow.after_commit(self.dispatcher.wake)
            uow.after_commit(self.settlement.wake)
            return common_pb2.TickResult(name="campaigns", processed=looked, succeeded=changed)

        result = await run_tick(self.database, "campaigns", request.idempotency_key, request, common_pb2.TickResult,
                                work)
        # After the tick's commit, never inside it: the tick holds its campaigns' rows locked, and the
        # recovery settles calls in transactions of its own that lock those rows too (a campaign's
        # call settling updates its campaign). Inside, each would wait for the other for ever, and
        # PostgreSQL cannot see that cycle, which passes through this process. Recovery is decided
        # by state, so a replayed tick running it again changes nothing twice.
        recovered_looked, recovered = await recover_calls(
            self.database, self.retell, self.events, now=now,
            grace=timedelta(seconds=self.settings.calls_recovery_grace_seconds))
        if recovered:
            self.settlement.wake()
        return common_pb2.TickResult(name=result.name, processed=result.processed + recovered_looked,
                                     succeeded=result.succeeded + recovered, failed=result.failed)

    async def SetCustomerLimits(self, request: calls_pb2.SetCustomerLimitsRequest,
                                context: grpc.aio.ServicerContext) -> calls_pb2.CustomerLimits:
        self.settings.require_admin(request.admin_telegram_id)
        wanted = request.limits
        customer_id = require_id("limits.customer_id", wanted.customer_id)
        limits = Limits(require_range("limits.max_concurrent_calls", wanted.max_concurrent_calls, 1, 1000),
                        require_range("limits.calls_per_hour", wanted.calls_per_hour, 1, 100_000),
                        require_range("limits.calls_per_day", wanted.calls_per_day, 1, 1_000_000),
                        wanted.suspended, require_text("limits.suspension_reason", wanted.suspension_reason,
                                                       max_length=200))

        async def work(uow: UnitOfWork) -> calls_pb2.CustomerLimits:
            await lock_customer(uow, customer_id)
            was_suspended = await is_suspended(uow, customer_id)
            await store_limits(uow, customer_id, limits)
            if limits.suspended:
                await self._suspend(uow, customer_id, newly=not was_suspended)
            elif was_suspended:
                await self.events.customer_suspension(uow, customer_id, calls_events_pb2.CustomerSuspension())
            return _limits_message(customer_id, limits, await trust_standing(uow, customer_id, self.clock()))

        return await run_idempotent(self.database, request.idempotency_key, request, calls_pb2.CustomerLimits,
                                    work)

    async def _suspend(self, uow: UnitOfWork, customer_id: str, *, newly: bool) -> None:
        """The kill switch: campaigns paused, calls not yet dialled (waiting for a line included) failed
        with their holds released, and calls in flight stopped, now; the customer is told when the
        switch is newly on. A call being dialled right now is stopped by the placer, which checks the
        switch under the same customer lock once Retell has it (placing.py)."""
        now = self.clock()
        running = list((await uow.connection.execute(select(campaigns.c.id).where(
            campaigns.c.customer_id == customer_id, campaigns.c.status.in_(["running", "scheduled"])))).scalars())
        for campaign_id in running:
            await act_on_campaign(uow, self.events.relay, action="pause", campaign_id=campaign_id,
                                  customer_id=customer_id, now=now, reason=CustomerSuspended.default_reason)
        failed = (await uow.connection.execute(
            update(calls).where(calls.c.customer_id == customer_id, calls.c.status == QUEUED,
                                calls.c.retell_call_id.is_(None))
            .values(status=FAILED, failure_reason=CustomerSuspended.default_reason, ended_at=now,
                    settlement=SettlementState.PENDING).returning(calls.c.id))).scalars().all()
        if failed:
            self.settlement.wake()
        live = (await uow.connection.execute(select(calls.c.retell_call_id).where(
            calls.c.customer_id == customer_id, calls.c.status.in_(["ringing", "ongoing"]),
            calls.c.retell_call_id.is_not(None)))).scalars()
        retell_ids = list(live)

        async def stop(retell_id: str) -> None:
            for pause in KILL_SWITCH_RETRY_PAUSES:
                try:
                    await self.retell.stop_call(retell_id)
                    return
                except DomainError:
                    await asyncio.sleep(pause)
            # Still live: the recovery tick asks Retell again every minute while the customer is suspended.
            log.warning("a suspended customer's call could not be stopped at Retell; the recovery tick retries")

        async def stop_all() -> None:
            await asyncio.gather(*(stop(retell_id) for retell_id in retell_ids))

        uow.after_commit_async(stop_all)
        if newly:
            await self.events.customer_suspension(uow, customer_id, calls_events_pb2.CustomerSuspension(
                suspended=True, campaigns_paused=len(running), calls_failed=len(failed),
                calls_stopped=len(retell_ids)))

    async def SetCustomerTrust(self, request: calls_pb2.SetCustomerTrustRequest,
                               context: grpc.aio.ServicerContext) -> calls_pb2.CustomerLimits:
        self.settings.require_admin(request.admin_telegram_id)
        customer_id = require_id("customer_id", request.customer_id)
        if request.tier not in _TIERS:
            raise InvalidArgument("tier is TRUST_TIER_NEW, TRUST_TIER_TRUSTED or TRUST_TIER_UNSPECIFIED (computed)",
                                  reason="BAD_TRUST_TIER", field="tier")
        note = require_text("note", request.note, max_length=200)

        async def work(uow: UnitOfWork) -> calls_pb2.CustomerLimits:
            now = self.clock()
            await set_override(uow, customer_id, _TIERS[request.tier], admin_telegram_id=request.admin_telegram_id,
                               note=note, now=now)
            limits = await limits_for(uow, customer_id, self.settings, now)
            return _limits_message(customer_id, limits, await trust_standing(uow, customer_id, now))

        return await run_idempotent(self.database, request.idempotency_key, request, calls_pb2.CustomerLimits,
                                    work)

    async def GetCustomerLimits(self, request: calls_pb2.GetCustomerLimitsRequest,
                                context: grpc.aio.ServicerContext) -> calls_pb2.CustomerLimits:
        customer_id = require_id("customer_id", request.customer_id)
        async with self.database.unit_of_work() as uow:
            limits = await limits_for(uow, customer_id, self.settings, self.clock())
            trust = await trust_standing(uow, customer_id, self.clock())
        return _limits_message(customer_id, limits, trust)

    async def GetCallFigures(self, request: calls_pb2.GetCallFiguresRequest,
                             context: grpc.aio.ServicerContext) -> calls_pb2.CallFigures:
        self.settings.require_admin(request.admin_telegram_id)
        async with self.database.unit_of_work() as uow:
            return await call_figures(uow, now=self.clock())

    async def GetCustomerRecord(self, request: calls_pb2.GetCustomerRecordRequest,
                                context: grpc.aio.ServicerContext) -> calls_pb2.CustomerRecord:
        self.settings.require_admin(request.admin_telegram_id)
        customer_id = require_id("customer_id", request.customer_id)
        async with self.database.unit_of_work() as uow:
            connection = uow.connection
            statuses = await review_queue.flow_counts(connection, customer_id)
            placed, answered = await review_queue.call_counts(connection, customer_id)
            limits = await limits_for(uow, customer_id, self.settings, self.clock())
            return calls_pb2.CustomerRecord(
                customer_id=customer_id, flows_approved=statuses.get(flow_ops.APPROVED, 0),
                flows_rejected=statuses.get(flow_ops.REJECTED, 0),
                flows_waiting=statuses.get(flow_ops.PENDING_REVIEW, 0), calls_placed=placed,
                calls_answered=answered, campaigns=await review_queue.campaign_count(connection, customer_id),
                limits=_limits_message(customer_id, limits, await trust_standing(uow, customer_id, self.clock())),
                recent_flows=[flow_message(row) for row in await review_queue.recent_flows(connection, customer_id)],
                recent_calls=[call_message(row) for row in await review_queue.recent_calls(connection, customer_id)])


_TIERS: dict[int, TrustTier | None] = {calls_pb2.TRUST_TIER_UNSPECIFIED: None, calls_pb2.TRUST_TIER_NEW: TrustTier.NEW,
                                        calls_pb2.TRUST_TIER_TRUSTED: TrustTier.TRUSTED}
_TIER_MESSAGES = {tier: number for number, tier in _TIERS.items() if tier is not None}


def _limits_message(customer_id: str, limits: Limits, trust: TrustStanding | None = None) -> calls_pb2.CustomerLimits:
    message = calls_pb2.CustomerLimits(
        customer_id=customer_id, max_concurrent_calls=limits.max_concurrent_calls,
        calls_per_hour=limits.calls_per_hour, calls_per_day=limits.calls_per_day, suspended=limits.suspended,
        suspension_reason=limits.suspension_reason)
    if trust is not None:
        message.trust_tier = _TIER_MESSAGES[trust.decision.tier]  # type: ignore[assignment]
        message.trust_reason = trust.decision.reason
        if trust.override is not None:
            message.trust_override = _TIER_MESSAGES[trust.override]  # type: ignore[assignment]
    return message


def _region(region: str) -> str | None:
    if region and not (len(region) == 2 and region.isalpha() and region.isupper()):
        raise InvalidArgument("default_region is a two-letter country code like US", reason="BAD_REGION")
    return region or None


class CallsServicer(CampaignsServicer, calls_pb2_grpc.CallsServiceServicer):
    def __init__(self, database: Database, retell: RetellClient, wallet: wallet_pb2_grpc.WalletServiceStub,
                 events: CallsEvents, settlement: Settlement, settings: CallsSettings,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.database = database
        self.retell = retell
        self.wallet = wallet
        self.events = events
        self.settlement = settlement
        self.settings = settings
        self.clock = clock
        self.placer = CallPlacer(database, wallet, retell, settings, clock)
        self.dispatcher = Dispatcher(database, self.placer, retell, settings, events.relay, clock)
        settlement.on_campaign_call_settled = self.dispatcher.wake
        self._voices: tuple[float, list[calls_pb2.Voice]] = (0.0, [])
        # The platform's answer rates for the forecast, read at most every ten minutes (forecast_inputs.py).
        self.answer_rates = AnswerRatesCache()

    # ---- flows ---------------------------------------------------------------------------

    async def CreateFlow(self, request: calls_pb2.CreateFlowRequest,
                         context: grpc.aio.ServicerContext) -> calls_pb2.Flow:
        customer_id = require_id("customer_id", request.customer_id)

        async def work(uow: UnitOfWork) -> calls_pb2.Flow:
            await refuse_over_cap(uow, DailyCap.FLOWS, customer_id=customer_id, settings=self.settings,
                                  now=self.clock())
            row = await flow_ops.create_flow(uow, self.retell, self.settings, customer_id=customer_id,
                                             spec=request.spec, now=self.clock())
            if row.status == flow_ops.PENDING_REVIEW:
                await self.events.flow_pending_review(uow, row)
            return flow_message(row)

        return await run_idempotent(self.database, request.idempotency_key, request, calls_pb2.Flow, work)

    async def GetFlow(self, request: calls_pb2.GetFlowRequest, context: grpc.aio.ServicerContext) -> calls_pb2.Flow:
        async with self.database.unit_of_work() as uow:
            return flow_message(await flow_ops.get_flow(uow, require_id("flow_id", request.flow_id),
                                                        customer_id=require_id("customer_id", request.customer_id)))

    async def ListFlows(self, request: calls_pb2.ListFlowsRequest,
                        context: grpc.aio.ServicerContext) -> calls_pb2.ListFlowsResponse:
        customer_id = require_id("customer_id", request.customer_id)
        return await self._flow_page(customer_id, None, request.page)

    async def _flow_page(self, customer_id: str | None, status: str | None,
                         page: object) -> calls_pb2.ListFlowsResponse:
        size = page_size(page.page_size)  # type: ignore[attr-defined]
        position = decode_token(page.page_token, int)  # type: ignore[attr-defined]
        offset = position[0] if position else 0
        async with self.database.unit_of_work() as uow:
            rows = await flow_ops.list_flows(uow, customer_id=customer_id, status=status, offset=offset,
                                             limit=size + 1)
        response = calls_pb2.ListFlowsResponse(flows=[flow_message(row) for row in rows[:size]])
        if len(rows) > size:
            response.next_page_token = encode_token(offset + size)
        return response

    async def UpdateFlow(self, request: calls_pb2.UpdateFlowRequest,
                         context: grpc.aio.ServicerContext) -> calls_pb2.Flow:
        customer_id = require_id("customer_id", request.customer_id)
        flow_id = require_id("flow_id", request.flow_id)

        async def work(uow: UnitOfWork) -> calls_pb2.Flow:
            row = await flow_ops.update_flow(uow, self.retell, self.settings, customer_id=customer_id,
                                             flow_id=flow_id, spec=request.spec,
                                             expected_version=request.expected_version, now=self.clock())
            if row.status == flow_ops.PENDING_REVIEW:
                await self.events.flow_pending_review(uow, row)
            return flow_message(row)

        flow = await run_idempotent(self.database, request.idempotency_key, request, calls_pb2.Flow, work)
        await self._delete_replaced_agents()
        return flow

    async def DeleteFlow(self, request: calls_pb2.DeleteFlowRequest,
                         context: grpc.aio.ServicerContext) -> calls_pb2.DeleteFlowResponse:
        customer_id = require_id("customer_id", request.customer_id)
        flow_id = require_id("flow_id", request.flow_id)

        async def work(uow: UnitOfWork) -> calls_pb2.DeleteFlowResponse:
            await flow_ops.delete_flow(uow, self.retell, customer_id=customer_id, flow_id=flow_id, now=self.clock())
            return calls_pb2.DeleteFlowResponse()

        deleted = await run_idempotent(self.database, request.idempotency_key, request,
                                       calls_pb2.DeleteFlowResponse, work)
        await self._delete_replaced_agents()
        return deleted

    async def ReviewFlow(self, request: calls_pb2.ReviewFlowRequest,
                         context: grpc.aio.ServicerContext) -> calls_pb2.Flow:
        self.settings.require_admin(request.admin_telegram_id)
        flow_id = require_id("flow_id", request.flow_id)
        note = require_text("note", request.note, max_length=500)

        async def work(uow: UnitOfWork) -> calls_pb2.Flow:
            row = await flow_ops.review_flow(uow, flow_id=flow_id, approve=request.approve, note=note,
                                             now=self.clock())
            await self.events.flow_reviewed(uow, row, request.approve, note)
            return flow_message(row)

        flow = await run_idempotent(self.database, request.idempotency_key, request, calls_pb2.Flow, work)
        await self._delete_replaced_agents()
        return flow

    async def _delete_replaced_agents(self) -> None:
        """After a promotion or a deletion: a replaced approved agent no call uses goes now, one still in
        use when the recovery tick finds it unused."""
        try:
            await delete_unused_retired(self.database, self.retell)
        except Exception as error:  # the flow's change is committed; the recovery tick tries again
            log.warning("replaced Retell agents not deleted yet (%s); the recovery tick retries", type(error).__name__)

    async def ListFlowsForReview(self, request: calls_pb2.ListFlowsForReviewRequest,
                                 context: grpc.aio.ServicerContext) -> calls_pb2.ListFlowsResponse:
        """Every flow waiting, the longest-waiting first, page after page."""
        self.settings.require_admin(request.admin_telegram_id)
        size = page_size(request.page.page_size)
        after = review_queue.position_of(decode_token(request.page.page_token, str, str))
        async with self.database.unit_of_work() as uow:
            rows = await review_queue.flows_waiting_for_review(uow.connection, after=after, limit=size + 1)
        response = calls_pb2.ListFlowsResponse(flows=[flow_message(row) for row in rows[:size]])
        if len(rows) > size:
            last = rows[size - 1]
            response.next_page_token = encode_token(last.updated_at.isoformat(), last.id)
        return response

    async def GetFlowForReview(self, request: calls_pb2.GetFlowForReviewRequest,
                               context: grpc.aio.ServicerContext) -> calls_pb2.Flow:
        """Any customer's flow, for the admin's review screen."""
        self.settings.require_admin(request.admin_telegram_id)
        async with self.database.unit_of_work() as uow:
            return flow_message(await flow_ops.get_flow(uow, require_id("flow_id", request.flow_id),
                                                        customer_id=None))

    async def ListVoices(self, request: calls_pb2.ListVoicesRequest,
                         context: grpc.aio.ServicerContext) -> calls_pb2.ListVoicesResponse:
        fetched_at, voices = self._voices
        if time.monotonic() - fetched_at > VOICE_CACHE_SECONDS or not voices:
            voices = [calls_pb2.Voice(
                voice_id=str(item.get("voice_id", "")), name=str(item.get("voice_name", "")),
                provider=str(item.get("provider", "")), gender=str(item.get("gender", "")),
                accent=str(item.get("accent") or ""), preview_audio_url=str(item.get("preview_audio_url") or ""),
            ) for item in await self.retell.list_voices() if isinstance(item, dict)]
            self._voices = (time.monotonic(), voices)
        return calls_pb2.ListVoicesResponse(voices=voices)

    # ---- caller IDs ----------------------------------------------------------------------

    async def ListCallerIds(self, request: calls_pb2.ListCallerIdsRequest,
                            context: grpc.aio.ServicerContext) -> calls_pb2.ListCallerIdsResponse:
        if request.include_disabled:
            self.settings.require_admin(request.admin_telegram_id)
        to_number = _number("to_number", request.to_number) if request.to_number else ""
        async with self.database.unit_of_work() as uow:
            if to_number:
                rows = await callers_reaching(uow, to_number, self.settings.allowed_countries)
            else:
                rows = await (all_caller_ids(uow) if request.include_disabled else enabled_caller_ids(uow))
        return calls_pb2.ListCallerIdsResponse(caller_ids=[_caller_id(row) for row in rows])

    async def SyncCallerIds(self, request: calls_pb2.SyncCallerIdsRequest,
                            context: grpc.aio.ServicerContext) -> calls_pb2.ListCallerIdsResponse:
        self.settings.require_admin(request.admin_telegram_id)

        async def work(uow: UnitOfWork) -> calls_pb2.ListCallerIdsResponse:
            rows = await sync_from_retell(uow, self.retell)
            return calls_pb2.ListCallerIdsResponse(caller_ids=[_caller_id(row) for row in rows])

        return await run_idempotent(self.database, request.idempotency_key, request,
                                    calls_pb2.ListCallerIdsResponse, work)

    async def SetCallerIdEnabled(self, request: calls_pb2.SetCallerIdEnabledRequest,
                                 context: grpc.aio.ServicerContext) -> calls_pb2.CallerId:
        self.settings.require_admin(request.admin_telegram_id)
        number = _number("number", request.number)

        async def work(uow: UnitOfWork) -> calls_pb2.CallerId:
            row = await set_enabled(uow, number, request.enabled)
            return _caller_id(row)

        return await run_idempotent(self.database, request.idempotency_key, request, calls_pb2.CallerId, work)

    # ---- calls ---------------------------------------------------------------------------

    async def QuoteCall(self, request: calls_pb2.QuoteCallRequest,
                        context: grpc.aio.ServicerContext) -> calls_pb2.CallQuote:
        customer_id = require_id("customer_id", request.customer_id)
        to_number = _number("to_number", request.to_number)
        minutes = require_range("max_minutes", request.max_minutes or self.settings.calls_default_max_minutes, 1, 120)
        now = self.clock()
        answer = calls_pb2.CallQuote(to_number=to_number, allowed_now=True,
                                     recording_fee_cents=self.settings.calls_recording_fee_cents)
        async with self.database.unit_of_work() as uow:
            flow = await flow_ops.get_flow(uow, require_id("flow_id", request.flow_id), customer_id=customer_id)
            blocked = await blocking_entry(uow, customer_id, to_number)
            destination, _ = await destination_check(uow, to_number, self.settings.allowed_countries)
        refusal = window_refusal(to_number, now, self.settings)
        if refusal is not None:
            answer.allowed_now = False
            answer.blocked_reason = refusal.reason
            if "next_allowed_at" in refusal.metadata:
                answer.next_allowed_at.FromDatetime(datetime.fromisoformat(refusal.metadata["next_allowed_at"]))
        if dialable_agent(flow) is None:
            answer.allowed_now, answer.blocked_reason = False, NOT_APPROVED
        if blocked is not None:
            answer.allowed_now, answer.blocked_reason = False, "DO_NOT_CALL"
        if destination is not None:
            answer.allowed_now, answer.blocked_reason = False, destination.reason
        # The same rule, asked the same way, as StartCall's admission (placing.py, admission.py).
        admission = await self.placer.admission(customer_id, flow, max_minutes=minutes, record=request.record,
                                                bulk=False)
        answer.price_per_minute_cents = admission.price_per_minute_cents
        answer.plan_minutes, answer.paid_minutes = admission.plan_minutes, admission.paid_minutes
        answer.hold_cents, answer.affordable_minutes = admission.hold_cents, admission.max_minutes
        answer.plan_code, answer.plan_name = admission.plan_code, admission.plan_name
        answer.cost_basis, answer.shortened = COST_BASIS_MESSAGES[admission.cost_basis], admission.shortened
        if admission.refusal is not None:
            answer.allowed_now, answer.blocked_reason = False, admission.refusal
        return answer

    async def StartCall(self, request: calls_pb2.StartCallRequest,
                        context: grpc.aio.ServicerContext) -> calls_pb2.Call:
        validate_key(request.idempotency_key)
        call_request = CallRequest(
            idempotency_key=request.idempotency_key, customer_id=require_id("customer_id", request.customer_id),
            flow_id=require_id("flow_id", request.flow_id), to_number=request.to_number,
            caller_id=_number("caller_id", request.caller_id) if request.caller_id else "",
            max_minutes=require_range("max_minutes", request.max_minutes or self.settings.calls_default_max_minutes,
                                      1, 120),
            record=request.record, campaign_id=require_text("campaign_id", request.campaign_id, max_length=64),
            variables=_variables(dict(request.variables)),
        )
        if call_request.campaign_id:  # a call booked to a campaign only by the campaign's own customer
            async with self.database.unit_of_work() as uow:
                await get_campaign(uow, call_request.campaign_id, call_request.customer_id)
        row = await self.placer.start_call(call_request, request_fingerprint(request))
        if row.status == "failed":
            self.settlement.wake()
        return call_message(row)

    async def StopCall(self, request: calls_pb2.StopCallRequest,
                       context: grpc.aio.ServicerContext) -> calls_pb2.Call:
        customer_id = require_id("customer_id", request.customer_id)
        call_id = require_id("call_id", request.call_id)
        async with self.database.unit_of_work() as uow:
            row = await get_call(uow, call_id, customer_id=customer_id)
            if row.status in (RINGING, ONGOING) and row.retell_call_id:
                # Before the stop: Retell reports it as manual_stopped, like the kill switch's.
                row = await update_call(uow, call_id, stopped_by_customer=True)
                await uow.commit()
        # Retell's stop hangs up; deleting would erase the call's record, so it is never used.
        if row.status in (RINGING, ONGOING) and row.retell_call_id:
            await self.retell.stop_call(row.retell_call_id)
        return call_message(row)

    async def GetCallTranscript(self, request: calls_pb2.GetCallRequest,
                                context: grpc.aio.ServicerContext) -> calls_pb2.CallTranscript:
        async with self.database.unit_of_work() as uow:
            row = await get_call(uow, require_id("call_id", request.call_id),
                                 customer_id=require_id("customer_id", request.customer_id))
            turns = await call_transcript(uow, row.retell_call_id)
        return calls_pb2.CallTranscript(kept=bool(turns), turns=[
            calls_pb2.TranscriptTurn(role=turn.role, text=turn.text) for turn in turns])

    async def GetCall(self, request: calls_pb2.GetCallRequest, context: grpc.aio.ServicerContext) -> calls_pb2.Call:
        async with self.database.unit_of_work() as uow:
            return call_message(await get_call(uow, require_id("call_id", request.call_id),
                                               customer_id=require_id("customer_id", request.customer_id)))

    async def ListCalls(self, request: calls_pb2.ListCallsRequest,
                        context: grpc.aio.ServicerContext) -> calls_pb2.ListCallsResponse:
        customer_id = require_id("customer_id", request.customer_id)
        rows, token = await self._call_page(customer_id, request.page, status=CALL_STATUS_NAMES.get(request.status, ""),
                                            flow_id=request.flow_id, campaign_id=request.campaign_id,
                                            with_digits_only=request.with_key_presses_only,
                                            answer=answer_filter(request.answer_field, request.answer_value),
                                            leads_only=request.leads_only,
                                            voicemail=True if request.voicemail_only else
                                            False if request.without_voicemail else None)
        return calls_pb2.ListCallsResponse(calls=[call_message(row) for row in rows], next_page_token=token)

    async def _call_page(self, customer_id: str, page: object, **filters: object) -> tuple[list[object], str]:
        size = page_size(page.page_size)  # type: ignore[attr-defined]
        position = decode_token(page.page_token, str, str)  # type: ignore[attr-defined]
        before = (datetime.fromisoformat(position[0]), position[1]) if position else None
        async with self.database.unit_of_work() as uow:
            rows = await list_calls(uow, customer_id, before=before, limit=size + 1, **filters)  # type: ignore[arg-type]
        token = encode_token(rows[size - 1].created_at.isoformat(), rows[size - 1].id) if len(rows) > size else ""
        return rows[:size], token

    async def ListKeyPresses(self, request: calls_pb2.ListKeyPressesRequest,
                             context: grpc.aio.ServicerContext) -> calls_pb2.ListKeyPressesResponse:
        customer_id = require_id("customer_id", request.customer_id)
        rows, token = await self._call_page(customer_id, request.page, with_digits_only=True)
        async with self.database.unit_of_work() as uow:
            inbox = await inbox_context(uow, customer_id, rows)
        return calls_pb2.ListKeyPressesResponse(entries=[key_presses_message(row, inbox) for row in rows],
                                                next_page_token=token)

    # ---- protections ---------------------------------------------------------------------

    async def AddDoNotCall(self, request: calls_pb2.AddDoNotCallRequest,
                           context: grpc.aio.ServicerContext) -> calls_pb2.DoNotCallEntry:
        number = _number("number", request.number)
        if request.customer_id:
            scope = require_id("customer_id", request.customer_id)
        else:
            self.settings.require_admin(request.admin_telegram_id)
            scope = PLATFORM
        reason = require_text("reason", request.reason, max_length=200)

        async def work(uow: UnitOfWork) -> calls_pb2.DoNotCallEntry:
            row = await add_entry(uow, number=number, scope=scope, reason=reason)
            return calls_pb2.DoNotCallEntry(number=row.number, customer_id=row.scope, reason=row.reason,
                                            added_at=stamp(row.added_at))

        return await run_idempotent(self.database, request.idempotency_key, request, calls_pb2.DoNotCallEntry,
                                    work)

    async def CheckDoNotCall(self, request: calls_pb2.CheckDoNotCallRequest,
                             context: grpc.aio.ServicerContext) -> calls_pb2.CheckDoNotCallResponse:
        number = _number("number", request.number)
        async with self.database.unit_of_work() as uow:
            row = await blocking_entry(uow, require_id("customer_id", request.customer_id), number)
        return calls_pb2.CheckDoNotCallResponse(blocked=row is not None, reason=row.reason if row else "")

    async def CheckDestination(self, request: calls_pb2.CheckDestinationRequest,
                               context: grpc.aio.ServicerContext) -> calls_pb2.CheckDestinationResponse:
        require_id("customer_id", request.customer_id)
        raw = require_text("number", request.number, max_length=MAX_INPUT_LENGTH * 2)
        region = require_text("default_region", request.default_region, max_length=2).upper() or None
        try:
            number = normalise(raw, default_region=region)
        except InvalidPhoneNumber as error:
            return calls_pb2.CheckDestinationResponse(reason="INVALID_NUMBER", message=error.problem.message)
        async with self.database.unit_of_work() as uow:
            refusal, callable_countries = await destination_check(uow, number, self.settings.allowed_countries)
        answer = calls_pb2.CheckDestinationResponse(number=number, allowed=refusal is None,
                                                    callable_countries=sorted(callable_countries),
                                                    country=country_of(number), number_type=number_type_name(number))
        if refusal is not None:
            answer.reason, answer.message = refusal.reason, refusal.message
        return answer

    async def RunRecoveryTick(self, request: common_pb2.RunTickRequest,
                              context: grpc.aio.ServicerContext) -> common_pb2.TickResult:
        now = require_time("scheduled_at", request.scheduled_at) if request.HasField("scheduled_at") else self.clock()

        async def work(uow: UnitOfWork) -> common_pb2.TickResult:
            looked, resolved = await recover_calls(self.database, self.retell, self.events, now=max(now, self.clock()),
                                                   grace=timedelta(seconds=self.settings.calls_recovery_grace_seconds))
            settled = await self.settlement.settle_pending()
            stopped = await stop_calls_of_suspended_customers(self.database, self.retell)
            retired = await delete_unused_retired(self.database, self.retell)
            return common_pb2.TickResult(name="recovery", processed=looked + settled + stopped + retired,
                                         succeeded=resolved + settled + stopped + retired)

        return await run_tick(self.database, "recovery", request.idempotency_key, request, common_pb2.TickResult, work)

    async def RunRetentionTick(self, request: common_pb2.RunTickRequest,
                               context: grpc.aio.ServicerContext) -> common_pb2.TickResult:
        now = require_time("scheduled_at", request.scheduled_at) if request.HasField("scheduled_at") else self.clock()
        cutoff = retention_cutoff(max(now, self.clock()), self.settings.calls_retention_days)

        async def work(uow: UnitOfWork) -> common_pb2.TickResult:
            # Batches in transactions of their own (retention.py); this one holds the tick's lock.
            purged = await purge_expired(self.database, cutoff)
            uow.after_commit(lambda: record_run(purged))
            return common_pb2.TickResult(name="retention", processed=purged.rows, succeeded=purged.rows)

        return await run_tick(self.database, "retention", request.idempotency_key, request, common_pb2.TickResult,
                              work)

