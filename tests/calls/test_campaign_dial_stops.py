"""A campaign's call stopped between the dispatcher's claim and Retell: once PauseCampaign or
CancelCampaign has returned no call of the campaign goes out, even for a callee claimed before; and
Retell's lines taken by calls the dispatcher did not place (inbound, other keys) neither fail callees
nor draw calls that Retell would refuse.

The race with a pause or cancel is made to happen every time: the test holds the flow's row, which
every dial reads (`flows.flow_to_dial`) after its callee is claimed and its hold placed, and pauses or
cancels while the dispatcher's dial waits for that row."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import asyncpg
import pytest

from services.calls.campaign_dial_stops import LINES_BUSY_TRIES, lines_busy_backoff
from speechcue.calls.v1 import calls_pb2
from tests.calls.conftest import CallsHarness
from tests.wallet.conftest import ADMIN_ID

CALLEE = "+14155550161"


async def unlimited(calls: CallsHarness, customer: str) -> None:
    await calls.stub.SetCustomerLimits(calls_pb2.SetCustomerLimitsRequest(
        idempotency_key=calls.key("limits"), admin_telegram_id=ADMIN_ID, limits=calls_pb2.CustomerLimits(
            customer_id=customer, max_concurrent_calls=100, calls_per_hour=10_000, calls_per_day=10_000)))


async def new_campaign(calls: CallsHarness, customer: str, flow_id: str, callees: list[str]) -> calls_pb2.Campaign:
    return await calls.stub.CreateCampaign(calls_pb2.CreateCampaignRequest(
        idempotency_key=calls.key("campaign"), customer_id=customer, name="Reminders", flow_id=flow_id,
        list="\n".join(callees).encode()))


def action(customer: str, campaign_id: str, key: str) -> calls_pb2.CampaignActionRequest:
    return calls_pb2.CampaignActionRequest(idempotency_key=key, customer_id=customer, campaign_id=campaign_id)


async def eventually(calls: CallsHarness, query: str, *args: Any, until: Callable[[Any], bool],
                     timeout: float = 30.0) -> Any:
    """Reads `query` from the calls database until `until` holds for its answer: the event, not a guess."""
    connection = await asyncpg.connect(calls.database_url)
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            answer = await connection.fetch(query, *args)
            if until(answer):
                return answer
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"never came true: {query} {args} → {answer}")
            await asyncio.sleep(0.05)
    finally:
        await connection.close()


async def callee_row(calls: CallsHarness, campaign_id: str, until: Callable[[Any], bool]) -> Any:
    [row] = await eventually(
        calls, "SELECT status, outcome, tries, attempts, next_attempt_at FROM campaign_callees WHERE campaign_id = $1",
        campaign_id, until=lambda rows: len(rows) == 1 and until(rows[0]))
    return row


async def settled_calls(calls: CallsHarness, campaign_id: str, count: int) -> list[Any]:
    """The campaign's calls, once `count` of them exist and all are settled (holds captured or released)."""
    return list(await eventually(
        calls, "SELECT status, failure_reason, settlement FROM calls WHERE campaign_id = $1 ORDER BY created_at",
        campaign_id, until=lambda rows: len(rows) == count and all(row["settlement"] == "settled" for row in rows)))


@asynccontextmanager
async def dial_held_up(calls: CallsHarness, flow_id: str) -> AsyncIterator[Callable[[], Awaitable[None]]]:
    """Holds the flow's row, so a dial of the flow waits just before Retell; yields a wait for one to be waiting."""
    connection = await asyncpg.connect(calls.database_url)
    transaction = connection.transaction()
    await transaction.start()
    await connection.execute("SELECT 1 FROM flows WHERE id = $1 FOR UPDATE", flow_id)

    async def a_dial_waits() -> None:
        await eventually(calls, "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND "
                         "wait_event_type = 'Lock' AND query LIKE '%FROM flows%'", until=bool)

    try:
        yield a_dial_waits
    finally:
        await transaction.rollback()
        await connection.close()


