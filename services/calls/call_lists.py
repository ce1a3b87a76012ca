"""Reading a customer's list of numbers: pasted text or an uploaded CSV/TXT file. Pure.

One number per line, or a CSV with a header naming a phone column; every other column of the header
row becomes one of the script's variables (`{{first_name}}`, `{{amount}}`: flow_variables.py names them),
and the name column also answers to `{{name}}`. Given the variables its flow needs, a list that lacks a
column for one, or has lines with an empty value for one, is refused, naming the variables and lines.
Numbers are normalised to E.164 in the customer's default region and de-duplicated; numbers no call
may go to (premium-rate, shared-cost, other kinds of line than landline and mobile, countries outside
`callable_countries`: destinations.py) are dropped with their reason; what is dropped is counted and
the first lines of each kind are kept for the report. Nothing in the input can raise past `read_call_list`.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumber, PhoneNumberFormat

from services.calls.destinations import DestinationRefusal, country_refusal, type_refusal
from services.calls.flow_variables import NAME_VARIABLE, lacking, list_columns, missing_columns
from services.calls.list_values import MAX_VALUE, value_problem

MAX_NUMBERS = 100_000
MAX_BYTES = 8 * 1024 * 1024
EXAMPLES_KEPT = 5
PHONE_HEADERS = ("phone", "number", "phone_number", "mobile", "tel", "telephone", "msisdn", "to")
NAME_HEADERS = ("name", "first_name", "full_name", "contact", "customer")
MAX_NAME = 60
MAX_REASON = 240  # characters of a dropped line's reason kept for the report
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")


@dataclass(frozen=True)
class Callee:
    number: str
    name: str = ""
    # One value per variable of the list (ImportReport.variables), in that order ("" for an empty cell).
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class LackingLine:
    """A list line with no value for variables the flow uses."""

    line: int  # as the customer's file numbers it, the header being line 1
    variables: tuple[str, ...]


@dataclass
class ImportReport:
    callees: list[Callee] = field(default_factory=list)
    lines_read: int = 0
    invalid: int = 0
    duplicates: int = 0
    over_limit: int = 0
    invalid_examples: list[str] = field(default_factory=list)
    duplicate_examples: list[str] = field(default_factory=list)
    refusal: str = ""
    # Numbers no call may go to, and the first of them with each one's reason (destinations.py).
    refused: int = 0
    refused_examples: list[DestinationRefusal] = field(default_factory=list)
    # Lines dropped for a value no call may carry (list_values.py), and the first reasons.
    flagged: int = 0
    flagged_examples: list[str] = field(default_factory=list)
    # The list's variables (its header's columns but the phone's: flow_variables.py), and, given the
    # variables its flow needs, those no column gives and the lines that leave one empty.
    variables: list[str] = field(default_factory=list)
    missing_variables: list[str] = field(default_factory=list)
    lacking: int = 0
    lacking_examples: list[LackingLine] = field(default_factory=list)

    def values_of(self, callee: Callee) -> dict[str, str]:
        return callee_values(self.variables, callee)

    def note(self, examples: list[str], line: str) -> None:
        if len(examples) < EXAMPLES_KEPT:
            examples.append(line[:60])


def callee_values(variables: list[str], callee: Callee) -> dict[str, str]:
    """The callee's variables as a call sends them (only those with a value): (["first_name", "amount"],
    Callee("+1…", "Ada", ("Ada", ""))) → {"first_name": "Ada"}."""
    return {name: value for name, value in zip(variables, callee.values, strict=False) if value}


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "utf-16"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _columns(header: list[str]) -> tuple[int, int] | None:
    names = [cell.strip().lower().replace(" ", "_") for cell in header]
    phone = next((names.index(name) for name in PHONE_HEADERS if name in names), None)
    if phone is None:
        return None
    name = next((names.index(candidate) for candidate in NAME_HEADERS if candidate in names), -1)
    return phone, name


@dataclass(frozen=True)
class _Row:
    number: str  # as written
    name: str
    line: str  # as written, for the report's examples
    values: tuple[tuple[str, str], ...]  # (where, value) of every cell but the number, for list_values
    line_number: int = 0
    variables: tuple[str, ...] = ()  # one per variable of the list, in its order


def _variable_cells(header: list[str], phone: int, name: int) -> tuple[list[str], list[int]]:
    """The list's variables and the column each is read from; the name column's value answers to
    {{name}} too."""
    columns = list_columns(header, phone=phone, name=name)
    variables = [variable for variable in columns.variables if variable]
    sources = [index for index, variable in enumerate(columns.variables) if variable]
    if name >= 0 and NAME_VARIABLE not in variables:
        variables.append(NAME_VARIABLE)
        sources.append(name)
    return variables, sources


def _rows(text: str) -> tuple[list[_Row], int, list[str]]:
    """Every non-empty line, how many lines were read, and the list's variables."""
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), "")
    dialect_delimiter = ";" if first.count(";") > first.count(",") else ","
    header = next(csv.reader([first], delimiter=dialect_delimiter)) if first else []
    columns = _columns(header) if first else None
    rows: list[_Row] = []
    if columns is not None:
        phone, name = columns
        variables, sources = _variable_cells(header, phone, name)
        labels = [cell.strip()[:30] or f"{index + 1}" for index, cell in enumerate(header)]
        reader = csv.reader(io.StringIO(text), delimiter=dialect_delimiter)
        next(reader, None)
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            number = cells[phone].strip() if phone < len(cells) else ""
            person = cells[name].strip() if 0 <= name < len(cells) else ""
            values = tuple((f"list line {reader.line_num}, column {(labels + [''] * len(cells))[index] or index + 1}",
                            cell.strip()) for index, cell in enumerate(cells) if index != phone and cell.strip())
            rows.append(_Row(number, person, dialect_delimiter.join(cells), values, reader.line_num,
                             tuple(cells[index].strip() if index < len(cells) else "" for index in sources)))
        return rows, len(lines), variables
    for line_number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if not stripped:
            continue
        # "number" alone, or "number, name" without a header.
        number, _, person = stripped.partition(",") if "," in stripped else (stripped, "", "")
        values = ((f"list line {line_number}, name", person.strip()),) if person.strip() else ()
        rows.append(_Row(number.strip(), person.strip(), stripped, values, line_number, (person.strip(),)))
    return rows, len(lines), [NAME_VARIABLE]


