"""A signed Retell event attaches to one of our calls only if it is that call's: by Retell's call id,
or by the metadata we sent at create-phone-call ({customer, call, campaign}) only while our row has
no Retell id yet and only for the metadata's customer (call_end.belongs_to). Anything else is
answered 200 `mismatched_call`, counted, and changes no call, on the batched call_ended path and the
one-at-a-time path alike. Nor is such an event kept: the genuine delivery of that (call, event) is
not taken for a duplicate of it."""

from __future__ import annotations

import json
from typing import Any

import asyncpg
import httpx
import pytest
from prometheus_client import REGISTRY

from services.sandbox.retell_signing import retell_signature
from speechcue.calls.v1 import calls_pb2
from tests.calls.conftest import CALLEE, RETELL_KEY, CallsHarness

EVENTS = ["call_started", "call_ended", "call_analyzed"]


def event_body(event: str, retell_call_id: str, metadata: dict[str, str]) -> str:
    return json.dumps({"event": event, "call": {
        "call_id": retell_call_id, "call_status": "ongoing" if event == "call_started" else "ended",
        "metadata": metadata, "start_timestamp": 1_795_550_000_000, "end_timestamp": 1_795_550_061_000,
        "duration_ms": 61_000, "disconnection_reason": "user_hangup",
        "transcript_with_tool_calls": [{"role": "dtmf", "digit": "1"}],
        "call_analysis": {"call_summary": "Someone else's call.", "user_sentiment": "Positive"}}},
        separators=(",", ":"))


async def post(calls: CallsHarness, body: str) -> str:
    async with httpx.AsyncClient() as client:
        answer = await client.post(f"{calls.settings.speechcue_public_base_url}/webhooks/retell", content=body.encode(),
                                   headers={"X-Retell-Signature": retell_signature(body, RETELL_KEY)})
    assert answer.status_code == 200, answer.text
    return str(answer.json()["status"])


async def call_row(calls: CallsHarness, call_id: str) -> dict[str, Any]:
    connection = await asyncpg.connect(calls.database_url)
    try:
        return dict(await connection.fetchrow("SELECT * FROM calls WHERE id = $1", call_id))
    finally:
        await connection.close()


def mismatches_counted() -> float:
    return REGISTRY.get_sample_value("speechcue_retell_webhooks_total", {"outcome": "mismatched_call"}) or 0.0


async def placed_call(calls: CallsHarness) -> tuple[str, calls_pb2.Call]:
    customer = await calls.customer_with_money(1000)
    flow = await calls.flow(customer)
    await calls.script_callee(CALLEE, manual=True)
    return customer, await calls.call(customer, flow.id)


@pytest.mark.parametrize("event", EVENTS)
async def test_an_event_for_another_retell_call_naming_our_call_that_has_its_retell_id_is_not_attached(
        calls: CallsHarness, event: str) -> None:
    customer, placed = await placed_call(calls)
    assert placed.retell_call_id
    before, counted = await call_row(calls, placed.id), mismatches_counted()
    stranger = event_body(event, "call_someone_else_0001", {"customer": customer, "call": placed.id, "campaign": ""})
    assert await post(calls, stranger) == "mismatched_call"
    assert await call_row(calls, placed.id) == before
    assert mismatches_counted() == counted + 1
    # The call's own end still ends it, once.
    assert await post(calls, event_body("call_ended", placed.retell_call_id, {})) == "accepted"
    ended = await calls.settled(customer, placed.id)
    assert (ended.status, ended.duration_seconds, ended.cost_cents) == (calls_pb2.CALL_STATUS_ENDED, 61, 30)


@pytest.mark.parametrize("event", EVENTS)
async def test_an_event_naming_our_call_before_it_learned_its_retell_id_attaches_only_for_its_customer(
        calls: CallsHarness, event: str) -> None:
    customer, placed = await placed_call(calls)
    # As if the process had died between Retell accepting the call and the row learning its id.
    connection = await asyncpg.connect(calls.database_url)
    try:
        await connection.execute("UPDATE calls SET retell_call_id = NULL WHERE id = $1", placed.id)
    finally:
        await connection.close()
    before, counted = await call_row(calls, placed.id), mismatches_counted()
    for metadata in ({"customer": "another-customer", "call": placed.id}, {"call": placed.id}):
        assert await post(calls, event_body(event, placed.retell_call_id, metadata)) == "mismatched_call"
    assert await call_row(calls, placed.id) == before
    assert mismatches_counted() == counted + 2
    # The genuine delivery, with the metadata we sent, is not a duplicate of the refused ones.
    ours = {"customer": customer, "call": placed.id, "campaign": ""}
    assert await post(calls, event_body(event, placed.retell_call_id, ours)) == "accepted"
    assert (await call_row(calls, placed.id))["retell_call_id"] == placed.retell_call_id
