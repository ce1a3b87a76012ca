"""What the browser tests share: headless Chromium (Debian's chromium and chromium-driver) on the
page the sandbox serves, and a person's hands on it: typing, pressing the newest button, waiting for a
text, paying in the side panel, playing a callee in the callee panel, and screenshots kept as
artifacts (`SPEECHCUE_ARTIFACTS`, default `test-artifacts/`).

Selenium's calls block, and the sandbox and the bot serve from the test's event loop, so every
browser call runs in a thread (`asyncio.to_thread`)."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

ARTIFACTS = Path(os.environ.get("SPEECHCUE_ARTIFACTS", "test-artifacts"))


@pytest.fixture(name="browser")
def chromium() -> Iterator[WebDriver]:
    """Headless Chromium; a test module imports this (`chromium`) to have its `browser` fixture."""
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


def type_into(browser: WebDriver, text: str) -> None:
    field = browser.find_element(By.ID, "text")
    field.clear()
    field.send_keys(text)
    browser.find_element(By.ID, "send").click()


async def type_message(browser: WebDriver, text: str) -> None:
    await asyncio.to_thread(type_into, browser, text)


async def screenshot(browser: WebDriver, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    await asyncio.to_thread(browser.save_screenshot, str(ARTIFACTS / f"{name}.png"))


def open_chat(browser: WebDriver, url: str, user_id: int) -> None:
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


def photos_per_message(browser: WebDriver) -> list[int]:
    """How many pictures each message of the chat shows (a photo is one picture, however many sizes
    Telegram keeps of it)."""
    try:
        return [len(bubble.find_elements(By.TAG_NAME, "img"))
                for bubble in browser.find_elements(By.CSS_SELECTOR, "#messages .message")]
    except StaleElementReferenceException:
        return []


def _answer_myself(browser: WebDriver, number: str) -> None:
    field = browser.find_element(By.ID, "manual-number")
    field.clear()
    field.send_keys(number)
    browser.find_element(By.ID, "manual").click()


async def answer_myself(browser: WebDriver, number: str) -> None:
    """The callee panel's "Answer myself": calls to `number` ring until the person answers them."""
    await asyncio.to_thread(_answer_myself, browser, number)
    deadline = asyncio.get_running_loop().time() + 10.0
    while "Set ✓" not in await asyncio.to_thread(lambda: str(browser.find_element(By.ID, "manual").text)):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("the callee panel never took the number")
        await asyncio.sleep(0.1)


def callee_card_text(browser: WebDriver, number: str) -> str:
    """The newest callee-panel card of a call to `number`, or ""."""
    try:
        cards = [c for c in browser.find_elements(By.CSS_SELECTOR, "#calls .card") if c.text.startswith(number)]
        return str(cards[0].text) if cards else ""
    except StaleElementReferenceException:
        return ""


async def until_callee(browser: WebDriver, number: str, text: str, *, within: float = 30.0) -> str:
    """Waits until the callee panel's card of the call to `number` shows `text`; returns the card."""
    deadline = asyncio.get_running_loop().time() + within
    while text not in (card := await asyncio.to_thread(callee_card_text, browser, number)):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"the callee panel never showed {text!r} for {number}; it shows {card!r}")
        await asyncio.sleep(0.2)
    return card


def _click_callee(browser: WebDriver, number: str, label: str) -> bool:
    try:
        cards = [c for c in browser.find_elements(By.CSS_SELECTOR, "#calls .card") if c.text.startswith(number)]
        buttons = [b for b in cards[0].find_elements(By.CSS_SELECTOR, ".actions button") if b.text == label] \
            if cards else []
        if buttons:
            buttons[0].click()
        return bool(buttons)
    except StaleElementReferenceException:
        return False


async def press_as_callee(browser: WebDriver, number: str, label: str) -> None:
    """Presses a button ("Answer", a key, "Hang up") on the callee panel's card of the call to `number`."""
    deadline = asyncio.get_running_loop().time() + 20.0
    while not await asyncio.to_thread(_click_callee, browser, number, label):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"no {label!r} on the callee panel for {number}")
        await asyncio.sleep(0.2)


def newest_bot_text(browser: WebDriver) -> str:
    try:
        bubbles = browser.find_elements(By.CSS_SELECTOR, "#messages .message.bot")
        return str(bubbles[-1].text) if bubbles else ""
    except StaleElementReferenceException:
        return ""


async def until_newest(browser: WebDriver, text: str, *, within: float = 20.0) -> None:
    """Waits until the bot's newest message shows `text`: for a screen whose words an older message
    also shows, so the next press is on the screen it meant."""
    deadline = asyncio.get_running_loop().time() + within
    while text not in await asyncio.to_thread(newest_bot_text, browser):
        if asyncio.get_running_loop().time() > deadline:
            shown = await asyncio.to_thread(newest_bot_text, browser)
            raise AssertionError(f"the bot's newest message never showed {text!r}; it shows:\n{shown[-800:]}")
        await asyncio.sleep(0.2)


async def upload(browser: WebDriver, path: Path) -> None:
    """Sends a file as the page's 📎 does."""
    await asyncio.to_thread(lambda: browser.find_element(By.ID, "file").send_keys(str(path.resolve())))
