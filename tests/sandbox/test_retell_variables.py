"""The Retell simulator speaks a call's dynamic variables as Retell does ("Hello {{user_name}}" with
`retell_llm_dynamic_variables` {"user_name": "John"} is said "Hello John"; one not given stays as it
stands: docs.retellai.com/build/dynamic-variables), and the transcripts it reports hold the words said."""

from __future__ import annotations

from tests.sandbox.conftest import SandboxHarness
from tests.sandbox.test_retell_callee_player import FLOW, ended

CALLEE = "+14155550178"


async def test_the_reported_transcript_has_the_variables_filled_in(sandbox: SandboxHarness) -> None:
    flow = await sandbox.api("POST", "/create-conversation-flow", json=FLOW)
    agent = await sandbox.api("POST", "/create-agent", json={
        "response_engine": {"type": "conversation-flow", "conversation_flow_id": flow.json()["conversation_flow_id"]},
        "voice_id": "11labs-Adrian"})
    await sandbox.client.put(f"/sandbox/retell/scenarios/{CALLEE}", json={
        "duration_ms": 3_000, "keys": [{"digit": "1", "at_ms": 1_000}]})
    created = await sandbox.api("POST", "/v2/create-phone-call", json={
        "from_number": "+14155550100", "to_number": CALLEE, "override_agent_id": agent.json()["agent_id"],
        "retell_llm_dynamic_variables": {"name": "Ana"}})
    call = await ended(sandbox, str(created.json()["call_id"]))
    assert call["retell_llm_dynamic_variables"] == {"name": "Ana"}
    said = [entry["content"] for entry in call["transcript_with_tool_calls"] if entry["role"] == "agent"]
    assert said[0] == "Hi Ana, this is Bright Dental."
    assert "See you {{day}}." in said  # a variable not given is said as it stands, as Retell does
    assert call["transcript"].startswith("Agent: Hi Ana, this is Bright Dental.\n")
    assert [entry["content"] for entry in call["transcript_object"] if entry["role"] == "agent"] == said
