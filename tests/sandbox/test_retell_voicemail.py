"""The simulated Retell when a machine answers: the agent's voicemail_option hangs up or leaves its
message (variables filled in) and the call ends as voicemail_reached; with no option, or a detection
that misses, the script runs into the machine and only call_analyzed says in_voicemail."""

from __future__ import annotations

from typing import Any

from services.sandbox.retell_voicemail import DETECTION_MS, MACHINE_GREETING, MS_PER_CHARACTER, detected_voicemail
from tests.sandbox.conftest import SandboxHarness
from tests.sandbox.test_retell_simulator import wait_for_events

MESSAGE = "Hello {{first_name}}, this is Acme Dental. Please call us back."


async def agent_with(sandbox: SandboxHarness, voicemail_option: dict[str, Any] | None) -> str:
    flow = await sandbox.api("POST", "/create-conversation-flow", json={"start_speaker": "agent", "nodes": []})
    body: dict[str, Any] = {"response_engine": {"type": "conversation-flow",
                                                "conversation_flow_id": flow.json()["conversation_flow_id"]},
                            "voice_id": "11labs-Adrian"}
    if voicemail_option is not None:
        body["voicemail_option"] = voicemail_option
    agent = await sandbox.api("POST", "/create-agent", json=body)
    assert agent.status_code == 201
    return str(agent.json()["agent_id"])


async def machine_answers(sandbox: SandboxHarness, agent: str, number: str, **scenario: Any) -> list[dict[str, Any]]:
    await sandbox.client.put(f"/sandbox/retell/scenarios/{number}",
                             json={"outcome": "voicemail", "duration_ms": 40_000, **scenario})
    created = await sandbox.api("POST", "/v2/create-phone-call", json={
        "from_number": "+14155550100", "to_number": number, "override_agent_id": agent,
        "retell_llm_dynamic_variables": {"first_name": "Ada"}})
    assert created.status_code == 201
    events = await wait_for_events(sandbox, 3)
    assert [event["event"] for event in events] == ["call_started", "call_ended", "call_analyzed"]
    return [event["call"] for event in events]


async def test_a_detected_voicemail_leaves_the_static_text_with_its_variables(sandbox: SandboxHarness) -> None:
    agent = await agent_with(sandbox, {"action": {"type": "static_text", "text": MESSAGE}})
    _, ended, analyzed = await machine_answers(sandbox, agent, "+14155550141")
    spoken = "Hello Ada, this is Acme Dental. Please call us back."
    assert ended["disconnection_reason"] == "voicemail_reached" and ended["call_status"] == "ended"
    assert ended["duration_ms"] == DETECTION_MS + len(spoken) * MS_PER_CHARACTER
    assert [(entry["role"], entry["content"]) for entry in ended["transcript_object"]] == [
        ("user", MACHINE_GREETING), ("agent", spoken)]
    assert "call_analysis" not in ended and analyzed["call_analysis"]["in_voicemail"] is True


async def test_a_detected_voicemail_with_hangup_ends_after_the_greeting(sandbox: SandboxHarness) -> None:
    agent = await agent_with(sandbox, {"action": {"type": "hangup"}})
    _, ended, analyzed = await machine_answers(sandbox, agent, "+14155550142")
    assert (ended["disconnection_reason"], ended["duration_ms"]) == ("voicemail_reached", DETECTION_MS)
    assert [entry["role"] for entry in ended["transcript_object"]] == ["user"]
    assert analyzed["call_analysis"]["in_voicemail"] is True


async def test_without_detection_the_script_runs_into_the_machine_and_only_the_analysis_says_so(
        sandbox: SandboxHarness) -> None:
    agent = await agent_with(sandbox, None)
    _, ended, analyzed = await machine_answers(sandbox, agent, "+14155550143", hangup="agent_hangup")
    assert (ended["disconnection_reason"], ended["duration_ms"]) == ("agent_hangup", 40_000)
    assert analyzed["call_analysis"]["in_voicemail"] is True


async def test_a_detection_that_misses_reports_the_voicemail_only_after_the_call(sandbox: SandboxHarness) -> None:
    agent = await agent_with(sandbox, {"action": {"type": "static_text", "text": MESSAGE}})
    _, ended, analyzed = await machine_answers(sandbox, agent, "+14155550144", voicemail_detected=False)
    assert (ended["disconnection_reason"], ended["duration_ms"]) == ("user_hangup", 40_000)
    assert MESSAGE not in str(ended["transcript_object"])
    assert analyzed["call_analysis"]["in_voicemail"] is True


def test_what_each_voicemail_action_says() -> None:
    def speak(text: str) -> str:
        return text.replace("{{first_name}}", "Ada")

    left = detected_voicemail({"voicemail_option": {"action": {"type": "static_text", "text": MESSAGE}}},
                              detected=True, speak=speak)
    assert left is not None and left.message.startswith("Hello Ada,")
    prompt = detected_voicemail({"voicemail_option": {"action": {"type": "prompt", "text": "Ask for a call back."}}},
                                detected=True, speak=speak)
    assert prompt is not None and prompt.message == "Ask for a call back."
    hung_up = detected_voicemail({"voicemail_option": {"action": {"type": "hangup"}}}, detected=True, speak=speak)
    assert hung_up is not None and (hung_up.message, hung_up.talked_ms) == ("", DETECTION_MS)
    assert detected_voicemail({"voicemail_option": None}, detected=True, speak=speak) is None
    assert detected_voicemail({}, detected=True, speak=speak) is None
    assert detected_voicemail({"voicemail_option": {"action": {"type": "hangup"}}}, detected=False, speak=speak) is None
