"""A first-time customer's whole first session in the browser chat (headless Chromium, the platform
as `./dev up` runs it, the page the sandbox serves): onboarding with a timezone, a flow built in the
wizard and test-called to their own phone (answered in the callee panel: told what the agent says,
pressing a key, the call ending when the flow does), then restructured in the editor, a campaign with its
estimate and why its callees wait, and "Call back" in the key-press inbox. A screenshot of each part
is kept (`SPEECHCUE_ARTIFACTS`, default `test-artifacts/`)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
from selenium.webdriver.remote.webdriver import WebDriver

from devstack.demo import PLACES, callable_numbers
from devstack.local_platform import LocalPlatform
from devstack.platform import sandbox_url
from tests.e2e.browser import (
    ARTIFACTS,
    answer_myself,
    chat_text,
    chromium,  # noqa: F401 (the `browser` fixture)
    open_chat,
    pay_in_the_panel,
    photos_per_message,
    press,
    press_as_callee,
    screenshot,
    type_message,
    until,
    until_callee,
    until_newest,
    upload,
)

MENU_WORDS = "Press 1 to confirm, 2 to cancel."


def sleeping_numbers(count: int, now: datetime) -> list[str]:
    """Numbers in the demo place whose calling hours (08:00–21:00 there) open the longest from now."""
    def until_open(zone: str) -> timedelta:
        local = now.astimezone(ZoneInfo(zone))
        opening = local.replace(hour=8, minute=0, second=0, microsecond=0)
        if local.hour >= 8:
            opening += timedelta(days=1)
        return opening - local

    _, pattern = max(((zone, pattern) for zone, pattern in PLACES
                         if not 8 <= now.astimezone(ZoneInfo(zone)).hour < 21), key=lambda place: until_open(place[0]))
    return [pattern.format(40 + index) for index in range(count)]


async def test_a_first_time_customer_builds_calls_campaigns_and_calls_back_in_the_browser(
        platform: LocalPlatform, sandbox: httpx.AsyncClient, browser: WebDriver, tmp_path: Path) -> None:
    user_id = 4_100_002
    now = datetime.now(UTC)
    own_number = callable_numbers(3, now)[2]  # inside its calling hours now
    asleep = sleeping_numbers(2, now)
    await asyncio.to_thread(open_chat, browser, f"{sandbox_url(platform.ports)}/chat", user_id)

    # Onboarding, with the timezone picked on the terms screen.
    await type_message(browser, "/start")
    await until(browser, "Welcome to Speechcue")
    await press(browser, "English")
    await until(browser, "What is your name")
    await type_message(browser, "Journey Dental")
    await until(browser, "Your timezone: UTC (it is ")
    await press(browser, "New York · Eastern Time")
    await until(browser, "Your timezone: America/New_York (it is ")
    await screenshot(browser, "journey-1-timezone")
    await press(browser, "I accept")
    await press(browser, "No, thanks")
    await until(browser, "Main menu")

    await press(browser, "Wallet & plans")
    await press(browser, "Top up")
    await until(browser, "Which coin")
    await press(browser, "BTC")
    await until(browser, "How many US dollars")
    await type_message(browser, "20")
    await until(browser, "Send exactly")
    await pay_in_the_panel(browser)
    await until(browser, "Payment confirmed")

    # A flow built in the wizard.
    await type_message(browser, "/menu")
    await until_newest(browser, "What would you like to do?")
    await press(browser, "IVR flows")
    await press(browser, "New flow")
    await until(browser, "What should it be called")
    await type_message(browser, "Journey reminder")
    await until(browser, "Which voice should speak")
    await press(browser, "The default voice")
    await until(browser, "What should the callee hear first")
    await press(browser, "Key-press menu")
    await until(browser, "Send what the menu says")
    await type_message(browser, MENU_WORDS)
    await until(browser, "Which keys does this menu offer")
    await type_message(browser, "1 2")
    await until(browser, "when the callee presses 1 in step n1")
    await press(browser, "End the call")
    await until(browser, "Send the goodbye")
    await type_message(browser, "Thank you, see you tomorrow.")
    await until(browser, "when the callee presses 2 in step n1")
    await press(browser, "Go to n2")
    await until(browser, "Journey reminder is complete")

    # The wizard's test call: the flow is saved and calls the customer's own phone, answered in the
    # callee panel, which says what the agent says; the key is pressed, and the flow's end node ends
    # the call.
    await answer_myself(browser, own_number)
    await press(browser, "Test call to my phone")
    await until(browser, "Which number should it call?")
    await type_message(browser, own_number)
    await until(browser, f"Journey reminder was saved. Now the test call to your phone {own_number}")
    await until(browser, "Which caller ID should the callee see")
    await press(browser, "Any from the pool")
    await until(browser, "Ready to call")
    await press(browser, "Call now")
    await press_as_callee(browser, own_number, "Answer")
    card = await until_callee(browser, own_number, MENU_WORDS)
    assert "This is an automated call from Journey Dental." in card, card
    await screenshot(browser, "journey-2-callee-hears")
    await press_as_callee(browser, own_number, "1")
    await until_callee(browser, own_number, "ended (agent_hangup)")
    await until(browser, "Keys pressed: 1", within=60.0)
    await screenshot(browser, "journey-2-test-call-outcome")

    # Then restructured in the editor: a greeting inserted before the menu.
    await type_message(browser, "/menu")
    await until_newest(browser, "What would you like to do?")
    await press(browser, "IVR flows")
    await until_newest(browser, "Your IVR flows")
    await press(browser, "Journey reminder ·")
    await until_newest(browser, "Edit steps")
    await press(browser, "Edit steps")
    await until(browser, "its steps in the order of the call")
    await press(browser, "1. n1:")
    await until(browser, "Step 1 (n1)")
    await press(browser, "Insert before")
    await until(browser, "What kind of step should come before step n1?")
    await press(browser, "Message")
    await until(browser, "Send the message the callee hears")
    await type_message(browser, "Hello from Journey Dental.")
    await until(browser, "Step n3 added.")
    await until(browser, "Ready to save")
    await screenshot(browser, "journey-3-editor")
    await press(browser, "Save")
    await until(browser, "Journey reminder was updated")
    # The flow's picture (a photo, kept in several sizes) shows once.
    await type_message(browser, "/menu")
    await until_newest(browser, "What would you like to do?")
    await press(browser, "IVR flows")
    await until_newest(browser, "Your IVR flows")
    await press(browser, "Journey reminder ·")
    await until_newest(browser, "Review notes")
    shown = await asyncio.to_thread(photos_per_message, browser)
    assert 1 in shown and max(shown) == 1, shown

    # A campaign: its estimate before it starts, then why its callees wait.
    await type_message(browser, "/menu")
    await until_newest(browser, "What would you like to do?")
    await press(browser, "Campaigns")
    await until_newest(browser, "New campaign")
    await press(browser, "New campaign")
    await until_newest(browser, "Which flow should every callee hear?")
    await press(browser, "Journey reminder")
    await until(browser, "Send another name to change it")
    await type_message(browser, "Night owls")
    await until(browser, "Name: Night owls")
    await press(browser, "Now")
    await until(browser, "Send the numbers")
    listing = tmp_path / "night-owls.txt"
    listing.write_text("\n".join(asleep) + "\n")
    await upload(browser, listing)
    await until(browser, "Estimate: 2 calls of up to")
    await until(browser, "cover the first 2 calls")
    await screenshot(browser, "journey-4-campaign-estimate")
    await press(browser, "Start now")
    await wait_for_the_waiting_reason(browser)
    await screenshot(browser, "journey-4-campaign-waits")

    # The key-press inbox: the customer's own answer is a lead to call back.
    await type_message(browser, "/menu")
    await until_newest(browser, "What would you like to do?")
    await press(browser, "Results")
    await until_newest(browser, "Recent calls")
    await press(browser, "Key-press inbox")
    await until(browser, own_number)
    await press(browser, "1 · Call back")
    await until(browser, "Which caller ID should the callee see")
    await press(browser, "Any from the pool")
    await until(browser, "Ready to call")
    assert own_number in (await asyncio.to_thread(chat_text, browser)).split("Ready to call")[-1]
    await screenshot(browser, "journey-5-call-back")
    assert (ARTIFACTS / "journey-5-call-back.png").stat().st_size > 10_000


async def wait_for_the_waiting_reason(browser: WebDriver) -> None:
    """The campaign's screen, opened again until the dispatcher has looked at its callees, names why
    they wait."""
    for _ in range(10):
        await press(browser, "Open the campaign")
        try:
            await until(browser, "2 callees wait for their calling hours: next at", within=3.0)
            return
        except AssertionError:
            continue
    await until(browser, "2 callees wait for their calling hours: next at", within=1.0)
