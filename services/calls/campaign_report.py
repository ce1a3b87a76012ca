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

The status column is the callee's report category (callee_reports.py), the same words as the
progress message and the chart count by.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from typing import Protocol

from services.calls.callee_reports import report_category

HEADER = ("number", "name", "status", "attempts", "outcome", "duration_seconds", "digits", "cost_usd")
# OWASP's formula starters, and their full-width forms.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")


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


def report_csv(callees: Iterable[CalleeLine], campaign_status: str) -> bytes:
    """The report of a campaign in `campaign_status`, callees in list order."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL)
    writer.writerow(HEADER)
    for callee in callees:
        category = report_category(callee.status, callee.attempts, campaign_status)
        cells = (callee.number, callee.name, category.value, callee.attempts, callee.outcome,
                 callee.duration_seconds, " ".join(callee.digits or ()), f"{callee.cost_cents / 100:.2f}")
        writer.writerow([spreadsheet_cell(cell) for cell in cells])
    return buffer.getvalue().encode()
