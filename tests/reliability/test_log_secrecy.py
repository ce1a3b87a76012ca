"""No secret, token or full phone number in a log line (DESIGN.md §6; issue 9, part 3).

A platform of its own, as `./dev up` runs it (every service its own process with its JSON logs in a
file, on ports of its own), every service at DEBUG so the most talkative logs are searched too, goes
through a customer's whole journey: onboarding, a top-up paid at DynoPay, a flow, a call with key
presses and an opt-out, a campaign from an uploaded list, an admin's review and every tick. Then each
log is searched for every secret the platform was started with and every phone number that was used,
written any way a log could write it.
"""

from __future__ import annotations

import logging
import re
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from cronjobs.schedule import TICKS
from devstack.demo import callable_numbers
from devstack.local_platform import LocalPlatform, on_free_ports
from devstack.platform import LOCAL_DYNOPAY, LOCAL_HARNESS_TOKEN, LOCAL_RETELL_KEY, LOCAL_TELEGRAM, LocalPorts
from devstack.platform import sandbox_url as sandbox_address
from services.runtime.callers import IDENTITIES, development_token
from services.runtime.logs import JsonFormatter, secret_values
from tests.e2e.conftest import Chat
from tests.e2e.test_flows import build_card_check_flow, build_menu_flow, run_cronjob, script_callee, top_up

PORTS = LocalPorts(postgres=23329, nats=23222, http_base=23000, grpc_base=23050)
PRODUCT_SERVICES = ("wallet", "calls", "payments", "bot")
ADMIN_USER = 1  # SPEECHCUE_ADMIN_TELEGRAM_IDS of the local platform


@pytest.fixture(scope="module")
def platform() -> Iterator[LocalPlatform]:
    debug = {"SPEECHCUE_LOG_LEVEL": "DEBUG"}
    with tempfile.TemporaryDirectory(prefix="speechcue-logs-") as folder:
        running = on_free_ports(Path(folder), PORTS, ticker=False, overrides={
            **{name: debug for name in PRODUCT_SERVICES}, "sandbox": {"SANDBOX_TIME_SCALE": "0.05"}})
        try:
            running.start()
            yield running
        finally:
            running.stop()


def secrets() -> dict[str, str]:
    """Every secret the local platform starts its services with, by its variable's name."""
    found = {"the harness's caller token": LOCAL_HARNESS_TOKEN, "RETELL_API_KEY": LOCAL_RETELL_KEY,
             **dict(LOCAL_DYNOPAY), **dict(LOCAL_TELEGRAM),
             # What each service and tick calls with (derived in development: services/runtime/callers.py).
             **{f"the {identity} caller token": development_token(identity) for identity in sorted(IDENTITIES)}}
    # The bot token's secret half alone is as good as the whole token.
    found["TELEGRAM_BOT_TOKEN (secret half)"] = found["TELEGRAM_BOT_TOKEN"].split(":", 1)[1]
    return found


def spellings(number: str) -> list[str]:
    """How a log could write an E.164 number: as is, without '+', national digits, grouped."""
    digits = number.lstrip("+")
    national = digits[1:] if digits.startswith("1") else digits
    grouped = f"{national[:3]}[ .-]?{national[3:6]}[ .-]?{national[6:]}"
    return [re.escape(number), re.escape(digits), re.escape(national), grouped, rf"\({national[:3]}\) ?{national[3:6]}"
            rf"[ .-]?{national[6:]}"]


def leaks(text: str, numbers: list[str]) -> list[str]:
    found = [f"{name} ({value[:4]}…)" for name, value in secrets().items() if value in text]
    for number in numbers:
        if any(re.search(pattern, text) for pattern in spellings(number)):
            found.append(f"the phone number …{number[-2:]}")
    return found


def excerpt(line: str) -> str:
    """Where a leaking line comes from, without repeating what it leaks."""
    for value in secrets().values():
        line = line.replace(value, "<secret>")
    return f"in {re.sub(r'[0-9]{6,}', '<digits>', line)[:160]!r}"