def _value_problem(row: _Row) -> str | None:
    """Why a line's values may not reach a call (list_values.py); the name is held to MAX_NAME."""
    for where, value in row.values:
        problem = value_problem(value, where=where, max_length=MAX_NAME if value == row.name else MAX_VALUE)
        if problem is not None:
            return problem
    return None


def _normalise(raw: str, region: str | None) -> PhoneNumber | None:
    if _E164.match(raw):
        candidate = raw
    else:
        cleaned = re.sub(r"[\s().\-/]", "", raw)
        if not cleaned or len(cleaned) > 20:
            return None
        candidate = cleaned
    try:
        parsed = phonenumbers.parse(candidate, region)
    except NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return parsed


def _refusal(parsed: PhoneNumber, number: str, callable_countries: frozenset[str] | None) -> DestinationRefusal | None:
    refusal = type_refusal(parsed, number)
    if refusal is None and callable_countries is not None:
        refusal = country_refusal(phonenumbers.region_code_for_number(parsed) or "", number, callable_countries)
    return refusal


def read_call_list(data: bytes | str, *, default_region: str | None = None,
                   callable_countries: frozenset[str] | None = None, needed_variables: tuple[str, ...] = ()
                   ) -> ImportReport:
    """`callable_countries`: the countries this list's calls can reach (the allow-list, narrowed to
    what its caller ID can call); None checks the kind of line only. `needed_variables`: those the
    campaign's flow uses (flow_variables.list_variables); a list without one is refused."""
    report = ImportReport()
    raw = data.encode() if isinstance(data, str) else data
    if len(raw) > MAX_BYTES:
        report.refusal = f"the list is larger than {MAX_BYTES // (1024 * 1024)} MB; split it into smaller lists"
        return report
    try:
        rows, report.lines_read, report.variables = _rows(_decode(raw))
    except csv.Error:  # a quote left open swallows the rest of the file into one oversized field
        report.refusal = "the file is not a readable CSV (a quote may be left open); save it again as CSV"
        return report
    if not rows:
        report.refusal = "the list has no numbers in it"
        return report
    report.missing_variables = missing_columns(needed_variables, report.variables)
    if report.missing_variables:
        named = ", ".join(f"{{{{{name}}}}}" for name in report.missing_variables)
        report.refusal = (f"the flow says {named}, and the list has no column for it: add a header row with a "
                          f"column named {', '.join(report.missing_variables)} and send the list again")
        return report
    seen: set[str] = set()
    for row in rows:
        number, name, line = row.number, row.name, row.line
        parsed = _normalise(number, default_region)
        if parsed is None:
            report.invalid += 1
            report.note(report.invalid_examples, line)
            continue
        normalised = phonenumbers.format_number(parsed, PhoneNumberFormat.E164)
        if normalised in seen:
            report.duplicates += 1
            report.note(report.duplicate_examples, line)
            continue
        refusal = _refusal(parsed, normalised, callable_countries)
        if refusal is not None:
            seen.add(normalised)
            report.refused += 1
            if len(report.refused_examples) < EXAMPLES_KEPT:
                report.refused_examples.append(refusal)
            continue
        problem = _value_problem(row)
        if problem is not None:
            report.flagged += 1
            if len(report.flagged_examples) < EXAMPLES_KEPT:
                report.flagged_examples.append(problem[:MAX_REASON])
            continue
        empty = lacking(needed_variables, dict(zip(report.variables, row.variables, strict=False)))
        if empty:
            report.lacking += 1
            if len(report.lacking_examples) < EXAMPLES_KEPT:
                report.lacking_examples.append(LackingLine(row.line_number, tuple(empty)))
            continue
        if len(report.callees) >= MAX_NUMBERS:
            report.over_limit += 1
            continue
        seen.add(normalised)
        report.callees.append(Callee(normalised, name[:MAX_NAME], row.variables))
    if report.lacking:
        # What the callee would hear is "{{amount}}" as it stands (Retell leaves a variable it was not
        # given): the list is refused instead, naming the lines (flow_variables.py).
        lines = ", ".join(str(example.line) for example in report.lacking_examples)
        more = f" and {report.lacking - len(report.lacking_examples)} more" if report.lacking > EXAMPLES_KEPT else ""
        plural = "s" if report.lacking > 1 else ""
        verb = "have" if plural else "has"
        report.refusal = (f"list line{plural} {lines}{more} {verb} no value for a variable the flow says: fill them "
                          f"in or remove those lines, and send the list again")
    elif not report.callees and report.refused:
        report.refusal = (f"none of the numbers can be called: {report.refused_examples[0].message}"
                          if report.refused == 1 or len({r.reason for r in report.refused_examples}) == 1 else
                          "none of the numbers can be called: they are premium-rate, shared-cost or other lines "
                          "than landlines and mobiles, or in countries calls cannot go to")
    elif not report.callees:
        report.refusal = "no valid phone numbers were found; numbers need a country code, like +14155550123"
    return report
