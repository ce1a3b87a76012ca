"""Sensitive data does not live forever: the retention tick purges the keys pressed, summaries,
recording links, variables and Retell's stored bodies of calls older than the retention, and nothing
newer; a second run changes nothing; and the stored bodies never held the keys in the first place."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from hypothesis import given
from hypothesis import strategies as st

from services.calls.retention import retention_cutoff
from services.calls.webhook_redaction import REDACTED, value_without_key_presses, without_key_presses
from speechcue.calls.v1 import calls_pb2
from speechcue.common.v1 import common_pb2
from tests.calls.conftest import CALLEE, CallsHarness

OTHER_CALLEE = "+14155550124"
DAYS = 90


# ---- the pure rules ----------------------------------------------------------------------------

@pytest.mark.parametrize(("now", "days", "cutoff"), [
    (datetime(2026, 12, 2, 15, 0, tzinfo=UTC), 90, datetime(2026, 9, 3, 15, 0, tzinfo=UTC)),
    (datetime(2026, 3, 1, 0, 0, tzinfo=UTC), 1, datetime(2026, 2, 28, 0, 0, tzinfo=UTC)),
    (datetime(2028, 3, 1, 0, 0, tzinfo=UTC), 1, datetime(2028, 2, 29, 0, 0, tzinfo=UTC)),
    (datetime(2026, 12, 2, tzinfo=UTC), 365, datetime(2025, 12, 2, tzinfo=UTC)),
])
def test_the_cutoff_is_whole_days_before_now(now: datetime, days: int, cutoff: datetime) -> None:
    assert retention_cutoff(now, days) == cutoff


def test_a_retention_under_a_day_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one day"):
        retention_cutoff(datetime(2026, 12, 2, tzinfo=UTC), 0)


@pytest.mark.parametrize(("body", "stored"), [
    ('{"role": "dtmf", "digit": "4"}', '{"role": "dtmf", "digit":"redacted"}'),
    ('{"role":"dtmf","digit":"#"}', '{"role":"dtmf","digit":"redacted"}'),
    ('{"digit" : "\\u0034"}', '{"digit":"redacted"}'),
    ('{"digit": "\\"", "next": 1}', '{"digit":"redacted", "next": 1}'),
    ('{"content": "say \\"digit\\": \\"4\\" now"}', '{"content": "say \\"digit\\": \\"4\\" now"}'),
    ('{"role": "agent", "content": "Press 1"}', '{"role": "agent", "content": "Press 1"}'),
    ('{"tool": "press_digit", "arguments": "{\\"digit\\": \\"5\\"}"}',
     '{"tool": "press_digit", "arguments": "{\\"digit\\": \\"5\\"}"}'),  # the agent's own key, not the callee's
])
def test_stored_bodies_lose_the_keys_pressed_and_nothing_else(body: str, stored: str) -> None:
    assert without_key_presses(body) == stored
    assert value_without_key_presses(json.loads(body)) == json.loads(stored)


_keys = st.sampled_from(list("0123456789*#"))
_words = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)
_entry = st.one_of(
    st.builds(lambda digit: {"role": "dtmf", "digit": digit}, _keys),
    st.builds(lambda words: {"role": "agent", "content": words}, _words),
    st.builds(lambda words: {"role": "user", "content": words}, _words),
    st.builds(lambda old, new: {"role": "node_transition", "former_node_id": old, "new_node_id": new}, _words, _words),
)


@given(st.lists(_entry, max_size=20), st.booleans(), st.booleans())
def test_no_key_press_survives_in_any_transcript(entries: list[dict[str, Any]], compact: bool,
                                                 ascii_only: bool) -> None:
    body = {"event": "call_ended", "call": {"call_id": "c1", "transcript_with_tool_calls": entries,
                                            "scrubbed_transcript_with_tool_calls": entries}}
    text = json.dumps(body, separators=(",", ":") if compact else None, ensure_ascii=ascii_only)
    stored = json.loads(without_key_presses(text))
    for name in ("transcript_with_tool_calls", "scrubbed_transcript_with_tool_calls"):
        for before, after in zip(entries, stored["call"][name], strict=True):
            assert after == ({**before, "digit": REDACTED} if before["role"] == "dtmf" else before)


# ---- the tick, against PostgreSQL ----------------------------------------------------------------

async def _tick(calls: CallsHarness, key: str) -> common_pb2.TickResult:
    scheduled = Timestamp()
    scheduled.FromDatetime(calls.clock.now)
    return await calls.stub.RunRetentionTick(common_pb2.RunTickRequest(idempotency_key=key, scheduled_at=scheduled))


async def _snapshot(connection: asyncpg.Connection) -> dict[str, list[Any]]:
    return {
        "calls": [dict(row) for row in await connection.fetch(
            "SELECT id, digits, recording_url, summary, variables, duration_seconds, cost_cents, status, opted_out,"
            " sentiment, to_number FROM calls ORDER BY id")],
        "callees": [dict(row) for row in await connection.fetch(
            "SELECT call_id, digits, variables, outcome, cost_cents FROM campaign_callees ORDER BY call_id")],
        "events": [dict(row) for row in await connection.fetch(
            "SELECT retell_call_id, event, payload::text AS payload FROM call_events ORDER BY 1, 2")],
    }


async def _a_call_with_keys(calls: CallsHarness, customer: str, flow_id: str, number: str) -> calls_pb2.Call:
    await calls.script_callee(number, duration_ms=65_000, summary="The callee pressed 1 then 3.",
                              keys=[{"digit": "1", "at_ms": 5_000}, {"digit": "3", "at_ms": 9_000}])
    placed = await calls.call(customer, flow_id, number, record=True, variables={"name": "Ada"})
    return await calls.settled(customer, placed.id, analyzed=True)


async def test_the_retention_tick_purges_what_is_older_than_the_retention_and_nothing_newer(
        calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(2000)
    flow = await calls.flow(customer)
    # Retell's own copy of each call (transcript, recording) goes no later than ours.
    assert calls.retell.agents[flow.retell_agent_id]["data_storage_retention_days"] == DAYS
    old = await _a_call_with_keys(calls, customer, flow.id, CALLEE)
    recent = await _a_call_with_keys(calls, customer, flow.id, OTHER_CALLEE)
    assert old.digits and recent.digits and old.recording_url and old.analysis.summary
    connection = await asyncpg.connect(calls.database_url)
    try:
        # The old call was made a day beyond the retention, the recent one a day within it.
        now = calls.clock.now
        for call, age in ((old, timedelta(days=DAYS + 1)), (recent, timedelta(days=DAYS - 1))):
            await connection.execute("UPDATE calls SET created_at = $2 WHERE id = $1", call.id, now - age)
            await connection.execute("UPDATE call_events SET received_at = $2 WHERE retell_call_id = $1",
                                     call.retell_call_id, now - age)
            await connection.execute(
                "INSERT INTO campaign_callees (campaign_id, position, number, status, call_id, outcome, digits,"
                " variables, cost_cents) VALUES ('cmp-retention', $1, $2, 'answered', $3, 'answered', '{1,3}',"
                " '{\"first_name\": \"Ada\", \"amount\": \"12.50\"}', 30)",
                1 if call is old else 2, call.to_number, call.id)
        before = await _snapshot(connection)

        # Stored bodies never held the keys, though the calls do.
        assert len(before["events"]) == 6
        for event in before["events"]:
            stored = json.loads(event["payload"])
            dtmf = [entry for entry in stored["call"].get("transcript_with_tool_calls", [])
                    if entry.get("role") == "dtmf"]
            assert all(entry["digit"] == REDACTED for entry in dtmf), event
            if event["event"] == "call_ended":
                assert dtmf  # the key presses are there, without their keys

        first = await _tick(calls, "tick:retention:1")
        after = await _snapshot(connection)
        second = await _tick(calls, "tick:retention:2")
        again = await _snapshot(connection)
    finally:
        await connection.close()

    assert first.name == "retention" and first.processed == 1 + 3  # one call row, three webhook bodies
    old_before, recent_before = (next(r for r in before["calls"] if r["id"] == c.id) for c in (old, recent))
    old_after, recent_after = (next(r for r in after["calls"] if r["id"] == c.id) for c in (old, recent))
    assert (old_after["digits"], old_after["recording_url"], old_after["summary"], old_after["variables"]) == (
        [], "", "", "{}")
    kept = ("duration_seconds", "cost_cents", "status", "opted_out", "sentiment", "to_number")
    assert {k: old_after[k] for k in kept} == {k: old_before[k] for k in kept}
    assert recent_after == recent_before
    assert [(r["call_id"], r["digits"], json.loads(r["variables"])) for r in after["callees"]] == [
        (c.id, [], {}) if c is old else (c.id, ["1", "3"], {"first_name": "Ada", "amount": "12.50"})
        for c in sorted((old, recent), key=lambda c: c.id)]
    for event in after["events"]:
        purged = event["retell_call_id"] == old.retell_call_id
        assert (event["payload"] == "{}") == purged, event["event"]
    assert {(e["retell_call_id"], e["event"]) for e in after["events"]} == {
        (e["retell_call_id"], e["event"]) for e in before["events"]}  # a replayed webhook is still a duplicate

    assert (second.processed, second.succeeded) == (0, 0)
    assert again == after
    # What the customer reads after the retention: the outcome and money, no keys, no recording.
    shown = await calls.stub.GetCall(calls_pb2.GetCallRequest(customer_id=customer, call_id=old.id))
    assert (list(shown.digits), shown.recording_url, shown.duration_seconds, shown.cost_cents) == (
        [], "", old.duration_seconds, old.cost_cents)
