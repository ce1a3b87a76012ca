"""What a list-parsing worker process runs: `read_call_list`, its answer sent back in columns.

Kept apart from list_imports.py so a worker process imports only the parser (call_lists.py and
phonenumbers), not the service's database, gRPC and settings modules: it starts faster and holds
less memory. The callees travel as one list of plain values per `Callee` field: 100,000 `Callee`
objects would be unpickled in one C call that holds the GIL, so they are rebuilt in a thread of the
service instead (`report_from_columns`), where the event loop keeps getting its turns. The rest of
the report (counts, examples, whatever fields it gains) travels as it is, with no callees.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

from services.calls.call_lists import Callee, ImportReport, read_call_list


@dataclass(frozen=True)
class ParsedColumns:
    callee_columns: list[list[Any]]  # one list per Callee field, in the dataclass's field order
    rest: ImportReport  # the report with no callees


def parse_to_columns(data: bytes, **options: Any) -> ParsedColumns:
    """`read_call_list(data, **options)`, in columns."""
    report = read_call_list(data, **options)
    columns = [[getattr(callee, field.name) for callee in report.callees] for field in fields(Callee)]
    return ParsedColumns(columns, replace(report, callees=[]))


def report_from_columns(parsed: ParsedColumns) -> ImportReport:
    callees = [Callee(*values) for values in zip(*parsed.callee_columns, strict=True)]
    return replace(parsed.rest, callees=callees)
