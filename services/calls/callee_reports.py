"""Which count of a campaign's report each callee falls in: the one rule that the progress message,
the outcome chart and the CSV report all count by (through `campaign_progress.totals` and
`campaign_report.report_csv`), so that the three agree.

Why: a callee the cancel left uncalled was "failed" in the progress message, "not reached" in the
chart and "skipped" in the CSV, because each read the callee's stored status its own way. The rule,
from the callee's status, how many calls were placed to it, and whether its campaign is over:

- answered → ANSWERED; dialing (a call in flight) → IN_PROGRESS;
- pending in a campaign still going (draft, scheduled, running, paused) → WAITING (first call or retry);
- failed → NOT_REACHED (called and never answered, or given up as undialable after its tries), or
  VOICEMAIL when its last call reached a voicemail (its outcome is `voicemail_reached`);
- skipped, or pending in a campaign that is over (a retry the cancel overtook): with a call placed
  → NOT_REACHED (VOICEMAIL after a voicemail), with none → NOT_CALLED (the cancel, or an opt-out of
  the same number, came first).

Examples: ("skipped", 0 attempts, cancelled) → not called; ("skipped", 1, cancelled) → not reached;
("pending", 1, running) → waiting; ("pending", 1, cancelled) → not reached; ("failed", 2, running,
voicemail_reached) → voicemail; ("pending", 1, running, voicemail_reached) → waiting.
"""

from __future__ import annotations

from enum import StrEnum


class CalleeStatus(StrEnum):
    """A campaign callee's stored status (campaign_callees.status)."""

    PENDING = "pending"
    DIALING = "dialing"
    ANSWERED = "answered"
    FAILED = "failed"
    SKIPPED = "skipped"


class ReportCategory(StrEnum):
    """A callee's line in the reports; the value is the CSV's status column."""

    ANSWERED = "answered"
    NOT_REACHED = "not reached"
    NOT_CALLED = "not called"
    IN_PROGRESS = "in progress"
    WAITING = "waiting"
    VOICEMAIL = "voicemail"


# Campaign statuses after which no callee is called again.
CAMPAIGN_OVER = frozenset({"completed", "cancelled"})
# The outcome a callee row records when its last call reached a voicemail (campaign_retries.py).
VOICEMAIL_OUTCOME = "voicemail_reached"


def report_category(status: str, attempts: int, campaign_status: str, outcome: str = "") -> ReportCategory:
    """The callee's category (see the module's docstring); `attempts` counts calls placed to it and
    `outcome` is the callee row's outcome."""
    if status == CalleeStatus.ANSWERED:
        return ReportCategory.ANSWERED
    if status == CalleeStatus.DIALING:
        return ReportCategory.IN_PROGRESS
    if status == CalleeStatus.PENDING and campaign_status not in CAMPAIGN_OVER:
        return ReportCategory.WAITING
    if status == CalleeStatus.FAILED or attempts > 0:
        return ReportCategory.VOICEMAIL if outcome == VOICEMAIL_OUTCOME else ReportCategory.NOT_REACHED
    return ReportCategory.NOT_CALLED
