"""The browser chat in headless Chromium, on the platform as `./dev up` runs it: a person presses
through onboarding, a top-up paid in the side panel, the flow wizard and a call, in the page the
sandbox serves, and reads the call's outcome there. Screenshots are kept as artifacts
(`SPEECHCUE_ARTIFACTS`, default `test-artifacts/`); the browser and its helpers are `browser.py`'s."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import httpx
from selenium.webdriver.remote.webdriver import WebDriver

from devstack.demo import callable_numbers
from devstack.local_platform import LocalPlatform
from devstack.platform import sandbox_url
from tests.e2e.browser import (
    ARTIFACTS,
    chromium,  # noqa: F401 (the `browser` fixture)
    open_chat,
    pay_in_the_panel,
    press,
    screenshot,
    type_message,
    until,
)


async def test_a_person_onboards_and_reads_a_call_outcome_in_the_browser_chat(
        platform: LocalPlatform, sandbox: httpx.AsyncClient, browser: WebDriver) -> None:
    """On the platform as `./dev up` runs it: the page the sandbox serves, a person pressing through."""
    user_id = 4_100_001
    number = callable_numbers(1, datetime.now(UTC))[0]
    (await sandbox.put(f"/sandbox/retell/scenarios/{number}", json={
        "duration_ms": 42_000, "keys": [{"digit": "1", "at_ms": 2000}]})).raise_for_status()
    await asyncio.to_thread(open_chat, browser, f"{sandbox_url(platform.ports)}/chat", user_id)
    await type_message(browser, "/start")
    await until(browser, "Welcome to Speechcue")
    await press(browser, "English")
    await until(browser, "What is your name")
    await type_message(browser, "Browser Dental")
    await press(browser, "I accept")
    await press(browser, "No, thanks")
    await until(browser, "Main menu")
    await screenshot(browser, "onboarding")

    await press(browser, "Wallet & plans")
    await press(browser, "Top up")
    await until(browser, "Which coin")
    await press(browser, "BTC")
    await until(browser, "How many US dollars")
    await type_message(browser, "10")
    await until(browser, "Send exactly")
    await pay_in_the_panel(browser)
    await until(browser, "Payment confirmed")

    # Like a person, each answer waits for the bot's question: the page sends a typed message and a
    # press as two requests, and one sent before the last was answered may overtake it, or press a
    # button of an older keyboard.
    await type_message(browser, "/menu")
    await press(browser, "IVR flows")
    await press(browser, "New flow")
    await until(browser, "What should it be called")
    await type_message(browser, "Browser reminder")
    await until(browser, "Which voice should speak")
    await press(browser, "The default voice")
    await until(browser, "What should the callee hear first")
    await press(browser, "Key-press menu")
    await until(browser, "Send what the menu says")
    await type_message(browser, "Press 1 to confirm, 2 to cancel.")
    await until(browser, "Which keys does this menu offer")
    await type_message(browser, "1 2")
    await until(browser, "when the callee presses 1 in step n1")
    await press(browser, "End the call")
    await until(browser, "Send the goodbye")
    await type_message(browser, "Thank you.")
    await until(browser, "when the callee presses 2 in step n1")
    await press(browser, "Go to n2")
    await press(browser, "Save")
    await until(browser, "Browser reminder was saved")
    await press(browser, "Call a number")
    await until(browser, "international form")
    await type_message(browser, number)
    await until(browser, "Which caller ID should the callee see")
    await press(browser, "Any from the pool")
    await until(browser, "Ready to call")
    await press(browser, "Call now")
    await until(browser, "Keys pressed: 1", within=60.0)
    await until(browser, "Duration: 0:42")
    await screenshot(browser, "call-outcome")
    assert (ARTIFACTS / "call-outcome.png").stat().st_size > 10_000
