"""The Retell simulator speaks Retell's paths, shapes and signatures, and plays scripted callees."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from retell.lib.webhook_auth import symmetric

from services.sandbox.retell_signing import retell_signature
from tests.sandbox.conftest import RETELL_KEY, SandboxHarness


async def wait_for_events(sandbox: SandboxHarness, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
    deadline = asyncio.get_running_loop().time() + timeout
    while len(sandbox.receiver.received) < count:
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"got {len(sandbox.receiver.received)} webhooks, expected {count}")
        await asyncio.sleep(0.02)
    return [body for _, body, _ in sandbox.receiver.received]


async def make_agent(sandbox: SandboxHarness) -> str:
    flow = await sandbox.api("POST", "/create-conversation-flow", json={"start_speaker": "agent", "nodes": []})
    assert flow.status_code == 201
    agent = await sandbox.api("POST", "/create-agent", json={
        "response_engine": {"type": "conversation-flow",
                            "conversation_flow_id": flow.json()["conversation_flow_id"]},
        "voice_id": "11labs-Adrian"})
    assert agent.status_code == 201
    return str(agent.json()["agent_id"])


def test_signature_matches_the_worked_example_and_retell_sdk_verifies_it() -> None:
    body = ('{"event":"call_ended","call":{"call_id":"call_abc123","call_status":"ended",'
            '"disconnection_reason":"user_hangup"}}')
    signature = retell_signature(body, "key_test_0123456789abcdef", 1700000000000)
    assert signature == "v=1700000000000,d=c1170ce02ab1693e10b8c30e3f120b1d0c62cdb77708c19775ad3750aeffe634"
    assert symmetric["verify"](body, "key_test_0123456789abcdef", signature, {"timestamp": 1700000001000})
    assert not symmetric["verify"](body, "another-key", signature, {"timestamp": 1700000001000})


async def test_api_requires_the_bearer_key(sandbox: SandboxHarness) -> None:
    response = await sandbox.client.get("/list-voices")
    assert response.status_code == 401
    assert response.json() == {"status": "error", "message": "API key is missing or invalid."}
    voices = await sandbox.api("GET", "/list-voices")
    assert voices.status_code == 200 and {"voice_id", "voice_name", "provider", "gender"} <= set(voices.json()[0])


async def test_answered_call_sends_signed_started_ended_analyzed_with_key_presses(sandbox: SandboxHarness) -> None:
    agent = await make_agent(sandbox)
    await sandbox.client.put("/sandbox/retell/scenarios/+14155550123", json={
        "duration_ms": 30000, "keys": [{"digit": "1", "at_ms": 5000}, {"digit": "3", "at_ms": 9000}]})
    created = await sandbox.api("POST", "/v2/create-phone-call", json={
        "from_number": "+14155550100", "to_number": "+14155550123", "override_agent_id": agent,
        "metadata": {"call": "c-1"}, "idempotency_key": "call-c-1"})
    assert created.status_code == 201
    call = created.json()
    assert call["call_status"] == "registered" and call["metadata"] == {"call": "c-1"}
    events = await wait_for_events(sandbox, 3)
    assert [event["event"] for event in events] == ["call_started", "call_ended", "call_analyzed"]
    ended = events[1]["call"]
    assert ended["duration_ms"] == 30000 and ended["disconnection_reason"] == "user_hangup"
    assert [e["digit"] for e in ended["transcript_with_tool_calls"] if e["role"] == "dtmf"] == ["1", "3"]
    assert "call_analysis" not in ended and events[2]["call"]["call_analysis"]["call_summary"]
    for raw, _, signature in sandbox.receiver.received:
        assert json.loads(raw) and raw == json.dumps(json.loads(raw), separators=(",", ":"), ensure_ascii=False)
        assert symmetric["verify"](raw, RETELL_KEY, signature)
    again = await sandbox.api("POST", "/v2/create-phone-call", json={
        "from_number": "+14155550100", "to_number": "+14155550123", "override_agent_id": agent,
        "idempotency_key": "call-c-1"})
    assert again.json()["call_id"] == call["call_id"]
    assert len(sandbox.retell.calls) == 1


async def test_unanswered_call_ends_without_call_started(sandbox: SandboxHarness) -> None:
    agent = await make_agent(sandbox)
    await sandbox.client.put("/sandbox/retell/scenarios/+14155550124", json={"outcome": "no_answer"})
    await sandbox.api("POST", "/v2/create-phone-call", json={
        "from_number": "+14155550100", "to_number": "+14155550124", "override_agent_id": agent})
    events = await wait_for_events(sandbox, 1)
    await asyncio.sleep(0.1)
    assert [event["event"] for event in sandbox.receiver.received and events] == ["call_ended"]
    assert events[0]["call"]["disconnection_reason"] == "dial_no_answer"
    assert events[0]["call"]["call_status"] == "not_connected"


async def test_duplicated_and_reordered_delivery(sandbox: SandboxHarness) -> None:
    agent = await make_agent(sandbox)
    await sandbox.client.put("/sandbox/retell/scenarios/+14155550125", json={
        "delivery": {"duplicates": 2, "reorder": True}})
    await sandbox.api("POST", "/v2/create-phone-call", json={
        "from_number": "+14155550100", "to_number": "+14155550125", "override_agent_id": agent})
    events = await wait_for_events(sandbox, 9)
    kinds = [event["event"] for event in events]
    assert kinds.index("call_ended") < kinds.index("call_started")
    assert kinds.count("call_ended") == 3 and kinds.count("call_started") == 3


async def test_concurrency_limit_and_stop(sandbox: SandboxHarness) -> None:
    agent = await make_agent(sandbox)
    calls = []
    for index in range(3):
        await sandbox.client.put(f"/sandbox/retell/scenarios/+1415555013{index}", json={"duration_ms": 600000})
        response = await sandbox.api("POST", "/v2/create-phone-call", json={
            "from_number": "+14155550100", "to_number": f"+1415555013{index}", "override_agent_id": agent})
        calls.append(response.json()["call_id"])
    over = await sandbox.api("POST", "/v2/create-phone-call", json={
        "from_number": "+14155550100", "to_number": "+14155550139", "override_agent_id": agent})
    assert over.status_code == 429
    concurrency = (await sandbox.api("GET", "/get-concurrency")).json()
    assert concurrency == {**concurrency, "current_concurrency": 3, "concurrency_limit": 3}
    for _ in range(100):
        if (await sandbox.api("GET", f"/v2/get-call/{calls[0]}")).json()["call_status"] == "ongoing":
            break
        await asyncio.sleep(0.02)
    stopped = await sandbox.api("POST", f"/v2/stop-call/{calls[0]}")
    assert stopped.status_code == 204
    await asyncio.sleep(0.2)
    record = (await sandbox.api("GET", f"/v2/get-call/{calls[0]}")).json()
    assert record["call_status"] == "ended" and record["disconnection_reason"] == "manual_stopped"
    missing = await sandbox.api("GET", "/v2/get-call/call_nope")
    assert missing.status_code == 404 and missing.json()["status"] == "error"


async def test_the_control_listing_says_when_each_create_phone_call_arrived_and_retell_answers_stay_as_they_were(
        sandbox: SandboxHarness) -> None:
    agent = await make_agent(sandbox)
    await sandbox.client.put("/sandbox/retell/scenarios/+14155550124", json={"manual": True})
    before = time.time()
    created = await sandbox.api("POST", "/v2/create-phone-call", json={
        "from_number": "+14155550100", "to_number": "+14155550124", "override_agent_id": agent})
    after = time.time()
    assert created.status_code == 201 and "sandbox_received_at" not in created.json()
    listed = (await sandbox.client.get("/sandbox/retell/calls")).json()["calls"]
    assert [call["call_id"] for call in listed] == [created.json()["call_id"]]
    assert before <= listed[0]["sandbox_received_at"] <= after
    fetched = await sandbox.api("GET", f"/v2/get-call/{created.json()['call_id']}")
    assert "sandbox_received_at" not in fetched.json()
