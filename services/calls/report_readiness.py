"""When a campaign's completion report may be made: once every answer it shows has come, or once a
bounded wait for the missing ones has passed. Pure: no I/O.

Why: Retell sends `call_ended` first and `call_analyzed` (the answers to the flow's custom fields,
`call_analysis.custom_analysis_data`) seconds to minutes later. A campaign declared complete on its
last call's end sent its report (the CSV, the outcomes chart, the answers chart) before its last
answers came. So a campaign with nothing left to dial completes only when this rule says its report is
ready (campaign_progress.after_progress, the one place a campaign completes), whichever path asks: the
settlement of its last call, the call_analyzed webhook, the campaign tick. Everything the rule reads is
in the calls rows, so any replica, before or after a restart, decides alike.

A call's answers are awaited when it connected (`ended`: Retell analyses only a call that connected),
it was dialled with custom fields (calls.custom_fields; without fields the analysis adds nothing the
report's answer columns show) and its analysis has not come. Only each callee's last call counts: it is
the one the report shows. A call whose analysis never comes (Retell lost it) holds the report for at
most `wait` after its end was settled (CALLS_REPORT_ANALYSIS_WAIT_MINUTES); the report then says which
calls' answers are not in (campaign_report.ANSWERS_PENDING). Time passes only for the campaign tick,
so it is the path that gives a wait; the others pass None and complete a campaign only when nothing is
awaited.

Examples, `wait` 10 min, now 12:20:
    no call awaits its answers                                  → ready
    one awaits them, settled 12:15                              → not ready (waited 5 min)
    one awaits them, settled 12:10                              → ready (reported without them)
    two await them, settled 12:05 and 12:15                     → not ready
    one awaits them, settled 12:05, `wait` None (no time passes) → not ready
    a call that failed, or has no fields, with no analysis       → ready (nothing to wait for)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from services.calls.call_outcomes import ENDED
from services.calls.custom_fields import fields_from_value


@dataclass(frozen=True)
class LastCall:
    """What the rule reads of a callee's last call (a calls row)."""

    status: str
    custom_fields: Any  # the fields it was dialled with, as stored (custom_fields.definitions_value)
    analyzed_at: datetime | None
    settled_at: datetime | None = None  # when its end was settled: the wait counts from then

    @property
    def answers_awaited(self) -> bool:
        return self.status == ENDED and self.analyzed_at is None and bool(fields_from_value(self.custom_fields))


def still_waiting(call: LastCall, now: datetime, wait: timedelta | None) -> bool:
    """The call's answers are awaited and the wait for them has not passed. A call with no settled
    time cannot be timed: it holds no report that has a wait."""
    if not call.answers_awaited:
        return False
    return wait is None or (call.settled_at is not None and now < call.settled_at + wait)


def report_ready(calls: Iterable[LastCall], now: datetime, wait: timedelta | None) -> bool:
    """No call holds the report: every answer is in, or its wait has passed (`wait` None: no wait passes)."""
    return not any(still_waiting(call, now, wait) for call in calls)
