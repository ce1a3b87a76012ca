"""The two paths that record a call's end, the batched `call_ended` webhook (ended_calls.py) and the
recovery tick that asks Retell for a call whose webhooks never came (recovery.py, through
call_updates.py), end calls the same way: given the same facts from Retell, the two calls' rows are
the same, and so are their bills and do-not-call entries. The batched path decides on the call as it
is when it writes, even when the call changed after the batch read it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from services.calls.ended_calls import _READ_CALLS, EndedCall, EndedCalls
from services.calls.retell_events import read_webhook
from services.runtime.database import Database
from services.sandbox.retell_signing import retell_signature
from speechcue.common.v1 import common_pb2
from tests.calls.conftest import RETELL_KEY, CallsHarness

# What Retell reports of a call at its end, as its call object carries it (retell-sdk's call response).
START_MS = 1_795_550_000_000
CONNECTED_WITH_KEYS = {
    "call_status": "ended", "start_timestamp": START_MS, "end_timestamp": START_MS + 61_500,
    "duration_ms": 61_500, "disconnection_reason": "user_hangup",
    "transcript_with_tool_calls": [{"role": "dtmf", "digit": "1"}, {"role": "dtmf", "digit": "3"}],
    "recording_url": "https://example.invalid/recordings/one.wav",
}
OPTED_OUT_BY_ASKING = {**CONNECTED_WITH_KEYS, "disconnection_reason": "user_requested_dnc"}
TRANSFERRED = {**CONNECTED_WITH_KEYS, "disconnection_reason": "call_transfer",
               "transfer_destination": "+14155550199"}
NOT_ANSWERED = {"call_status": "not_connected", "start_timestamp": START_MS, "end_timestamp": START_MS + 30_000,
                "duration_ms": 0, "disconnection_reason": "dial_no_answer"}
VOICEMAIL = {**CONNECTED_WITH_KEYS, "disconnection_reason": "voicemail_reached", "transcript_with_tool_calls": []}

# Every column the end of a call writes, and what the settlement adds.
COLUMNS = ("status", "duration_seconds", "disconnection_reason", "digits", "recording_url", "transfer_number",
           "opted_out", "started_at", "ended_at", "failure_reason", "in_voicemail", "settlement", "cost_cents",
           "used_plan_minutes")


async def row_of(calls: CallsHarness, call_id: str) -> dict[str, Any]:
    connection = await asyncpg.connect(calls.database_url)
    try:
        found = await connection.fetchrow(f"SELECT {', '.join(COLUMNS)}, to_number FROM calls WHERE id = $1", call_id)
        listed = await connection.fetchval("SELECT count(*) FROM do_not_call WHERE number = $1", found["to_number"])
    finally:
        await connection.close()
    return {**{column: found[column] for column in COLUMNS}, "on_do_not_call_list": listed}


@pytest.mark.parametrize("facts", [CONNECTED_WITH_KEYS, OPTED_OUT_BY_ASKING, TRANSFERRED, NOT_ANSWERED, VOICEMAIL],
                         ids=["connected", "opted_out", "transferred", "not_answered", "voicemail"])
async def test_the_webhook_and_the_recovery_tick_end_a_call_the_same_way(calls: CallsHarness,
                                                                           facts: dict[str, Any]) -> None:
    customer = await calls.customer_with_money(10_000)
    flow = await calls.flow(customer)
    by_webhook, by_recovery = "+14155550131", "+14155550132"
    for number in (by_webhook, by_recovery):
        await calls.script_callee(number, manual=True)  # rings until the test says otherwise: no webhook
    # Recorded, so that Retell keeps the transcript and recording that GetCall answers (an unrecorded
    # call's GetCall omits them: data_storage_setting basic_attributes_only).
    heard = await calls.call(customer, flow.id, number=by_webhook, record=True)
    asked = await calls.call(customer, flow.id, number=by_recovery, record=True)

    # The webhook path: Retell's signed call_ended, with the metadata we sent at create-phone-call.
    record = {**calls.retell.get_call(heard.retell_call_id), **facts}
    body = json.dumps({"event": "call_ended", "call": record}, separators=(",", ":"))
    async with httpx.AsyncClient() as client:
        answer = await client.post(f"{calls.settings.speechcue_public_base_url}/webhooks/retell", content=body.encode(),
                                   headers={"X-Retell-Signature": retell_signature(body, RETELL_KEY)})
    assert answer.json() == {"status": "accepted"}
    await calls.settled(customer, heard.id)

    # The recovery path: no webhook ever comes; GetCall answers the same facts once the call is overdue.
    calls.retell.calls[asked.retell_call_id].record.update(facts)
    overdue = Timestamp()
    overdue.FromDatetime(calls.clock.now + timedelta(days=1))
    await calls.stub.RunRecoveryTick(common_pb2.RunTickRequest(idempotency_key="tick:recovery:parity",
                                                               scheduled_at=overdue))
    await calls.settled(customer, asked.id)

    webhook_row, recovered_row = await row_of(calls, heard.id), await row_of(calls, asked.id)
    assert webhook_row == recovered_row
    assert webhook_row["settlement"] == "settled" and webhook_row["ended_at"] is not None


class CallStartsMeanwhile(Database):
    """The calls database, where the call's call_started commits between the batch's read of the call
    and its write, as it may when Retell's two webhooks arrive together."""

    def __init__(self, database_url: str, call_id: str, started_at: datetime) -> None:
        super().__init__(database_url)
        self.call_id, self.started_at, self.reads = call_id, started_at, 0

    async def fetch_atomically(self, sql: str, *arguments: Any, planned_once: bool = False) -> list[asyncpg.Record]:
        rows = await super().fetch_atomically(sql, *arguments, planned_once=planned_once)
        if sql == _READ_CALLS:
            self.reads += 1
            if self.reads == 1:
                await super().fetch_atomically("UPDATE calls SET status = 'ongoing', started_at = $2 WHERE id = $1",
                                               self.call_id, self.started_at)
        return rows


async def test_a_call_that_changes_between_the_batchs_read_and_write_is_read_again(calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(10_000)
    flow = await calls.flow(customer)
    await calls.script_callee("+14155550133", manual=True)
    placed = await calls.call(customer, flow.id, number="+14155550133", record=True)
    started = datetime(2026, 11, 24, 19, 53, 18, tzinfo=UTC)  # two seconds before Retell's start_timestamp
    database = CallStartsMeanwhile(calls.settings.speechcue_database_url, placed.id, started)
    ended_calls = EndedCalls(database, on_recorded=lambda: None)
    payload = {"event": "call_ended", "call": {**calls.retell.get_call(placed.retell_call_id), **CONNECTED_WITH_KEYS}}
    try:
        outcome = await ended_calls.record(EndedCall(read_webhook(payload), json.dumps(payload), calls.clock.now))
    finally:
        await ended_calls.close()
        await database.close()
    assert (outcome, database.reads) == ("accepted", 2)
    row = await row_of(calls, placed.id)
    # Decided on the call as it was after its call_started: its start is that one, not Retell's in the end.
    assert (row["status"], row["started_at"], row["duration_seconds"]) == ("ended", started, 62)
