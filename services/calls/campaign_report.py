"""A campaign's CSV report, one line per callee, safe to open in a spreadsheet.

Why: names come from the customer's uploaded list and outcomes from the provider, so a cell can
start with `=HYPERLINK(...)` or `@SUM(...)`, which Excel, LibreOffice and Google Sheets run as a
formula when the customer opens the file (CSV injection). Following OWASP's guidance, every cell is
quoted and a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return (or their
full-width forms, which some spreadsheets also read as formulas) gets a leading `'`, so it shows as
the text it is.

The choice for numbers: a cell that is only a number (`+33612345678`, `-1.50`, `42`) is left as it
is. A sign followed by digits computes nothing but that number, so it cannot run anything; the
callee's number must stay a number the customer can sort, filter and paste into a dialler, and a `'`
in front of it would show in every spreadsheet that imports CSV, not be hidden as when typed.

The callback column is the callback the callee asked for (callbacks.py), in the callee's own time with
its UTC offset; empty when none; `not_placed:<cause>` when it was refused before its dial (its callee
stays answered: callback_refusals.py).

The status column is the callee's report category (callee_reports.py), the same words as the
progress message counts by. The outcome column is the callee's last call's outcome by the one rule
(call_outcomes.py) as its code (`no_answer`, `transferred:+14155550100`, `failed:lines_busy`; empty
for a callee never called): the bot puts the header, the status and the outcome into the customer's
words and counts the chart's bars from the same column (services/bot/campaign_outcomes.py), so the
CSV and the chart cannot disagree, and no provider code reaches the file.

A report made while some calls' custom answers have not come (Retell's call_analyzed is late or lost:
report_readiness.py) ends with a column marking those calls, so the customer knows which answers are
missing rather than reading them as unanswered.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from services.calls.answer_columns import answer_cells, answer_header, report_fields
from services.calls.call_outcomes import ENDED, FAILED, CallOutcome, OutcomeKind, call_outcome
from services.calls.callbacks import not_placed_cell, refusal_of
from services.calls.callee_reports import CalleeStatus, report_category
from services.calls.phone_numbers import timezones_of
from services.calls.report_readiness import LastCall

HEADER = ("number", "name", "status", "attempts", "outcome", "duration_seconds", "digits", "cost_usd", "callback")
# OWASP's formula starters, and their full-width forms.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")
# What the callee rows record in `outcome` besides a call's reason (campaign_progress.py, campaigns.py).
OPTED_OUT = "opted_out"
CANCELLED = "cancelled"
# The facts of a callee's last call that its outcome is decided by, as `call_<column>` on a report line.
CALL_FACTS = ("status", "disconnection_reason", "failure_reason", "in_voicemail", "opted_out", "transfer_number",
              "stopped_by_customer", "custom_fields", "custom_answers", "analyzed_at")
# The last column when some calls' answers are not in yet (report_readiness.py): its header, and the cell
# of each such call; the bot says both in the customer's words.
ANSWERS_PENDING = "answers_pending"
NOT_IN_YET = "not_in_yet"


class CalleeLine(Protocol):
    """What the report reads of a campaign_callees row."""

    @property
    def number(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def attempts(self) -> int: ...
    @property
    def outcome(self) -> str: ...
    @property
    def duration_seconds(self) -> int: ...
    @property
    def digits(self) -> Sequence[str]: ...
    @property
    def cost_cents(self) -> int: ...


def spreadsheet_cell(value: object) -> str:
    """The value as a cell no spreadsheet runs: `=1+1` → `'=1+1`, `+33612345678` unchanged."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def callee_outcome(callee: CalleeLine) -> CallOutcome | None:
    """The outcome of the callee's last call; None for a callee never called (its status says so).

    A callee whose last call is known reads it by the one rule; one waiting for a retry has only the
    reason its last call ended with (`dial_no_answer` → no answer); an opted-out number is opted out."""
    if callee.status == CalleeStatus.DIALING:
        return None  # its call is not over; what earlier tries ended with is not its outcome
    if getattr(callee, "call_status", None):
        def fact(name: str) -> Any:
            return getattr(callee, f"call_{name}")

        outcome = call_outcome(
            status=str(fact("status")), disconnection_reason=fact("disconnection_reason") or "",
            failure_reason=fact("failure_reason") or "", in_voicemail=bool(fact("in_voicemail")),
            opted_out=bool(fact("opted_out")), transfer_number=fact("transfer_number") or "",
            stopped_by_customer=bool(fact("stopped_by_customer")))
        if outcome is not None:
            return outcome
    if callee.outcome == OPTED_OUT:
        return CallOutcome(OutcomeKind.OPTED_OUT)
    if callee.attempts > 0 and callee.outcome and callee.outcome != CANCELLED:
        status = ENDED if callee.status == CalleeStatus.ANSWERED else FAILED
        return call_outcome(status=status, disconnection_reason=callee.outcome, failure_reason=callee.outcome)
    return None


def callback_cell(number: str, at: datetime | None, outcome: str = "") -> str:
    """The callback the callee asked for (callbacks.py), in the callee's own time with its offset
    ("2026-12-04T10:00-05:00"): '' when none; "not_placed:do_not_call" when it was refused (the callee's
    `outcome` says why)."""
    if (refused := refusal_of(outcome)) is not None:
        return not_placed_cell(refused)
    if at is None:
        return ""
    zones = timezones_of(number)
    return (at.astimezone(ZoneInfo(zones[0])) if zones else at).isoformat(timespec="minutes")


def answers_pending(callee: CalleeLine) -> bool:
    """The callee's last call awaits its custom answers (report_readiness.py)."""
    return LastCall(status=getattr(callee, "call_status", None) or "",
                    custom_fields=getattr(callee, "call_custom_fields", None),
                    analyzed_at=getattr(callee, "call_analyzed_at", None)).answers_awaited


def report_csv(callees: Iterable[CalleeLine], campaign_status: str) -> bytes:
    """The report of a campaign in `campaign_status`, callees in list order."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL)
    callees = list(callees)
    # Then a column per custom field of the calls (answer_columns.py).
    fields = report_fields(callees)
    # Then, when some calls' answers have not come (a report sent after its wait for them), which.
    pending = [answers_pending(callee) for callee in callees]
    marked = [ANSWERS_PENDING] if any(pending) else []
    writer.writerow([*HEADER, *answer_header(fields), *marked])
    for callee, waits in zip(callees, pending, strict=True):
        category = report_category(callee.status, callee.attempts, campaign_status, callee.outcome)
        outcome = callee_outcome(callee)
        cells = (callee.number, callee.name, category.value, callee.attempts, outcome.code if outcome else "",
                 callee.duration_seconds, " ".join(callee.digits or ()), f"{callee.cost_cents / 100:.2f}",
                 callback_cell(callee.number, getattr(callee, "callback_at", None), callee.outcome))
        marks = [NOT_IN_YET if waits else ""] if marked else []
        writer.writerow([spreadsheet_cell(cell) for cell in (*cells, *answer_cells(callee, fields), *marks)])
    return buffer.getvalue().encode()
