"""What a campaign callee becomes when placing.py refuses its try for good (not a pause of the campaign,
not the calling hours: the dispatcher handles those), and why a refused callback leaves it answered.

Why: a callee answered, pressed the flow's callback key and waited for its callback
(callback_requests.py). When the time came its number could be on the do-not-call list (the customer
put it there, or the callee opted out in another call since), and placing.py refused the dial. The
callee was then marked like any callee whose number is refused, skipped with outcome `do_not_call`, and
every report read that as "not reached" (callee_reports.report_category: skipped after a call was
placed) with an unknown failure as its outcome: a callee who answered, and whose answers the customer
has, counted among those nobody reached. The rule, for a try refused with `reason`:

- the callee's callback (it asked in this campaign and its last call is still the call that asked, so
  the callback was never placed) → answered; its call is again the call that asked, so the report
  reads that call's outcome and custom answers; its outcome `callback_refused:<cause>`
  (callbacks.refused_outcome), which the report's callback column says as `not_placed:<cause>`;
- any other try: do-not-call → skipped, anything else → failed, with the reason as its outcome.

Examples: a callee waiting for its callback, number added to the do-not-call list meanwhile →
("answered", "callback_refused:do_not_call"); a callee's first try refused as do-not-call → ("skipped",
"do_not_call"); a retry after a callback that was placed and not answered, refused → ("skipped",
"do_not_call"): its last call, the callback, reached no one.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from services.calls.callbacks import refused_outcome
from services.calls.callee_reports import CalleeStatus
from services.calls.tables import calls
from services.runtime.database import UnitOfWork

DO_NOT_CALL = "DO_NOT_CALL"


async def refused_try(uow: UnitOfWork, callee: Any, reason: str) -> dict[str, Any]:
    """The campaign_callees values for `callee` (its row as claimed) after its try was refused (see
    the module's rule)."""
    if await is_its_callback(uow, callee):
        return {"status": CalleeStatus.ANSWERED.value, "outcome": refused_outcome(reason),
                "call_id": callee.last_call_id, "next_attempt_at": None}
    status = CalleeStatus.SKIPPED if reason == DO_NOT_CALL else CalleeStatus.FAILED
    return {"status": status.value, "outcome": reason.lower()}


async def is_its_callback(uow: UnitOfWork, callee: Any) -> bool:
    """Whether the callee's try is the callback it asked for: its last call asked for the callback it
    waits for (a callback once placed is the last call, and asks for no second one in a campaign)."""
    if callee.callback_at is None or callee.last_call_id is None:
        return False
    asked_at = (await uow.connection.execute(
        select(calls.c.callback_at).where(calls.c.id == callee.last_call_id))).scalar_one_or_none()
    return asked_at is not None and asked_at == callee.callback_at