async def journey(platform: LocalPlatform, sandbox: httpx.AsyncClient) -> list[str]:
    """A customer's whole journey and an admin's review. Returns the phone numbers it used."""
    now = datetime.now(UTC)
    callees = callable_numbers(5, now)
    single, opting_out, listed = callees[0], callees[1], callees[2:]
    await script_callee(sandbox, single, duration_ms=30_000, keys=[{"digit": "1", "at_ms": 2000}],
                        summary=f"The callee at {single} confirmed.")
    await script_callee(sandbox, opting_out, duration_ms=10_000, keys=[{"digit": "9", "at_ms": 1000}])
    for number in listed:
        await script_callee(sandbox, number, duration_ms=10_000, keys=[{"digit": "2", "at_ms": 1000}])

    chat = Chat(platform, sandbox, 6_400_001, flow="log secrecy")
    await chat.onboard("Secrecy Clinic")
    await top_up(chat, sandbox, "20")
    await build_menu_flow(chat, "Visit")
    for number in (single, opting_out):
        if number == opting_out:
            await chat.say("/menu")
            await chat.press("IVR flows")
            await chat.press("Visit")
        await chat.press("Call a number")
        await chat.wait_for("international form")
        await chat.say(number)
        await chat.press("Any from the pool")
        await chat.press("Call now")
        await chat.wait_for("Duration:", within=60.0)
    await chat.press("Main menu")
    await chat.press("Campaigns")
    await chat.press("New campaign")
    await chat.press("Visit")
    await chat.press("Now")
    await chat.wait_for("Send the numbers")
    await chat.upload(("number\n" + "\n".join(listed) + "\n").encode(), "list.csv")
    await chat.wait_for(f"{len(listed)} numbers to call")
    await chat.press("Start now")
    await chat.wait_for(f"{len(listed)} of {len(listed)} done", within=90.0)

    await chat.say("/menu")
    await build_card_check_flow(chat)
    admin = Chat(platform, sandbox, ADMIN_USER, flow="log secrecy (admin)")
    await admin.onboard("Operator")
    await admin.press("Admin")
    await admin.press("Flows to review")
    await admin.press("Card check")
    await admin.press("✅ Approve")
    await admin.press("Yes, approve")  # approving asks to confirm
    await chat.wait_for("Your flow Card check was approved")

    for tick in TICKS:
        await run_cronjob(platform, tick.name)
    placed = (await sandbox.get("/sandbox/retell/calls")).json()["calls"]
    caller_ids = {str(call["from_number"]) for call in placed}
    assert caller_ids and {str(call["to_number"]) for call in placed} == set(callees)
    return [*callees, *sorted(caller_ids)]


async def test_no_log_line_of_any_service_holds_a_secret_or_a_full_phone_number(platform: LocalPlatform) -> None:
    async with httpx.AsyncClient(base_url=sandbox_address(platform.ports), timeout=15.0) as sandbox:
        numbers = await journey(platform, sandbox)
    findings: dict[str, list[str]] = {}
    lines = 0
    for service in (*PRODUCT_SERVICES, "sandbox"):
        log = (platform.logs / f"{service}.log").read_text(errors="replace")
        assert log, f"{service} wrote no log at all: the test would prove nothing"
        for number, line in enumerate(log.splitlines(), start=1):
            lines += 1
            found = leaks(line, numbers)
            if found:
                findings.setdefault(f"{service}.log:{number}", [*found, excerpt(line)])
    print(f"\nsearched {lines} log lines of {len(PRODUCT_SERVICES) + 1} processes for {len(secrets())} secrets and "
          f"{len(numbers)} phone numbers")
    assert not findings, "\n".join(f"{where}: {', '.join(found)}" for where, found in list(findings.items())[:20])


def test_redaction_removes_secrets_by_value_url_passwords_and_numbers() -> None:
    formatter = JsonFormatter("bot", secret_values({"telegram_bot_token": "100000001:token-part",
                                                    "telegram_webhook_secret": "hook-secret",
                                                    "speechcue_log_level": "DEBUG"}))
    record = logging.LogRecord("httpx", logging.INFO, __file__, 1, "POST %s %s %s %s", (
        "http://127.0.0.1:23009/file/bot100000001%3Atoken-part/photo.jpg", "{'secret_token': 'hook-secret'}",
        "postgresql://speechcue:pa55word@127.0.0.1:5432/bot", "to +14155550123"), None)
    line = formatter.format(record)
    assert "token-part" not in line and "hook-secret" not in line and "pa55word" not in line
    assert "14155550123" not in line and "127.0.0.1:23009" in line
