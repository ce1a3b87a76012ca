"""One Telegram update followed through the services by its trace id: a person takes the free trial,
the bot calls the wallet's BuySubscription, the wallet records `wallet.subscription.activated`, and
the bot's consumer turns it into a message. Every log line of that chain (the bot's update, the
wallet's call, the consumer's event) carries the same trace id, and no other update shares it."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from services.runtime.logs import JsonFormatter
from tests.bot.conftest import BotHarness


class _Lines(logging.Handler):
    """Every log line of the services, as the JSON formatter writes it, read back."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(JsonFormatter("test"))
        self.lines: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.format(record)))


@pytest.fixture
def log_lines() -> Iterator[_Lines]:
    lines = _Lines()
    services = logging.getLogger("services")
    level = services.level
    services.setLevel(logging.DEBUG)
    logging.getLogger().addHandler(lines)
    try:
        yield lines
    finally:
        logging.getLogger().removeHandler(lines)
        services.setLevel(level)


async def line_where(lines: _Lines, **wanted: str) -> dict[str, Any]:
    for _ in range(300):
        for line in lines.lines:
            if all(wanted[key] in str(line.get(key, "")) for key in wanted):
                return line
        await asyncio.sleep(0.05)
    raise AssertionError(f"no log line with {wanted}")


async def test_the_trial_is_followed_from_the_update_to_the_wallet_and_back_by_one_trace_id(
        bot: BotHarness, log_lines: _Lines) -> None:
    person = bot.person("en")
    await person.say("/start")
    await person.press("English")
    await person.wait_for_text("What is your name")
    await person.say("Acme Dental")
    await person.press("I accept")
    await person.press("Start the free trial")
    await person.wait_for_text("is active until")

    consumed = await line_where(log_lines, logger="services.runtime.consumers", msg="wallet.subscription.activated")
    trace_id = consumed["trace_id"]
    chain = [line for line in log_lines.lines if line.get("trace_id") == trace_id]
    updates = [line for line in chain if line["logger"] == "services.bot.updates"]
    bought = [line for line in chain if line["msg"].startswith("BuySubscription: OK")]
    assert len(updates) == 1 and updates[0]["msg"] == "telegram update: handled" and updates[0]["update_id"] > 0
    assert len(bought) == 1, "the wallet's BuySubscription is logged under the update's trace"
    assert {line["logger"] for line in chain} >= {"services.bot.updates", "services.runtime.grpc_interceptor",
                                                  "services.runtime.consumers"}

    # Each update is a trace of its own.
    update_traces = [line["trace_id"] for line in log_lines.lines if line["logger"] == "services.bot.updates"]
    assert len(update_traces) == len(set(update_traces)) >= 5
    assert all(len(line["trace_id"]) == 16 for line in log_lines.lines if line["logger"] == "services.bot.updates")
