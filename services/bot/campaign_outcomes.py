"""A campaign's report in the customer's words: the CSV the calls service made, with its header, its
status column and its outcome column put into the chat's language, and the chart's bars counted from
that same outcome column, so the file and the chart say the same words and the same numbers.

The calls service writes each callee's outcome as the code of the one rule (services/calls/
call_outcomes.py: `no_answer`, `failed:lines_busy`, …) and its report category as English words
(services/calls/callee_reports.py); neither reaches the customer as written. A callee never called
has no outcome and is counted under its status (not called; still in progress).
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field

from services.bot.call_texts import FAILURE_CAUSE_IDS, outcome_words
from services.bot.campaign_answers import AnswerColumns
from services.bot.i18n import Words
from services.bot.outcome_chart import BAD, GOOD, NEUTRAL, ONGOING
from services.calls.call_outcomes import OutcomeKind, outcome_of_code
from services.calls.callbacks import not_placed_cause
from services.calls.callee_reports import ReportCategory
from services.calls.campaign_report import ANSWERS_PENDING, HEADER, NOT_IN_YET, spreadsheet_cell

HEADER_IDS = {"number": "outcome.csv.number", "name": "outcome.csv.name", "status": "outcome.csv.status",
              "attempts": "outcome.csv.attempts", "outcome": "outcome.csv.outcome",
              "duration_seconds": "outcome.csv.duration_seconds", "digits": "outcome.csv.digits",
              "cost_usd": "outcome.csv.cost_usd", "callback": "outcome.csv.callback"}
CATEGORY_IDS = {ReportCategory.ANSWERED: "outcome.category.answered",
                ReportCategory.NOT_REACHED: "outcome.category.not_reached",
                ReportCategory.NOT_CALLED: "outcome.category.not_called",
                ReportCategory.IN_PROGRESS: "outcome.category.in_progress",
                ReportCategory.WAITING: "outcome.category.waiting",
                ReportCategory.VOICEMAIL: "outcome.category.voicemail"}
# A bar's colour by what it means: reached, not reached yet (worth another try), failed, no call.
MISSED = "#d97706"
KIND_COLOURS = {OutcomeKind.ANSWERED: GOOD, OutcomeKind.TRANSFERRED: GOOD, OutcomeKind.NO_ANSWER: MISSED,
                OutcomeKind.BUSY: MISSED, OutcomeKind.VOICEMAIL: MISSED, OutcomeKind.OPTED_OUT: NEUTRAL,
                OutcomeKind.STOPPED: NEUTRAL, OutcomeKind.FAILED: BAD}
KIND_ORDER = list(OutcomeKind)


@dataclass(frozen=True)
class CampaignReportInWords:
    csv: bytes
    bars: list[tuple[str, int, str]]  # label, count, colour
    # The custom answers' chart (campaign_answers.py): a bar per answer of each yes/no or choice field.
    answer_bars: list[tuple[str, int, str]] = field(default_factory=list)
    # Callees whose last call's answers had not come when the report was made (report_readiness.py).
    answers_not_in: int = 0


def report_in_words(words: Words, data: bytes) -> CampaignReportInWords:
    """The calls service's CSV in the customer's words, and the chart's bars counted from it."""
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    if not rows or tuple(rows[0][:len(HEADER)]) != HEADER:
        return CampaignReportInWords(data, [])  # not the layout this reads: sent as it is, no bars
    # After the report's own columns, one per custom field (services/calls/answer_columns.py).
    answers = AnswerColumns.of_header(rows[0][len(HEADER):])
    status_at, outcome_at, callback_at = HEADER.index("status"), HEADER.index("outcome"), HEADER.index("callback")
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL)
    # The answer columns are named by the customer's fields: escaped like every cell.
    header = [words(HEADER_IDS[name]) for name in HEADER] + [
        spreadsheet_cell(name) for name in answers.header(rows[0][len(HEADER):])]
    # Last, when some answers had not come: which calls' (services/calls/campaign_report.py).
    pending_at = rows[0].index(ANSWERS_PENDING) if ANSWERS_PENDING in rows[0][len(HEADER):] else None
    if pending_at is not None:
        header[pending_at] = words("outcome.csv.answers_pending")
    writer.writerow(header)
    outcomes: Counter[str] = Counter()
    uncalled: Counter[ReportCategory] = Counter()
    not_in = 0
    for row in rows[1:]:
        cells = list(row)
        if len(cells) != len(rows[0]):
            continue
        cells[len(HEADER):] = answers.row(words, cells[len(HEADER):])
        if pending_at is not None and cells[pending_at] == NOT_IN_YET:
            cells[pending_at] = words("outcome.answers_not_in")
            not_in += 1
        category = _category(cells[status_at])
        if category is not None:
            cells[status_at] = words(CATEGORY_IDS[category])
        if (refused := not_placed_cause(cells[callback_at])) is not None:  # a callback refused before its dial
            cells[callback_at] = words("outcome.csv.callback_not_placed", why=words(FAILURE_CAUSE_IDS[refused]))
        outcome = outcome_of_code(cells[outcome_at])
        cells[outcome_at] = outcome_words(words, outcome) if outcome is not None else ""
        # A callee still being called counts as in progress, whatever its earlier tries ended with.
        if outcome is not None and category not in (ReportCategory.WAITING, ReportCategory.IN_PROGRESS):
            outcomes[outcome.code] += 1
        elif category is not None:
            uncalled[category] += 1
        writer.writerow([spreadsheet_cell(cell) for cell in cells])
    return CampaignReportInWords(buffer.getvalue().encode("utf-8"), _bars(words, outcomes, uncalled),
                                 answers.bars(words), not_in)


def _category(value: str) -> ReportCategory | None:
    try:
        return ReportCategory(value)
    except ValueError:
        return None


def _bars(words: Words, outcomes: Counter[str], uncalled: Counter[ReportCategory]) -> list[tuple[str, int, str]]:
    """One bar per outcome that happened (in the rule's order, then the most frequent first), then the
    callees not called and those still waiting or in flight."""
    def order(code: str) -> tuple[int, int]:
        outcome = outcome_of_code(code)
        return (KIND_ORDER.index(outcome.kind) if outcome else len(KIND_ORDER), -outcomes[code])

    bars: list[tuple[str, int, str]] = []
    for code in sorted(outcomes, key=order):
        outcome = outcome_of_code(code)
        if outcome is not None:
            bars.append((outcome_words(words, outcome), outcomes[code], KIND_COLOURS[outcome.kind]))
    if uncalled[ReportCategory.NOT_CALLED]:
        bars.append((words("campaign.chart.not_called"), uncalled[ReportCategory.NOT_CALLED], NEUTRAL))
    waiting = sum(uncalled[category] for category in (ReportCategory.IN_PROGRESS, ReportCategory.WAITING,
                                                      ReportCategory.ANSWERED, ReportCategory.NOT_REACHED))
    if waiting:
        bars.append((words("campaign.chart.in_progress"), waiting, ONGOING))
    return bars
