"""Every flow of DESIGN.md §5 against the running platform, through its outside doors only."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from datetime import UTC, datetime

import httpx

from devstack.demo import callable_numbers
from devstack.local_platform import LocalPlatform
from tests.e2e.conftest import Chat, platform_state, text_of


async def script_callee(sandbox: httpx.AsyncClient, number: str, **scenario: object) -> None:
    (await sandbox.put(f"/sandbox/retell/scenarios/{number}", json=scenario)).raise_for_status()


async def pay_latest_invoice(sandbox: httpx.AsyncClient) -> None:
    payments = (await sandbox.get("/sandbox/dynopay/payments")).json()["payments"]
    pending = [p for p in payments if p["status"] == "pending"]
    assert pending, "no open invoice at DynoPay"
    (await sandbox.post(f"/sandbox/dynopay/payments/{pending[-1]['payment_id']}/pay")).raise_for_status()


async def top_up(chat: Chat, sandbox: httpx.AsyncClient, dollars: str) -> None:
    await chat.press("Wallet & plans")
    await chat.press("Top up")
    await chat.wait_for("Which coin")
    messages = await chat.messages()
    coin = next(b["callback_data"] for m in reversed(messages) for row in (m.get("reply_markup") or {})
                .get("inline_keyboard", []) for b in row if b.get("callback_data", "").startswith("coin:"))
    await chat.press(coin.split(":")[1])
    await chat.wait_for("How many US dollars")
    await chat.say(dollars)
    await chat.wait_for("Send exactly")
    await pay_latest_invoice(sandbox)
    await chat.wait_for("Payment confirmed")


async def build_card_check_flow(chat: Chat) -> None:
    """A flow that collects four digits about a card: screening sends it to review."""
    since = await chat.newest_message_id() + 1  # only this wizard's buttons: older ones are a gone draft's
    await chat.say("/menu")
    await chat.press("IVR flows", since=since)
    await chat.press("New flow", since=since)
    await chat.say("Card check")
    await chat.press("The default voice", since=since)
    await chat.press("Collect digits", since=since)
    await chat.say("Please type the last four digits of your card.")
    await chat.say("4")
    await chat.press("End the call", since=since)
    await chat.say("Thank you.")
    await chat.press("Save", since=since)
    await chat.wait_for("waiting for review")


async def build_menu_flow(chat: Chat, name: str) -> None:
    since = await chat.newest_message_id() + 1  # only this wizard's buttons: older ones are a gone draft's
    await chat.say("/menu")
    await chat.press("IVR flows", since=since)
    await chat.press("New flow", since=since)
    await chat.say(name)
    await chat.press("The default voice", since=since)
    await chat.press("Key-press menu", since=since)
    await chat.say("Press 1 to confirm your visit, 2 to cancel it.")
    await chat.say("1 2")
    await chat.press("End the call", since=since)
    await chat.say("Thank you, goodbye.")
    await chat.press("Go to n2", since=since)
    await chat.press("Save", since=since)
    await chat.wait_for(f"{name} was saved")
    await asyncio.sleep(0.3)  # the flow's picture and text arrive before the saved message's buttons


async def test_flow_1_onboarding_and_flow_5_money(chat: Chat, sandbox: httpx.AsyncClient) -> None:
    await chat.say("/start")
    await chat.press("Français")
    await chat.wait_for("nom")
    await chat.say("Cabinet Dupont")
    await chat.press("J'accepte")
    await chat.press("essai")  # the free trial, offered once
    await chat.wait_for("Menu principal")
    await chat.press("Compte")
    await chat.press("Langue")
    await chat.press("English")
    await chat.wait_for("Language changed to English")
    await chat.press("Main menu")
    await top_up(chat, sandbox, "30")
    await chat.press("Main menu")
    await chat.press("Wallet & plans")
    await chat.press("Plans")
    await chat.press("Elite, 7 days")
    await chat.press("Pay from the wallet")
    await chat.press("Yes, buy it")
    await chat.wait_for("is active until")
    await chat.press("Wallet")
    balance = await chat.wait_for("Balance: $5.00")
    assert "Elite" in text_of(balance)


async def test_flow_2_ivr_flows_with_review(chat: Chat, sandbox: httpx.AsyncClient, platform: LocalPlatform) -> None:
    await chat.onboard("Review Clinic")
    await build_menu_flow(chat, "Confirmations")
    await chat.press("Open the flow")
    await chat.wait_for("Status: ✅ approved")

    await chat.press("Main menu")
    await build_card_check_flow(chat)

    admin = Chat(platform, chat.http, 1, flow=chat.flow)
    if "Main menu" not in "".join(text_of(m) for m in await admin.messages()):
        await admin.onboard("Operator")
    await admin.say("/menu")
    await admin.press("Admin")
    await admin.press("Flows to review")
    await admin.press("Card check")
    await admin.wait_for("last four digits")  # the review shows every text of the flow
    await admin.press("✅ Approve")
    await admin.press("Yes, approve")  # approving asks to confirm
    await chat.wait_for("Your flow Card check was approved")


async def test_flow_3_a_call_and_its_outcome(chat: Chat, sandbox: httpx.AsyncClient) -> None:
    number = callable_numbers(1, datetime.now(UTC))[0]
    await script_callee(sandbox, number, duration_ms=61_000, keys=[{"digit": "2", "at_ms": 3000}],
                        summary="The callee cancelled.", sentiment="Negative")
    await chat.onboard("Call Clinic")
    await top_up(chat, sandbox, "10")
    await build_menu_flow(chat, "Visit")
    await chat.press("Call a number")
    await chat.wait_for("international form")
    await chat.say(number)
    await chat.press("Any from the pool")
    await chat.press("Call now")
    outcome = await chat.wait_for("Keys pressed: 2", within=60.0)
    assert "Duration: 1:01" in text_of(outcome) and "Cost: $0.30" in text_of(outcome)
    await chat.wait_for("Summary: The callee cancelled.")


async def test_flow_4_a_campaign_with_its_report(chat: Chat, sandbox: httpx.AsyncClient) -> None:
    numbers = callable_numbers(5, datetime.now(UTC))
    for number in numbers:
        await script_callee(sandbox, number, duration_ms=20_000, keys=[{"digit": "1", "at_ms": 2000}])
    await chat.onboard("Campaign Clinic")
    await top_up(chat, sandbox, "20")
    await build_menu_flow(chat, "Round")
    await chat.press("Main menu")
    await chat.press("Campaigns")
    await chat.press("New campaign")
    await chat.press("Round")
    await chat.press("Now")
    await chat.wait_for("Send the numbers")
    await chat.upload(("number\n" + "\n".join(numbers) + "\n").encode(), "round.csv")
    await chat.wait_for("5 numbers to call")
    await chat.press("Start now")
    await chat.wait_for("5 of 5 done", within=90.0)
    await chat.wait_for("The campaign's report")
    await chat.wait_for("Outcomes")


async def run_cronjob(platform: LocalPlatform, tick: str) -> dict[str, object]:
    # Each tick calls with its own identity's token, derived in development.
    environment = {**os.environ, "SPEECHCUE_ENV": "development"}
    for service in platform.services:
        if service.grpc_port is not None:
            environment[f"{service.name.upper()}_GRPC_ADDR"] = service.grpc_address
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "cronjobs", tick, env=environment,
                                                   stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    state = platform_state(platform)
    assert process.returncode == 0, f"[ticks] {tick}: {out.decode()} {err.decode()}; platform: {state}"
    return dict(json.loads(out))


async def test_flow_6_every_tick_runs_and_a_repeat_in_its_minute_changes_nothing(platform: LocalPlatform) -> None:
    from cronjobs.schedule import TICKS

    for tick in TICKS:
        first = await run_cronjob(platform, tick.name)
        again = await run_cronjob(platform, tick.name)
        assert first["ok"] and again["ok"]
        # Each run is its own trace (a fresh id in its logs); what it did is the same.
        assert first["trace_id"] != again["trace_id"]
        if first["key"] == again["key"]:
            assert {**first, "trace_id": ""} == {**again, "trace_id": ""}


async def test_a_killed_service_is_reported_not_waited_for(chat: Chat, platform: LocalPlatform,
                                                           sandbox: httpx.AsyncClient) -> None:
    await chat.onboard("Outage Clinic")
    platform.kill("wallet")
    try:
        await chat.press("Wallet & plans")
        refusal = await chat.wait_for("busy or unreachable", within=40.0)
        assert "Nothing was changed" in text_of(refusal)
        assert "wallet DOWN" in platform_state(platform)
    finally:
        platform.start_service("wallet")
        platform.wait_ready("wallet")
    # As a person would: try again until the wallet answers (the bot finds it again within seconds).
    for _ in range(10):
        await chat.say("/menu")
        await chat.press("Wallet & plans")
        try:
            await chat.wait_for("Balance: $0.00", within=3.0)
            return
        except AssertionError:
            continue
    raise AssertionError(f"[{chat.flow}] the bot never reached the restarted wallet; platform: "
                         f"{platform_state(platform)}")
