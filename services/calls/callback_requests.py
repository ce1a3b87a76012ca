"""Which settled calls' callees asked to be called back, and when (callbacks.requested_callback, the
one rule), written on the call row in the settlement's transaction, so the call's `calls.call.ended`
event, its campaign's bookkeeping (campaign_progress.record_call_result) and GetCall all read the
same answer.

Why at settlement and not when the webhook ends the call: the end is written by two paths, one of
them a single statement for many webhooks (ended_calls.py); the settlement takes every ended call
once, in batches, and already stages the events this answer goes into. The statement that marks a
batch settled returns each call's offer and key places with the rest, so deciding takes no query.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update

from services.calls.callbacks import offer_of, requested_callback
from services.calls.key_inputs import place_of
from services.calls.phone_numbers import timezones_of
from services.calls.settings import CallsSettings
from services.calls.tables import calls, campaign_callees
from services.runtime.database import UnitOfWork

# campaign_progress.CalleeWait.CALLBACK: a callee waiting for the callback it asked for.
CALLBACK_WAIT = "callback"


async def note_callbacks(uow: UnitOfWork, settled: Sequence[Any], settings: CallsSettings) -> None:
    """Sets `callback_requested` and `callback_at` on each settled call (as read by the events), and
    writes `callback_at` on the rows of those whose callee asked and has a time in their window. The
    calls are the settlement's rows, which carry their offer and key places."""
    for call in settled:
        call.callback_requested, call.callback_at = False, None
        if not call.digits or call.opted_out or not call.callback_offer or call.ended_at is None:
            continue  # a callee who pressed no key, or was offered no callback, cannot have asked
        request = requested_callback(
            offer=offer_of(call.callback_offer), keys=list(call.digits),
            places=[place_of(place) for place in call.key_places], ended_at=call.ended_at,
            zones=timezones_of(call.to_number), opted_out=call.opted_out,
            window_start=settings.calls_window_start, window_end=settings.calls_window_end)
        if request is None:
            continue
        call.callback_requested, call.callback_at = True, request.at
        if request.at is not None:
            await uow.connection.execute(update(calls).where(calls.c.id == call.id).values(callback_at=request.at))


def callback_due(callee: Any, call: Any) -> datetime | None:
    """When a campaign calls the callee back for this call (its callee row `callee` as it was before
    the call's result); None when the call asked none, had no time in the window, opted out, or the
    callee already had its one callback in this campaign (no loops: the callback call offers it again)."""
    asked_at = getattr(call, "callback_at", None)
    if asked_at is None or call.opted_out or callee.callback_at is not None:
        return None
    return asked_at


async def campaign_callbacks(uow: UnitOfWork, campaign_id: str) -> tuple[int, int]:
    """The campaign's callees who asked to be called back, and of those the ones still waiting for it."""
    asked, waiting = (await uow.connection.execute(select(
        func.count(campaign_callees.c.callback_at),
        func.count().filter(campaign_callees.c.wait_reason == CALLBACK_WAIT, campaign_callees.c.status == "pending"),
    ).where(campaign_callees.c.campaign_id == campaign_id))).one()
    return int(asked), int(waiting)
