"""The Retell simulator cuts a callee's keys into inputs as the agent's `user_dtmf_options` say (Retell
documents them per agent: digit limit, termination key, a timeout restarted by each key), and walks
the flow one input per user turn. Driven with the flow and agent the calls service compiles: a menu
goes on at its one key, and the six-digit collect step after it waits for six digits or `#`."""

from __future__ import annotations

import asyncio
from typing import Any

from services.sandbox.retell_simulator import key_inputs
from tests.calls.key_flows import compiled_agent, compiled_flow
from tests.sandbox.conftest import SandboxHarness

CALLEE = "+14155550141"


async def ended_call(sandbox: SandboxHarness, keys: str, *, first_at_ms: int = 2_000, gap_ms: int = 300,
                     duration_ms: int = 30_000) -> dict[str, Any]:
    flow = await sandbox.api("POST", "/create-conversation-flow", json=compiled_flow())
    engine = {"type": "conversation-flow", "conversation_flow_id": flow.json()["conversation_flow_id"]}
    agent = await sandbox.api("POST", "/create-agent", json=compiled_agent(engine, webhook_url=sandbox.receiver.url))
    presses = [{"digit": key, "at_ms": first_at_ms + index * gap_ms} for index, key in enumerate(keys)]
    await sandbox.client.put(f"/sandbox/retell/scenarios/{CALLEE}", json={"duration_ms": duration_ms,
                                                                          "keys": presses})
    created = await sandbox.api("POST", "/v2/create-phone-call", json={
        "from_number": "+14155550100", "to_number": CALLEE, "override_agent_id": agent.json()["agent_id"]})
    call_id = created.json()["call_id"]
    for _ in range(1_000):
        for _, body, _ in sandbox.receiver.received:
            if body["event"] == "call_ended" and body["call"]["call_id"] == call_id:
                return dict(body["call"])
        await asyncio.sleep(0.02)
    raise AssertionError("no call_ended")


def nodes_entered(call: dict[str, Any]) -> list[str]:
    return [entry["new_node_id"] for entry in call["transcript_with_tool_calls"]
            if entry["role"] == "node_transition"]


def pressed(call: dict[str, Any]) -> str:
    return "".join(entry["digit"] for entry in call["transcript_with_tool_calls"] if entry["role"] == "dtmf")


async def test_a_menu_choice_goes_on_at_its_one_key(sandbox: SandboxHarness) -> None:
    # The call ends a second after the key: long before any DTMF timeout could have ended the input.
    call = await ended_call(sandbox, "1", duration_ms=3_000)
    assert nodes_entered(call) == ["menu", "pin"]


async def test_the_collect_step_goes_on_after_its_six_digits(sandbox: SandboxHarness) -> None:
    call = await ended_call(sandbox, "1" "481516")
    assert nodes_entered(call) == ["menu", "pin", "pin.2", "pin.3", "pin.4", "pin.5", "pin.6", "thanks", "bye"]
    assert pressed(call) == "1481516"
    assert call["disconnection_reason"] == "agent_hangup"


async def test_the_collect_step_goes_on_early_at_its_termination_key(sandbox: SandboxHarness) -> None:
    call = await ended_call(sandbox, "1" "42#")
    assert nodes_entered(call) == ["menu", "pin", "pin.2", "pin.3", "thanks", "bye"]
    assert pressed(call) == "142#"


async def test_the_collect_step_waits_while_digits_are_missing(sandbox: SandboxHarness) -> None:
    call = await ended_call(sandbox, "1" "42", duration_ms=8_000)
    assert nodes_entered(call) == ["menu", "pin", "pin.2", "pin.3"]
    assert call["disconnection_reason"] == "user_hangup"


def test_inputs_end_at_the_digit_limit_the_termination_key_or_the_timeout() -> None:
    six = {"digit_limit": 6, "termination_key": "#", "timeout_ms": 5_000}
    # An agent-wide limit of six: a menu's "1" waits for more keys, and takes the PIN's digits with it.
    assert key_inputs([("1", 1_000)], six, ended_at_ms=3_000) == ([], "1")
    assert key_inputs([("1", 1_000)], six, ended_at_ms=6_000) == (["1"], "")
    assert key_inputs([(key, 1_000 + 300 * index) for index, key in enumerate("1481516")], six,
                      ended_at_ms=30_000) == (["148151", "6"], "")
    assert key_inputs([("4", 0), ("2", 300), ("#", 600), ("7", 900)], six, ended_at_ms=1_000) == (["42#"], "7")
    # The timer restarts with each key: a pause of the timeout or more ends the input before the next key.
    assert key_inputs([("4", 0), ("2", 4_999), ("3", 9_998)], six, ended_at_ms=20_000) == (["423"], "")
    assert key_inputs([("4", 0), ("2", 5_000)], six, ended_at_ms=20_000) == (["4", "2"], "")
    one = {"digit_limit": 1, "timeout_ms": 5_000}
    assert key_inputs([("1", 1_000), ("#", 1_100)], one, ended_at_ms=1_200) == (["1", "#"], "")
    assert key_inputs([("1", 0), ("2", 10)], None, ended_at_ms=20) == (["1", "2"], "")