async def test_a_callee_claimed_before_the_cancel_is_not_dialled_after_it(calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(5_000)
    flow = await calls.flow(customer)
    await calls.script_callee(CALLEE, duration_ms=5_000)
    created = await new_campaign(calls, customer, flow.id, [CALLEE])
    async with dial_held_up(calls, flow.id) as a_dial_waits:
        await calls.stub.StartCampaign(action(customer, created.id, "start"))
        await a_dial_waits()  # claimed, its hold placed, about to dial
        cancelled = await calls.stub.CancelCampaign(action(customer, created.id, "cancel"))
        assert cancelled.status == calls_pb2.CAMPAIGN_STATUS_CANCELLED
    [stopped] = await settled_calls(calls, created.id, 1)
    assert not calls.retell.calls and calls.retell.create_requests == 0
    assert (stopped["status"], stopped["failure_reason"]) == ("failed", "CAMPAIGN_CANCELLED")
    callee = await callee_row(calls, created.id, until=lambda row: True)
    assert (callee["status"], callee["outcome"], callee["attempts"]) == ("skipped", "cancelled", 0)
    balance = await calls.wallet.balance(customer)
    assert (balance.available_cents, balance.held_cents) == (5_000, 0)


async def test_a_callee_claimed_before_the_pause_waits_for_the_resume_and_is_called_once(
        calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(5_000)
    flow = await calls.flow(customer)
    await calls.script_callee(CALLEE, duration_ms=20_000)
    created = await new_campaign(calls, customer, flow.id, [CALLEE])
    async with dial_held_up(calls, flow.id) as a_dial_waits:
        await calls.stub.StartCampaign(action(customer, created.id, "start"))
        await a_dial_waits()
        paused = await calls.stub.PauseCampaign(action(customer, created.id, "pause"))
        assert paused.status == calls_pb2.CAMPAIGN_STATUS_PAUSED
    [stopped] = await settled_calls(calls, created.id, 1)
    assert not calls.retell.calls
    assert stopped["failure_reason"] == "CAMPAIGN_PAUSED"
    waiting = await callee_row(calls, created.id, until=lambda row: True)
    assert (waiting["status"], waiting["attempts"], waiting["next_attempt_at"]) == ("pending", 0, None)
    assert (await calls.wallet.balance(customer)).available_cents == 5_000

    await calls.stub.ResumeCampaign(action(customer, created.id, "resume"))
    await settled_calls(calls, created.id, 2)
    done = await callee_row(calls, created.id, until=lambda row: row["status"] != "dialing")
    assert (done["status"], done["attempts"]) == ("answered", 1)
    assert [call.record["to_number"] for call in calls.retell.calls.values()] == [CALLEE]
    assert (await calls.wallet.balance(customer)).available_cents == 5_000 - 15  # one minute, once


async def test_lines_taken_elsewhere_leave_the_dispatcher_only_the_free_room(calls: CallsHarness) -> None:
    calls.retell.concurrency_limit = 6  # four for the platform after its reserve of two
    calls.retell.lines_used_elsewhere = 3  # inbound calls, another key: one line is left for us
    customer = await calls.customer_with_money(5_000)
    await unlimited(calls, customer)
    flow = await calls.flow(customer)
    callees = [f"+1415555{number:04d}" for number in range(171, 175)]
    for number in callees:
        await calls.script_callee(number, duration_ms=2_000, ring_ms=100)
    created = await new_campaign(calls, customer, flow.id, callees)
    await calls.stub.StartCampaign(action(customer, created.id, "start"))
    await eventually(calls, "SELECT status FROM campaigns WHERE id = $1", created.id,
                     until=lambda rows: rows[0]["status"] == "completed", timeout=60)
    assert calls.retell.max_concurrent_seen == 1  # one at a time, in the one free line
    assert calls.retell.create_requests == 4  # and never a call Retell had to refuse
    report = await calls.stub.GetCampaign(calls_pb2.GetCampaignRequest(customer_id=customer,
                                                                       campaign_id=created.id))
    assert (report.totals.answered, report.totals.failed, report.totals.attempts) == (4, 0, 4)


async def test_a_busy_answer_puts_the_callee_back_and_it_is_called_later(calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(5_000)
    flow = await calls.flow(customer)
    await calls.script_callee(CALLEE, duration_ms=20_000)
    calls.retell.busy_creates = 1  # the lines are taken between the dispatcher's look and its call
    created = await new_campaign(calls, customer, flow.id, [CALLEE])
    await calls.stub.StartCampaign(action(customer, created.id, "start"))
    [busy] = await settled_calls(calls, created.id, 1)
    assert (busy["status"], busy["failure_reason"]) == ("failed", "RETELL_CONCURRENCY_FULL")
    waiting = await callee_row(calls, created.id, until=lambda row: row["status"] == "pending")
    assert waiting["attempts"] == 0  # not one of its attempts: the campaign allows one
    assert waiting["next_attempt_at"] == calls.clock.now + lines_busy_backoff(1)
    assert (await calls.wallet.balance(customer)).available_cents == 5_000  # its hold released

    calls.clock.advance(seconds=16)
    done = await callee_row(calls, created.id, until=lambda row: row["status"] == "answered")
    assert done["attempts"] == 1
    await settled_calls(calls, created.id, 2)
    assert len(calls.retell.calls) == 1 and calls.retell.create_requests == 2
    report = await calls.stub.GetCampaign(calls_pb2.GetCampaignRequest(customer_id=customer,
                                                                       campaign_id=created.id))
    assert (report.status, report.totals.answered, report.totals.failed) == (calls_pb2.CAMPAIGN_STATUS_COMPLETED, 1, 0)
    assert (await calls.wallet.balance(customer)).available_cents == 5_000 - 15


async def test_lines_that_stay_busy_fail_the_callee_after_a_bounded_number_of_tries(calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(5_000)
    flow = await calls.flow(customer)
    calls.retell.busy_creates = 1_000
    created = await new_campaign(calls, customer, flow.id, [CALLEE])
    await calls.stub.StartCampaign(action(customer, created.id, "start"))
    for busy in range(1, LINES_BUSY_TRIES):
        await settled_calls(calls, created.id, busy)
        await callee_row(calls, created.id, until=lambda row: row["status"] == "pending")
        calls.clock.advance(seconds=lines_busy_backoff(busy).total_seconds())
    given_up = await callee_row(calls, created.id, until=lambda row: row["status"] == "failed")
    assert (given_up["outcome"], given_up["attempts"]) == ("retell_concurrency_full", 0)
    await settled_calls(calls, created.id, LINES_BUSY_TRIES)
    report = await calls.stub.GetCampaign(calls_pb2.GetCampaignRequest(customer_id=customer,
                                                                       campaign_id=created.id))
    assert (report.status, report.totals.failed) == (calls_pb2.CAMPAIGN_STATUS_COMPLETED, 1)
    assert (await calls.wallet.balance(customer)).available_cents == 5_000
    assert not calls.retell.calls


@pytest.mark.parametrize(("busy_answers", "wait"), [
    (1, timedelta(seconds=15)), (2, timedelta(seconds=30)), (3, timedelta(seconds=60)),
    (4, timedelta(minutes=2)), (7, timedelta(minutes=2)),
])
def test_the_wait_after_busy_lines_doubles_up_to_two_minutes(busy_answers: int, wait: timedelta) -> None:
    assert lines_busy_backoff(busy_answers) == wait
