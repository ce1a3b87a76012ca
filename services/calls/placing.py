"""Placing a call (StartCall), safely retryable at every step.

The call's id is derived from the customer and the request's idempotency key, so a retry after a
crash finds the same call: the row is written first (status queued, with the hold it will need),
then the wallet hold (keyed by the call), then Retell's create-phone-call (with the call id as
Retell's idempotency key, so Retell never dials twice), then the row learns Retell's id. A retry
resumes a queued call from wherever it stopped; a refusal after the hold releases it.

When every Retell line is busy, a single call is not refused: it stays queued with its hold and is
marked waiting for a line; the line waiter (line_waiter.py) places it when a line frees, or fails it
after `calls_line_wait_seconds`. A campaign's call is refused, and the dispatcher tries it later.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from services.calls import metrics
from services.calls.admission import Admission, FlowNeeds, WalletQuote, admit
from services.calls.call_store import (
    FAILED,
    QUEUED,
    RINGING,
    STATUS_RANK,
    CallNotFound,
    get_call,
    insert_call,
    update_call,
)
from services.calls.caller_ids import DestinationRefused, choose_caller_id, refuse_destination
from services.calls.calling_window import next_allowed
from services.calls.campaign_dial_stops import (
    DialStopped,
    campaign_status_for_dial,
    stop_campaign_dial,
    stop_for,
)
from services.calls.campaign_progress import DialStop
from services.calls.data_storage import call_agent_override
from services.calls.do_not_call import blocking_entry
from services.calls.flow_approval import NOT_APPROVED, dialable_agent, may_dial, not_approved_message
from services.calls.flow_compiler import CALLEE_DATA_VARIABLE, callee_data_value
from services.calls.flow_specs import (
    callback_offer_of,
    custom_fields_of,
    menu_keys_of,
    opt_out_key_of,
    transfer_numbers_of,
)
from services.calls.flow_variables import FLOW_NEEDS_VARIABLES, lacking, list_variables_of, needs_variables_message
from services.calls.flows import flow_to_dial, get_flow
from services.calls.limits import (
    CustomerSuspended,
    is_suspended,
    limits_for,
    lock_customer,
    refuse_if_over,
    usage_of,
)
from services.calls.phone_numbers import InvalidPhoneNumber, masked, normalise, timezones_of
from services.calls.retell_client import RetellBusy, RetellClient, RetellRejected
from services.calls.settings import CallsSettings
from services.calls.settlement_state import SettlementState
from services.calls.wallet_calls import wallet_call
from services.runtime.database import Database, UnitOfWork
from services.runtime.errors import DomainError, FailedPrecondition, IdempotencyKeyReused, InvalidArgument
from services.runtime.failpoints import failpoint
from speechcue.wallet.v1 import wallet_pb2, wallet_pb2_grpc

log = logging.getLogger(__name__)

CALL_NAMESPACE = uuid.UUID("6f1d3c4e-2a7b-4f0e-9a51-7c3e8d2b1a90")


class Refused(FailedPrecondition):
    """A call refused before dialling, with a reason the customer can act on."""


@dataclass(frozen=True)
class CallRequest:
    idempotency_key: str
    customer_id: str
    flow_id: str
    to_number: str
    caller_id: str
    max_minutes: int
    record: bool
    campaign_id: str
    variables: dict[str, str] = field(default_factory=dict)


def call_id_for(customer_id: str, idempotency_key: str) -> str:
    return str(uuid.uuid5(CALL_NAMESPACE, f"{customer_id}\0{idempotency_key}"))


def refuse(reason: str, message: str, **metadata: str) -> Refused:
    metrics.calls_refused_total.labels(reason).inc()
    return Refused(message, reason=reason, **metadata)


@asynccontextmanager
async def counted_refusal() -> AsyncIterator[None]:
    """Counts a destination refusal as a refused call, then lets it go on to the customer."""
    try:
        yield
    except DestinationRefused as refusal:
        metrics.calls_refused_total.labels(refusal.reason).inc()
        raise


def window_refusal(to_number: str, now: datetime, settings: CallsSettings) -> Refused | None:
    """Why the callee may not be called now, or None. Not counted as a refusal here: a quote and the
    line waiter ask too, and a refusal is counted where a call is refused."""
    zones = timezones_of(to_number)
    allowed = next_allowed(now, zones, settings.calls_window_start, settings.calls_window_end)
    hours = f"{settings.calls_window_start:%H:%M}–{settings.calls_window_end:%H:%M}"
    if allowed is None:
        return Refused(f"this number's local time cannot be determined to be within {hours}; it cannot be called",
                       reason="OUTSIDE_CALLING_WINDOW")
    if allowed == now:
        return None
    zone = ZoneInfo(zones[0])
    return Refused(
        f"it is {now.astimezone(zone):%H:%M} for the callee ({zones[0]}); calls are allowed {hours} their time. "
        f"The next allowed time is {allowed.astimezone(zone):%Y-%m-%d %H:%M} their time.",
        reason="OUTSIDE_CALLING_WINDOW", next_allowed_at=allowed.isoformat(),
    )


class CallPlacer:
    def __init__(self, database: Database, wallet: wallet_pb2_grpc.WalletServiceStub, retell: RetellClient,
                 settings: CallsSettings, clock: Callable[[], datetime]) -> None:
        self.database = database
        self.wallet = wallet
        self.retell = retell
        self.settings = settings
        self.clock = clock

    async def start_call(self, request: CallRequest, fingerprint: bytes) -> Any:
        call_id = call_id_for(request.customer_id, request.idempotency_key)
        async with self.database.unit_of_work() as uow:
            existing = await _existing_call(uow, call_id)
            if existing is not None:
                if bytes(existing.request_hash) != fingerprint or existing.customer_id != request.customer_id:
                    raise IdempotencyKeyReused("this idempotency_key was already used for another call")
                if existing.status != QUEUED or existing.waiting_for_line_since is not None:
                    return existing  # placed, ended, or the line waiter's to place
                call = existing
            else:
                call = await self._admit(uow, request, call_id, fingerprint)
                await uow.commit()
        await self._hold(call)
        return await self._dial(call)

    async def _admit(self, uow: UnitOfWork, request: CallRequest, call_id: str, fingerprint: bytes) -> Any:
        """Every check before money or a dial: flow, number, do-not-call, window, caller ID, funds."""
        now = self.clock()
        flow = await get_flow(uow, request.flow_id, customer_id=request.customer_id)
        agent_id = dialable_agent(flow)  # the approved version's, never a draft's
        if agent_id is None:
            raise refuse(NOT_APPROVED, not_approved_message(flow))
        # A variable the flow says and the call has no value for would be spoken as "{{amount}}".
        missing = lacking(list_variables_of(flow.approved_spec or flow.spec), request.variables)
        if missing:
            raise refuse(FLOW_NEEDS_VARIABLES, needs_variables_message(missing), variables=",".join(missing))
        try:
            to_number = normalise(request.to_number)
        except InvalidPhoneNumber as error:
            raise InvalidArgument(f"{error.problem.message}", reason="INVALID_NUMBER", field="to_number") from None
        async with counted_refusal():  # premium-rate, shared-cost, not-allowed country, no caller ID reaches it
            await refuse_destination(uow, to_number, self.settings.allowed_countries)
        if await blocking_entry(uow, request.customer_id, to_number) is not None:
            raise refuse("DO_NOT_CALL", "this number is on the do-not-call list and cannot be called")
        refusal = window_refusal(to_number, now, self.settings)
        if refusal is not None:
            metrics.calls_refused_total.labels(refusal.reason).inc()
            raise refusal
        await lock_customer(uow, request.customer_id)
        refuse_if_over(await limits_for(uow, request.customer_id, self.settings, now),
                       await usage_of(uow, request.customer_id, now))
        async with counted_refusal():
            # A transfer is dialled from the call's own caller ID: it must reach the transfer numbers too.
            transfers = transfer_numbers_of(flow.approved_spec or flow.spec)
            caller_id = await choose_caller_id(uow, request.caller_id, call_id, destinations=[to_number, *transfers],
                                               allowed_countries=self.settings.allowed_countries)
        admission = await self.admission(request.customer_id, flow, max_minutes=request.max_minutes,
                                         record=request.record, bulk=bool(request.campaign_id))
        if admission.refusal is not None:
            raise refuse(admission.refusal, admission.message)
        created = await insert_call(uow, {
            "id": call_id, "customer_id": request.customer_id, "flow_id": flow.id, "campaign_id": request.campaign_id,
            "to_number": to_number, "caller_id": caller_id, "retell_agent_id": agent_id, "status": QUEUED,
            # The approved version's key: the one the dialled agent announces (opt_outs.py reads it).
            "opt_out_key": opt_out_key_of(flow.approved_spec or flow.spec),
            "menu_keys": menu_keys_of(flow.approved_spec or flow.spec),
            "callback_offer": callback_offer_of(flow.approved_spec or flow.spec),
            "custom_fields": custom_fields_of(flow.approved_spec or flow.spec),
            "request_hash": fingerprint,
            "usage_kind": "bulk" if request.campaign_id else "single", "max_minutes": admission.max_minutes,
            "hold_cents": admission.hold_cents, "plan_minutes": admission.plan_minutes, "record": request.record,
            "variables": request.variables, "created_at": now,
        })
        if created is None:
            raise IdempotencyKeyReused("this call is being placed by a concurrent retry; retry in a moment")
        return created

    async def admission(self, customer_id: str, flow: Any, *, max_minutes: int, record: bool,
                        bulk: bool) -> Admission:
        """What the wallet says of this call now, decided by the one admission rule: QuoteCall asks
        here with the same inputs as the dial (admission.py), so the quote is what the dial does."""
        fee = self.settings.calls_recording_fee_cents if record else 0
        usage_kind = wallet_pb2.USAGE_KIND_BULK if bulk else wallet_pb2.USAGE_KIND_SINGLE
        async with wallet_call("quoting the call"):
            quote = await self.wallet.QuoteCall(wallet_pb2.QuoteCallRequest(
                customer_id=customer_id, usage_kind=usage_kind, max_minutes=max_minutes, extra_cents=fee), timeout=10)
        # The approved version is the one that dials (dialable_agent); a draft is quoted as it stands.
        return admit(WalletQuote.of(quote), asked_minutes=max_minutes, recording_fee_cents=fee,
                     needs=FlowNeeds.of(flow.approved_spec or flow.spec))

    async def _hold(self, call: Any) -> None:
        try:
            async with wallet_call("holding the call's cost"):
                await self.wallet.PlaceHold(wallet_pb2.PlaceHoldRequest(
                    idempotency_key=f"hold:{call.id}", customer_id=call.customer_id, call_id=call.id,
                    amount_cents=call.hold_cents, plan_minutes=call.plan_minutes,
                    usage_kind=wallet_usage_kind(call.usage_kind)),
                    timeout=10)
        except DomainError as error:
            if isinstance(error, FailedPrecondition):
                await self._fail(call, error.reason, release=False)
                metrics.calls_refused_total.labels(error.reason).inc()
            raise

    async def dial(self, call: Any) -> Any:
        """Places a queued call whose hold is in place: the call as it is now, placed (ringing), or
        still queued and waiting for a line."""
        return await self._dial(call)

    async def fail_waiting(self, call: Any, reason: str) -> bool:
        """Fails a call still queued (never dialled), its hold released; False if it has moved on
        meanwhile (another replica placed it), and then it is left alone."""
        async with self.database.unit_of_work() as uow:
            if (await get_call(uow, call.id, for_update=True)).status != QUEUED:
                return False
            await update_call(uow, call.id, status=FAILED, failure_reason=reason, ended_at=self.clock(),
                              settlement=SettlementState.PENDING)
            await uow.commit()
        metrics.calls_refused_total.labels(reason).inc()
        return True

    async def _dial(self, call: Any) -> Any:
        async with self.database.unit_of_work() as uow:
            flow = await flow_to_dial(uow, call.flow_id, customer_id=call.customer_id)
            suspended = await is_suspended(uow, call.customer_id)
            # Minutes may have passed since the admission (a wait for a line, a retry): the flow's
            # approved agent of now is dialled, recorded on the row first and under the flow's lock,
            # so an approval meanwhile keeps it until this call ends (retired_agents.py).
            agent_id = dialable_agent(flow)
            if flow is not None and agent_id is not None and not suspended and agent_id != call.retell_agent_id:
                call = await update_call(uow, call.id, retell_agent_id=agent_id,
                                         opt_out_key=opt_out_key_of(flow.approved_spec or flow.spec),
                                         menu_keys=menu_keys_of(flow.approved_spec or flow.spec),
                                         callback_offer=callback_offer_of(flow.approved_spec or flow.spec),
                                         custom_fields=custom_fields_of(flow.approved_spec or flow.spec))
                await uow.commit()
        if suspended:  # the kill switch came between the admission and now
            await self._fail(call, CustomerSuspended.default_reason, release=True)
            raise CustomerSuspended("calling is suspended for this account; contact support")
        if not may_dial(flow, call.retell_agent_id):  # no approved version now (or the flow was deleted)
            await self._fail(call, NOT_APPROVED, release=True)
            raise refuse(NOT_APPROVED, not_approved_message(flow))
        body: dict[str, Any] = {
            "from_number": call.caller_id, "to_number": call.to_number, "override_agent_id": call.retell_agent_id,
            "metadata": {"customer": call.customer_id, "call": call.id, "campaign": call.campaign_id},
            # An AI script reads list values only from its quoted data block (flow_compiler.py).
            "retell_llm_dynamic_variables": {**(call.variables or {}),
                                             CALLEE_DATA_VARIABLE: callee_data_value(call.variables or {})},
            # Retell refuses a number its DNC detection marked: a second net behind our own list.
            "honor_internal_dnc": True,
            # The call's length cap, and no recording kept at Retell unless the customer asked for one.
            "agent_override": call_agent_override(max_minutes=call.max_minutes, record=call.record),
            # Retell keeps the key an hour: a retry of the same call returns the same Retell call.
            "idempotency_key": call.id.replace("-", ""),
        }
        try:
            placed = await (self._create_for_campaign(call, body) if call.campaign_id
                            else self.retell.create_phone_call(body))
        except RetellBusy as error:
            if call.campaign_id:
                raise  # already failed and its hold released (_create_for_campaign): campaign calls never wait
            if not self.settings.calls_line_wait_seconds:
                await self._fail(call, error.reason, release=True)
                raise
            return await self._wait_for_line(call)
        except RetellRejected as error:
            await self._fail(call, error.reason, release=True)
            raise
        failpoint("calls.after_retell_create")
        retell_call_id = str(placed.get("call_id", ""))
        async with self.database.unit_of_work() as uow:
            # Under the customer's lock: a kill switch either sees this call's Retell id or is seen here.
            await lock_customer(uow, call.customer_id)
            suspended = await is_suspended(uow, call.customer_id)
            current = await get_call(uow, call.id, for_update=True)
            values: dict[str, Any] = {"retell_call_id": retell_call_id, "placed_at": self.clock()}
            if STATUS_RANK[current.status] < STATUS_RANK[RINGING]:
                values["status"] = RINGING
            updated = await update_call(uow, call.id, **values)
            await uow.commit()
        if suspended:
            try:
                await self.retell.stop_call(retell_call_id)
            except DomainError as error:
                log.warning("a call placed as calling was suspended could not be stopped (%s)", error.reason)
        metrics.calls_placed_total.labels(call.usage_kind).inc()
        # Its id is the trace of its webhooks (services/runtime/tracing.py): from here an operator follows it.
        log.info("call placed to %s", masked(call.to_number), extra={"fields": {"call_id": call.id}})
        return updated

    async def _create_for_campaign(self, call: Any, body: dict[str, Any]) -> dict[str, Any]:
        """Dials a campaign's call only while its campaign runs, and puts its callee back when the
        campaign stopped meanwhile or Retell's lines are busy (campaign_dial_stops.py)."""
        stop: DialStop | None
        async with self.database.unit_of_work() as uow:
            # Held until Retell has answered: a pause or cancel waits for this dial, or this dial sees it.
            stop = stop_for(await campaign_status_for_dial(uow, call.campaign_id))
            if stop is None:
                try:
                    placed = await self.retell.create_phone_call(body)
                except RetellBusy:
                    stop = DialStop.LINES_BUSY
            await uow.commit()
        if stop is None:
            return placed
        # Its own transaction: the callee's campaign row is locked for update there, never while shared here.
        async with self.database.unit_of_work() as uow:
            returned = await stop_campaign_dial(uow, call, stop, self.clock())
            await uow.commit()
        metrics.calls_refused_total.labels(stop.value).inc()
        if not returned and stop is DialStop.LINES_BUSY:  # booked to the campaign by StartCall: no callee waits
            raise RetellBusy("the calling line is busy right now; try again in a minute")
        log.info("a campaign call to %s was not dialled (%s); its callee is back on the list",
                 masked(call.to_number), stop.value)
        raise DialStopped(f"the call was not dialled ({stop.value}); its callee is back on the campaign's list",
                          reason=stop.value)

    async def _wait_for_line(self, call: Any) -> Any:
        async with self.database.unit_of_work() as uow:
            current = await get_call(uow, call.id, for_update=True)
            if current.status != QUEUED or current.waiting_for_line_since is not None:
                return current  # placed meanwhile by another try, or already waiting
            waiting = await update_call(uow, call.id, waiting_for_line_since=self.clock())
            await uow.commit()
        metrics.calls_line_waits_total.inc()
        log.info("every line is busy; the call to %s waits for one", masked(call.to_number))
        return waiting

    async def _fail(self, call: Any, reason: str, *, release: bool) -> None:
        """Marks a call that never dialled as failed; its hold is released by the settlement."""
        async with self.database.unit_of_work() as uow:
            await update_call(uow, call.id, status=FAILED, failure_reason=reason, ended_at=self.clock(),
                              settlement=SettlementState.PENDING if release else SettlementState.SETTLED)
            await uow.commit()


def wallet_usage_kind(usage_kind: str) -> int:
    return wallet_pb2.USAGE_KIND_BULK if usage_kind == "bulk" else wallet_pb2.USAGE_KIND_SINGLE


async def _existing_call(uow: UnitOfWork, call_id: str) -> Any | None:
    try:
        return await get_call(uow, call_id, for_update=True)
    except CallNotFound:
        return None
