"""The campaign dispatcher: keeps calls in flight at, never above, the allowed level (Retell's
concurrency minus a reserve, the platform cap, each customer's cap) and calls each callee only
inside the callee's own calling window; callees outside it wait while the rest of the list goes on.

A callee is claimed (status dialing, a new try) and committed before its call is placed, with the
try in the call's idempotency key, so after a crash the same try is resumed, never dialled anew.
It runs continuously, woken when calls settle; the campaign tick is only its safety net.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update

from services.calls.admission import AdmissionRefusal
from services.calls.callback_refusals import refused_try
from services.calls.calling_window import next_allowed
from services.calls.campaign_dial_stops import DialStopped
from services.calls.campaign_progress import CalleeWait, after_progress, announce_waiting
from services.calls.campaigns import act_on_campaign
from services.calls.flow_variables import FLOW_NEEDS_VARIABLES
from services.calls.limits import IN_FLIGHT, CallCapReached, CustomerSuspended, limits_for, room_left, usage_of
from services.calls.phone_numbers import timezones_of
from services.calls.placing import CallPlacer, CallRequest
from services.calls.retell_client import RetellClient
from services.calls.settings import CallsSettings
from services.calls.tables import calls, campaign_callees, campaigns
from services.runtime.background import keep_passing
from services.runtime.database import Database, UnitOfWork
from services.runtime.errors import DependencyUnavailable, DomainError, QuotaExceeded
from services.runtime.outbox import OutboxRelay
from services.runtime.tracing import trace_id_of, traced

log = logging.getLogger(__name__)

MONEY_REASONS = frozenset({AdmissionRefusal.INSUFFICIENT_FUNDS, AdmissionRefusal.CUSTOMER_IN_DEBT,
                           AdmissionRefusal.RECORDING_FEE_NOT_COVERED, "NOT_ENOUGH_PLAN_MINUTES"})
# Refusals that hold for every callee alike (every admission refusal among them: a plan without
# transfer refuses the campaign's flow for all): the campaign pauses instead of failing its list,
# with the refusal's reason as its pause reason (the bot has words for each, in every language).
PAUSE_REASONS = MONEY_REASONS | set(AdmissionRefusal) | {"CUSTOMER_SUSPENDED", "FLOW_NOT_APPROVED", "FLOW_NOT_FOUND",
                                                           FLOW_NEEDS_VARIABLES}
RETRY_TRANSIENT_AFTER = timedelta(seconds=15)


@dataclass(frozen=True)
class RetellLines:
    """Retell's lines when last asked: the account's limit, and how many were in use by calls the
    dispatcher did not place."""

    limit: int
    elsewhere: int


class Dispatcher:
    def __init__(self, database: Database, placer: CallPlacer, retell: RetellClient, settings: CallsSettings,
                 relay: OutboxRelay | None, clock: Callable[[], datetime], *, interval_seconds: float = 0.5) -> None:
        self.database = database
        self.placer = placer
        self.retell = retell
        self.settings = settings
        self.relay = relay
        self.clock = clock
        self.interval_seconds = interval_seconds
        self._wake = asyncio.Event()
        self._lines: tuple[float, RetellLines] = (float("-inf"), RetellLines(limit=0, elsewhere=0))
        self._resume_after = timedelta(seconds=settings.calls_dispatch_resume_seconds)

    def wake(self) -> None:
        self._wake.set()

    async def run_forever(self) -> None:
        async def one_pass() -> bool:
            return await self.dispatch_once() > 0  # placed some: there may be room for more

        await keep_passing(one_pass, self._wake, poll_seconds=self.interval_seconds,
                           on_failure=lambda error: log.error("dispatch pass failed", exc_info=error))

    async def _room(self, own_in_flight: int) -> int:
        """How many more calls may go out now: Retell's limit less the reserve, less the lines in use
        (ours, and those Retell counts that we did not place: inbound calls, other API keys), and
        within the platform's own cap. Just after asking Retell that is limit − reserve −
        max(current_concurrency, ours): ours runs ahead of Retell's count while calls are being placed.
        Between two asks the lines used elsewhere are taken as they were, and ours as they are now."""
        fetched_at, lines = self._lines
        if time.monotonic() - fetched_at >= self.settings.calls_retell_concurrency_refresh_seconds:
            try:
                reported = await self.retell.concurrency()
                lines = RetellLines(limit=reported.limit, elsewhere=max(0, reported.current - own_in_flight))
            except DomainError:
                pass  # the last answer stands (none yet: no room, nothing is dialled blind)
            self._lines = (time.monotonic(), lines)
        retell_room = lines.limit - self.settings.calls_retell_concurrency_reserve - lines.elsewhere - own_in_flight
        return min(retell_room, self.settings.calls_platform_max_concurrent - own_in_flight)

    async def dispatch_once(self) -> int:
        """One pass: claims what may be dialled now and places those calls. Returns calls placed."""
        now = self.clock()
        claimed: list[tuple[Any, Any]] = []
        async with self.database.unit_of_work() as uow:
            # One dispatcher at a time across replicas, so two never fill the same free slots.
            locked = (await uow.connection.execute(select(func.pg_try_advisory_xact_lock(0x5C_D15A)))).scalar()
            if not locked:
                return 0
            running = (await uow.connection.execute(select(campaigns).where(campaigns.c.status == "running")
                                                    .order_by(campaigns.c.started_at))).all()
            if not running:
                return 0
            platform_room = await self._room(await _in_flight(uow))
            for campaign in running:
                if platform_room <= 0:
                    break
                limits = await limits_for(uow, campaign.customer_id, self.settings, now)
                room = min(platform_room, room_left(limits, await usage_of(uow, campaign.customer_id, now)))
                if limits.suspended:
                    await act_on_campaign(uow, self.relay, action="pause", campaign_id=campaign.id,
                                          customer_id=campaign.customer_id, now=now,
                                          reason=CustomerSuspended.default_reason)
                    continue
                # Tries that never reached their call are already counted in flight: resumed regardless.
                for callee in await self._resumable(uow, campaign, now):
                    claimed.append((campaign, callee))
                if room <= 0:
                    continue
                for callee in await self._claim(uow, campaign, room, now):
                    claimed.append((campaign, callee))
                    platform_room -= 1
            await uow.commit()
        if not claimed:
            return 0
        pauses: dict[str, tuple[Any, str]] = {}
        results = await asyncio.gather(*(self._place(campaign, callee, pauses) for campaign, callee in claimed))
        # After the pass's dials: a pause stops every dial of its campaign not yet made (campaign_dial_stops.py),
        # and the calls this pass admitted and funded go out before the campaign pauses for the next one.
        for campaign, reason in pauses.values():
            with traced(trace_id_of(campaign.id)):
                async with self.database.unit_of_work() as uow:
                    await act_on_campaign(uow, self.relay, action="pause", campaign_id=campaign.id,
                                          customer_id=campaign.customer_id, now=self.clock(), reason=reason)
                    await uow.commit()
        return sum(results)

    async def _resumable(self, uow: UnitOfWork, campaign: Any, now: datetime) -> list[Any]:
        """Tries that never reached their call row (a crash, a provider outage): the same try again."""
        rows = (await uow.connection.execute(
            update(campaign_callees).where(
                campaign_callees.c.campaign_id == campaign.id, campaign_callees.c.status == "dialing",
                campaign_callees.c.call_id.is_(None), campaign_callees.c.next_attempt_at <= now)
            .values(next_attempt_at=now + self._resume_after).returning(*campaign_callees.c))).all()
        return list(rows)

    async def _claim(self, uow: UnitOfWork, campaign: Any, room: int, now: datetime) -> list[Any]:
        due = (await uow.connection.execute(
            select(campaign_callees).where(
                campaign_callees.c.campaign_id == campaign.id, campaign_callees.c.status == "pending",
                or_(campaign_callees.c.next_attempt_at.is_(None), campaign_callees.c.next_attempt_at <= now))
            .order_by(campaign_callees.c.position).limit(room * 4).with_for_update(skip_locked=True))).all()
        claimed: list[Any] = []
        newly_waiting = False
        for callee in due:
            if len(claimed) >= room:
                break
            key = and_(campaign_callees.c.campaign_id == callee.campaign_id,
                       campaign_callees.c.position == callee.position)
            allowed = next_allowed(now, timezones_of(callee.number), self.settings.calls_window_start,
                                   self.settings.calls_window_end)
            if allowed is None:
                await uow.connection.execute(update(campaign_callees).where(key)
                                             .values(status="skipped", outcome="no_calling_window"))
            elif allowed > now:
                await uow.connection.execute(update(campaign_callees).where(key).values(
                    next_attempt_at=allowed, wait_reason=CalleeWait.CALLING_HOURS))
                newly_waiting = True
            else:
                claimed.append((await uow.connection.execute(
                    update(campaign_callees).where(key).values(
                        status="dialing", tries=campaign_callees.c.tries + 1, next_attempt_at=now + self._resume_after,
                        wait_reason=CalleeWait.NONE)
                    .returning(*campaign_callees.c))).one())
        if newly_waiting:  # the progress message says why these callees are not called now
            await announce_waiting(uow, self.relay, campaign.id, now)
        return claimed

    async def _place(self, campaign: Any, callee: Any, pauses: dict[str, tuple[Any, str]]) -> int:
        # A campaign's dialling is traced by its id (services/runtime/tracing.py): the wallet's holds,
        # Retell's refusals and the pauses of one campaign are one query (each call runs in its own task).
        with traced(trace_id_of(campaign.id)):
            return await self._place_traced(campaign, callee, pauses)

    async def _place_traced(self, campaign: Any, callee: Any, pauses: dict[str, tuple[Any, str]]) -> int:
        key = f"campaign:{campaign.id}:{callee.position}:{callee.tries}"
        request = CallRequest(
            idempotency_key=key, customer_id=campaign.customer_id, flow_id=campaign.flow_id,
            to_number=callee.number, caller_id=campaign.caller_id, max_minutes=campaign.max_minutes_per_call,
            record=False, campaign_id=campaign.id,
            # Every column of the callee's list line (flow_variables.py); a callee from before has its name.
            variables={**({"name": callee.name} if callee.name else {}), **(callee.variables or {})},
        )
        fingerprint = hashlib.sha256(f"{key}\0{callee.number}\0{campaign.flow_id}".encode()).digest()
        where = and_(campaign_callees.c.campaign_id == campaign.id, campaign_callees.c.position == callee.position,
                     campaign_callees.c.tries == callee.tries)
        try:
            call = await self.placer.start_call(request, fingerprint)
        except DialStopped:
            return 0  # paused, cancelled or Retell's lines busy: the callee is already back on the list
        except (DependencyUnavailable, QuotaExceeded) as error:
            # Retell or the wallet is out of reach or busy: the same try is resumed shortly.
            retry_at = self.clock() + (timedelta(minutes=5) if isinstance(error, CallCapReached)
                                       else RETRY_TRANSIENT_AFTER)
            await self._update(where, next_attempt_at=retry_at)
            return 0
        except DomainError as error:
            await self._refused(campaign, callee, where, error, pauses)
            return 0
        # Only if the settlement did not get there first (a call that ended before we got here).
        await self._update(and_(where, campaign_callees.c.status == "dialing", campaign_callees.c.call_id.is_(None)),
                           call_id=call.id, attempts=campaign_callees.c.attempts + 1)
        return 1

    async def _refused(self, campaign: Any, callee: Any, where: Any, error: DomainError,
                       pauses: dict[str, tuple[Any, str]]) -> None:
        now = self.clock()
        async with self.database.unit_of_work() as uow:
            if error.reason in PAUSE_REASONS:
                await uow.connection.execute(update(campaign_callees).where(where)
                                             .values(status="pending", next_attempt_at=None))
                pauses.setdefault(campaign.id, (campaign, error.reason))
            elif error.reason == "OUTSIDE_CALLING_WINDOW" and "next_allowed_at" in error.metadata:
                await uow.connection.execute(update(campaign_callees).where(where).values(
                    status="pending", next_attempt_at=datetime.fromisoformat(error.metadata["next_allowed_at"]),
                    wait_reason=CalleeWait.CALLING_HOURS))
            else:
                # Skipped or failed; a refused callback leaves its callee answered (callback_refusals.py).
                await uow.connection.execute(update(campaign_callees).where(where)
                                             .values(**await refused_try(uow, callee, error.reason)))
                await after_progress(uow, self.relay, campaign.id, now)
            await uow.commit()

    async def _update(self, where: Any, **values: Any) -> None:
        async with self.database.unit_of_work() as uow:
            await uow.connection.execute(update(campaign_callees).where(where).values(**values))
            await uow.commit()


async def _in_flight(uow: UnitOfWork) -> int:
    calls_in_flight = (await uow.connection.execute(
        select(func.count()).select_from(calls).where(calls.c.status.in_(IN_FLIGHT)))).scalar_one()
    # Claimed tries whose call row does not exist yet (a row that exists is counted above).
    placed = select(calls.c.id).where(calls.c.campaign_id == campaign_callees.c.campaign_id,
                                      calls.c.to_number == campaign_callees.c.number, calls.c.status.in_(IN_FLIGHT))
    claimed_not_placed = (await uow.connection.execute(
        select(func.count()).select_from(campaign_callees).where(
            campaign_callees.c.status == "dialing", campaign_callees.c.call_id.is_(None),
            ~placed.exists()))).scalar_one()
    return int(calls_in_flight) + int(claimed_not_placed)
