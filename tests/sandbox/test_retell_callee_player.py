"""The callee panel's calls (`manual` scenarios, a person pressing the keys): the panel is told what
the agent is saying at the flow's current node, with `{{variables}}` filled in as Retell speaks them,
and the call ends as soon as the flow reaches an end node or a transfer, without the person hanging up."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.sandbox.conftest import SandboxHarness

CALLEE = "+14155550177"


def pressed(key: str, destination: str) -> dict[str, Any]:
    return {"id": f"on-{key}", "destination_node_id": destination,
            "transition_condition": {"type": "prompt", "prompt": f"User pressed {key} on the keypad"}}


FLOW = {"start_speaker": "agent", "start_node_id": "hello", "nodes": [
    {"id": "hello", "type": "conversation", "name": "Hello",
     "instruction": {"type": "static_text", "text": "Hi {{name}}, this is Bright Dental."},
     "skip_response_edge": {"id": "skip", "destination_node_id": "menu",
                            "transition_condition": {"type": "prompt", "prompt": "Skip response"}}},
    {"id": "menu", "type": "conversation", "name": "Menu",
     "instruction": {"type": "static_text", "text": "Press 1 to confirm, 2 for the front desk, 3 to hear this again."},
     "edges": [pressed("1", "bye"), pressed("2", "desk"), pressed("3", "menu")]},
    {"id": "bye", "type": "end", "name": "Goodbye", "instruction": {"type": "static_text", "text": "See you {{day}}."}},
    {"id": "desk", "type": "transfer_call", "name": "Front desk",
     "instruction": {"type": "static_text", "text": "Connecting you."},
     "transfer_destination": {"type": "predefined", "number": "+14155550999"}},
]}


async def manual_call(sandbox: SandboxHarness) -> str:
    flow = await sandbox.api("POST", "/create-conversation-flow", json=FLOW)
    agent = await sandbox.api("POST", "/create-agent", json={
        "response_engine": {"type": "conversation-flow", "conversation_flow_id": flow.json()["conversation_flow_id"]},
        "voice_id": "11labs-Adrian"})
    await sandbox.client.put(f"/sandbox/retell/scenarios/{CALLEE}", json={"manual": True})
    created = await sandbox.api("POST", "/v2/create-phone-call", json={
        "from_number": "+14155550100", "to_number": CALLEE, "override_agent_id": agent.json()["agent_id"],
        "retell_llm_dynamic_variables": {"name": "Ana"}})
    assert created.status_code == 201
    return str(created.json()["call_id"])


async def panel(sandbox: SandboxHarness, call_id: str) -> dict[str, Any]:
    calls = (await sandbox.client.get("/sandbox/retell/calls")).json()["calls"]
    return dict(next(call for call in calls if call["call_id"] == call_id))


async def ended(sandbox: SandboxHarness, call_id: str) -> dict[str, Any]:
    for _ in range(500):
        for _, body, _ in sandbox.receiver.received:
            if body["event"] == "call_ended" and body["call"]["call_id"] == call_id:
                return dict(body["call"])
        await asyncio.sleep(0.02)
    raise AssertionError("the call never ended")


async def until_ongoing(sandbox: SandboxHarness, call_id: str) -> dict[str, Any]:
    for _ in range(500):
        call = await panel(sandbox, call_id)
        if call["call_status"] == "ongoing":
            return call
        await asyncio.sleep(0.02)
    raise AssertionError("the call was never answered")


async def test_the_person_playing_the_callee_hears_each_node_and_the_end_node_ends_the_call(
        sandbox: SandboxHarness) -> None:
    call_id = await manual_call(sandbox)
    assert (await panel(sandbox, call_id))["sandbox"]["saying"] == []  # still ringing
    await sandbox.client.post(f"/sandbox/retell/calls/{call_id}/answer")
    call = await until_ongoing(sandbox, call_id)
    assert call["sandbox"]["saying"] == ["Hi Ana, this is Bright Dental.",
                                         "Press 1 to confirm, 2 for the front desk, 3 to hear this again."]
    await sandbox.client.post(f"/sandbox/retell/calls/{call_id}/press/3")
    assert (await panel(sandbox, call_id))["sandbox"]["saying"] == [
        "Press 1 to confirm, 2 for the front desk, 3 to hear this again."]
    await sandbox.client.post(f"/sandbox/retell/calls/{call_id}/press/1")
    record = await ended(sandbox, call_id)  # nobody hung up: the end node did
    assert record["disconnection_reason"] == "agent_hangup"
    assert (await panel(sandbox, call_id))["call_status"] == "ended"


async def test_a_transfer_ends_the_callee_panel_call_as_a_transfer(sandbox: SandboxHarness) -> None:
    call_id = await manual_call(sandbox)
    await sandbox.client.post(f"/sandbox/retell/calls/{call_id}/answer")
    await until_ongoing(sandbox, call_id)
    await sandbox.client.post(f"/sandbox/retell/calls/{call_id}/press/2")
    record = await ended(sandbox, call_id)
    assert record["disconnection_reason"] == "call_transfer"
    assert record["transfer_destination"] == "+14155550999"


async def test_a_key_that_leads_nowhere_leaves_the_call_to_the_callee(sandbox: SandboxHarness) -> None:
    call_id = await manual_call(sandbox)
    await sandbox.client.post(f"/sandbox/retell/calls/{call_id}/answer")
    await until_ongoing(sandbox, call_id)
    await sandbox.client.post(f"/sandbox/retell/calls/{call_id}/press/3")
    assert (await panel(sandbox, call_id))["call_status"] == "ongoing"
    await sandbox.client.post(f"/sandbox/retell/calls/{call_id}/hang-up")
    assert (await ended(sandbox, call_id))["disconnection_reason"] == "user_hangup"
