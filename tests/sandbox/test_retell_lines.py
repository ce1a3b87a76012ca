"""The Retell simulator's lines taken from elsewhere: calls it does not run (inbound, other API keys)
count in get-concurrency's current_concurrency and against the limit, and a create can be refused
with 429 as when those lines are taken between a client's look and its call."""

from __future__ import annotations

import httpx

from tests.sandbox.conftest import SandboxHarness


async def make_agent(sandbox: SandboxHarness) -> str:
    flow = await sandbox.api("POST", "/create-conversation-flow", json={"start_speaker": "agent", "nodes": []})
    agent = await sandbox.api("POST", "/create-agent", json={
        "response_engine": {"type": "conversation-flow", "conversation_flow_id": flow.json()["conversation_flow_id"]},
        "voice_id": "11labs-Adrian"})
    return str(agent.json()["agent_id"])


async def create(sandbox: SandboxHarness, agent: str, to_number: str) -> httpx.Response:
    return await sandbox.api("POST", "/v2/create-phone-call", json={
        "from_number": "+14155550100", "to_number": to_number, "override_agent_id": agent})


async def test_lines_used_elsewhere_count_in_get_concurrency_and_against_the_limit(sandbox: SandboxHarness) -> None:
    agent = await make_agent(sandbox)  # the sandbox fixture's account has 3 lines
    await sandbox.client.put("/sandbox/retell/scenarios/+14155550140", json={"duration_ms": 600000})
    lines = await sandbox.client.put("/sandbox/retell/lines", params={"used_elsewhere": 2})
    assert lines.json() == {"used_elsewhere": 2, "busy_creates": 0}
    concurrency = (await sandbox.api("GET", "/get-concurrency")).json()
    assert (concurrency["current_concurrency"], concurrency["concurrency_limit"]) == (2, 3)
    assert (await create(sandbox, agent, "+14155550140")).status_code == 201
    over = await create(sandbox, agent, "+14155550141")
    assert over.status_code == 429 and over.json()["message"]
    assert (await sandbox.api("GET", "/get-concurrency")).json()["current_concurrency"] == 3
    assert (await sandbox.client.put("/sandbox/retell/lines", params={"used_elsewhere": -1})).status_code == 400


async def test_busy_creates_refuse_the_next_creates_whatever_the_count(sandbox: SandboxHarness) -> None:
    agent = await make_agent(sandbox)
    await sandbox.client.put("/sandbox/retell/lines", params={"busy_creates": 1})
    assert (await create(sandbox, agent, "+14155550142")).status_code == 429
    assert (await create(sandbox, agent, "+14155550142")).status_code == 201
    assert (await sandbox.api("GET", "/get-concurrency")).json()["current_concurrency"] == 1
