"""The browser chat in headless Chromium, on the platform as `./dev up` runs it: a person presses
through onboarding, a top-up paid in the side panel, the flow wizard and a call, in the page the
sandbox serves, and reads the call's outcome there. Screenshots are kept as artifacts
(`SPEECHCUE_ARTIFACTS`, default `test-artifacts/`).

Selenium's calls block, and the sandbox and the bot serve from this test's event loop, so every
browser call runs in a thread (`asyncio.to_thread`)."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from devstack.demo import callable_numbers
from devstack.local_platform import LocalPlatform
from devstack.platform import sandbox_url

ARTIFACTS = Path(os.environ.get("SPEECHCUE_ARTIFACTS", "test-artifacts"))


@pytest.fixture
def browser() -> Iterator[WebDriver]:
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if os.environ.get("SPEECHCUE_BROWSER") == "off":
        pytest.skip("SPEECHCUE_BROWSER=off")
    if chromium is None or driver is None:
        pytest.fail("the browser test needs Debian's chromium and chromium-driver; `./dev test` installs them "
                    "when it can (root or passwordless sudo), or set SPEECHCUE_BROWSER=off")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900",
                     "--disable-gpu"):
        options.add_argument(argument)
    session = webdriver.Chrome(options=options, service=Service(driver))
    session.set_page_load_timeout(30)
    try:
        yield session
    finally:
        session.quit()


def chat_text(browser: WebDriver) -> str:
    try:
        return str(browser.find_element(By.ID, "messages").text)
    except StaleElementReferenceException:
        return ""


async def until(browser: WebDriver, text: str, *, within: float = 20.0) -> None:
    """Waits until the page's chat shows `text` (the page polls the simulator on its own)."""
    deadline = asyncio.get_running_loop().time() + within
    while text not in await asyncio.to_thread(chat_text, browser):
        if asyncio.get_running_loop().time() > deadline:
            shown = await asyncio.to_thread(chat_text, browser)
            raise AssertionError(f"the chat never showed {text!r}; it shows:\n{shown[-800:]}")
        await asyncio.sleep(0.2)


def click_newest(browser: WebDriver, label: str) -> bool:
    # The page redraws the chat when it changes, so an element found a moment ago may be gone.
    try:
        buttons = [b for b in browser.find_elements(By.CSS_SELECTOR, ".keyboard button") if label in b.text]
        if buttons:
            buttons[-1].click()
        return bool(buttons)
    except StaleElementReferenceException:
        return False


async def press(browser: WebDriver, label: str) -> None:
    """Clicks the newest button whose label contains `label`."""
    deadline = asyncio.get_running_loop().time() + 20.0
    while not await asyncio.to_thread(click_newest, browser, label):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"no button {label!r} in the chat")
        await asyncio.sleep(0.2)


def _type(browser: WebDriver, text: str) -> None:
    field = browser.find_element(By.ID, "text")
    field.clear()
    field.send_keys(text)
    browser.find_element(By.ID, "send").click()


async def type_message(browser: WebDriver, text: str) -> None:
    await asyncio.to_thread(_type, browser, text)


async def screenshot(browser: WebDriver, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    await asyncio.to_thread(browser.save_screenshot, str(ARTIFACTS / f"{name}.png"))


def _open(browser: WebDriver, url: str, user_id: int) -> None:
    browser.get(url)
    user_field = browser.find_element(By.ID, "user")
    user_field.clear()
    user_field.send_keys(str(user_id))


def click_pay(browser: WebDriver) -> bool:
    try:
        buttons = [b for b in browser.find_elements(By.CSS_SELECTOR, "#invoices button") if "Pay" in b.text]
        if buttons:
            buttons[0].click()
        return bool(buttons)
    except StaleElementReferenceException:
        return False


async def pay_in_the_panel(browser: WebDriver) -> None:
    deadline = asyncio.get_running_loop().time() + 20.0
    while not await asyncio.to_thread(click_pay, browser):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("no open invoice in the side panel")
        await asyncio.sleep(0.3)


async def test_a_person_onboards_and_reads_a_call_outcome_in_the_browser_chat(
        platform: LocalPlatform, sandbox: httpx.AsyncClient, browser: WebDriver) -> None:
    """On the platform as `./dev up` runs it: the page the sandbox serves, a person pressing through."""
    user_id = 4_100_001
    number = callable_numbers(1, datetime.now(UTC))[0]
    (await sandbox.put(f"/sandbox/retell/scenarios/{number}", json={
        "duration_ms": 42_000, "keys": [{"digit": "1", "at_ms": 2000}]})).raise_for_status()
    await asyncio.to_thread(_open, browser, f"{sandbox_url(platform.ports)}/chat", user_id)
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
