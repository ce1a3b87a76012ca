"""The platform the fault and soak tests run (every service its own process, as `./dev up` runs
it, on ports of their own) and the mixed load they drive through it. Calls are played a hundred
times faster than real time; Telegram keeps its real retry delays, as it retries a bot for hours."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from devstack.local_platform import LocalPlatform, on_free_ports
from devstack.mixed_load import LoadRates, MixedLoad
from devstack.platform import LocalPorts

# Below the ephemeral range, apart from ./dev up's and the other suites' (devstack/local_platform.py).
RELIABILITY_PORTS = LocalPorts(postgres=22329, nats=22222, http_base=22000, grpc_base=22050)
SANDBOX_OVERRIDES = {"SANDBOX_TIME_SCALE": "0.01", "SANDBOX_TELEGRAM_RETRY_SCALE": "1"}
# Telegram lets a bot send about one message a second to a chat: a dozen customers keep the bot's
# notifications of 2 calls a second within that, as real customers would be.
LOAD_RATES = LoadRates(calls=2.0, topups=0.5, bot_updates=2.0)
CUSTOMERS = 12


@pytest.fixture(scope="module")
def platform() -> Iterator[LocalPlatform]:
    with tempfile.TemporaryDirectory(prefix="speechcue-reliability-") as folder:
        running = on_free_ports(Path(folder), RELIABILITY_PORTS, ticker=False, overrides={"sandbox": SANDBOX_OVERRIDES})
        try:
            running.start()
            yield running
        finally:
            running.stop()


@pytest.fixture(scope="module")
async def load(platform: LocalPlatform) -> AsyncIterator[MixedLoad]:
    driven = MixedLoad(platform, rates=LOAD_RATES, customers=CUSTOMERS)
    await driven.prepare()
    try:
        yield driven
    finally:
        await driven.close()
