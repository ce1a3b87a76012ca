"""The Retell simulator reports opt-outs as Retell does: key presses as `dtmf` entries for every
agent, `node_transition` entries only for conversation flows, and a spoken "stop calling me" as
`user_requested_dnc` (with the contact marked do-not-call) only for agents created with DNC detection;
create-phone-call with `honor_internal_dnc` is then refused. Shapes are checked with retell-sdk's types."""

from __future__ import annotations

import asyncio
from typing import Any

from pydantic import TypeAdapter
from retell.types.phone_call_response import TranscriptWithToolCall

from tests.sandbox.conftest import SandboxHarness

CALLEE = "+14155550140"
ENTRIES = TypeAdapter(list[TranscriptWithToolCall])
OPT_OUT_FLOW = {"start_speaker": "agent", "start_node_id": "hello", "nodes": [
    {"id": "hello", "type": "conversation", "name": "Hello", "instruction": {"type": "static_text", "text": "Hi."},
     "edges": [{"id": "hello-1", "destination_node_id": "bye",
                "transition_condition": {"type": "prompt", "prompt": "User pressed 1 on the keypad"}}]},
    {"id": "out", "type": "end", "name": "Opt out", "instruction": {"type": "static_text", "text": "Bye."},
     "global_node_setting": {"condition": "User pressed 9 on the keypad, or asked not to be called again"}},
    {"id": "bye", "type": "end", "name": "Goodbye", "instruction": {"type": "static_text", "text": "Goodbye."}},
]}


async def agent(sandbox: SandboxHarness, *, engine: str, dnc: bool) -> str:
    if engine == "conversation-flow":
        flow = await sandbox.api("POST", "/create-conversation-flow", json=OPT_OUT_FLOW)
        response_engine = {"type": engine, "conversation_flow_id": flow.json()["conversation_flow_id"]}
    else:
        llm = await sandbox.api("POST", "/create-retell-llm", json={"general_prompt": "Be brief."})
        response_engine = {"type": engine, "llm_id": llm.json()["llm_id"]}
    body: dict[str, Any] = {"response_engine": response_engine, "voice_id": "11labs-Adrian"}
    if dnc:
        body["enable_dnc_detection"] = True
    created = await sandbox.api("POST", "/create-agent", json=body)
    return str(created.json()["agent_id"])


async def ended_call(sandbox: SandboxHarness, agent_id: str, **scenario: Any) -> dict[str, Any]:
    await sandbox.client.put(f"/sandbox/retell/scenarios/{CALLEE}", json={"duration_ms": 30_000, **scenario})
    created = await sandbox.api("POST", "/v2/create-phone-call", json={
        "from_number": "+14155550100", "to_number": CALLEE, "override_agent_id": agent_id,
        "honor_internal_dnc": True})
    assert created.status_code == 201
    call_id = created.json()["call_id"]
    for _ in range(500):
        for _, body, _ in sandbox.receiver.received:
            if body["event"] == "call_ended" and body["call"]["call_id"] == call_id:
                return dict(body["call"])
        await asyncio.sleep(0.02)
    raise AssertionError("no call_ended")


async def test_an_llm_agent_reports_the_key_as_dtmf_and_no_node_transitions(sandbox: SandboxHarness) -> None:
    call = await ended_call(sandbox, await agent(sandbox, engine="retell-llm", dnc=True),
                            keys=[{"digit": "9", "at_ms": 2000}])
    entries = call["transcript_with_tool_calls"]
    ENTRIES.validate_python(entries)
    assert [e["digit"] for e in entries if e["role"] == "dtmf"] == ["9"]
    assert not [e for e in entries if e["role"] == "node_transition"]


async def test_a_flow_agent_reports_the_key_and_the_global_transition_it_caused(sandbox: SandboxHarness) -> None:
    call = await ended_call(sandbox, await agent(sandbox, engine="conversation-flow", dnc=True),
                            keys=[{"digit": "9", "at_ms": 2000}])
    entries = call["transcript_with_tool_calls"]
    ENTRIES.validate_python(entries)
    assert [e["digit"] for e in entries if e["role"] == "dtmf"] == ["9"]
    transitions = [e for e in entries if e["role"] == "node_transition"]
    assert [(t["new_node_id"], t["new_node_name"], t["transition_type"]) for t in transitions] == [
        ("out", "Opt out", "global")]
    assert call["disconnection_reason"] == "agent_hangup"


async def test_a_spoken_request_is_user_requested_dnc_only_with_dnc_detection(sandbox: SandboxHarness) -> None:
    without = await ended_call(sandbox, await agent(sandbox, engine="retell-llm", dnc=False),
                               stop_calling_at_ms=5000)
    assert without["disconnection_reason"] == "user_hangup" and without["duration_ms"] == 30_000
    assert any(e["role"] == "user" for e in without["transcript_with_tool_calls"])
    assert CALLEE not in sandbox.retell.do_not_call
    detecting = await agent(sandbox, engine="retell-llm", dnc=True)
    with_dnc = await ended_call(sandbox, detecting, stop_calling_at_ms=5000)
    ENTRIES.validate_python(with_dnc["transcript_with_tool_calls"])
    assert with_dnc["disconnection_reason"] == "user_requested_dnc" and with_dnc["duration_ms"] < 30_000
    assert CALLEE in sandbox.retell.do_not_call
    again = await sandbox.api("POST", "/v2/create-phone-call", json={
        "from_number": "+14155550100", "to_number": CALLEE, "override_agent_id": detecting,
        "honor_internal_dnc": True})
    assert again.status_code == 400 and again.json()["status"] == "error"
    without_honour = await sandbox.api("POST", "/v2/create-phone-call", json={
        "from_number": "+14155550100", "to_number": CALLEE, "override_agent_id": detecting})
    assert without_honour.status_code == 201
