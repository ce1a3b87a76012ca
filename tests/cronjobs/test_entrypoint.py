"""`python -m cronjobs <tick>` against a running wallet: runs the tick, and a retried Job in the
same scheduled minute repeats nothing."""

from __future__ import annotations

import asyncio
import json
import os
import sys

from services.runtime.callers import development_token
from tests.wallet.conftest import WalletHarness, wallet  # noqa: F401


async def run_cronjob(tick: str, environment: dict[str, str]) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "cronjobs", tick, env={**os.environ, **environment},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await process.communicate()
    return process.returncode or 0, out.decode(), err.decode()


async def test_a_cronjob_runs_its_tick_and_a_retry_in_the_same_minute_replays_it(
        wallet: WalletHarness) -> None:  # noqa: F811
    # The tick calls with its own identity (tick-subscriptions), whose token test derives.
    environment = {"SPEECHCUE_ENV": "test", "WALLET_GRPC_ADDR": f"127.0.0.1:{wallet.running.grpc_port}"}
    first = await run_cronjob("subscriptions", environment)
    second = await run_cronjob("subscriptions", environment)
    assert first[0] == 0, first
    one, two = json.loads(first[1]), json.loads(second[1])
    assert one["ok"] and one["key"].startswith("tick:subscriptions:") and one["key"].endswith(":00Z")
    # Each run is a trace of its own, printed so the service's log lines of it can be found.
    assert len(one.pop("trace_id")) == 16 and len(two.pop("trace_id")) == 16
    if one["key"] == two["key"]:  # not across an hour boundary
        assert one == two


async def test_a_cronjob_without_its_configuration_or_with_a_wrong_token_fails_clearly(
        wallet: WalletHarness) -> None:  # noqa: F811
    address = f"127.0.0.1:{wallet.running.grpc_port}"
    code, _, err = await run_cronjob("billing", {"SPEECHCUE_ENV": "test", "WALLET_GRPC_ADDR": ""})
    assert code == 2 and "WALLET_GRPC_ADDR" in err
    code, _, err = await run_cronjob("no-such-tick", {})
    assert code == 2 and "usage" in err
    code, out, _ = await run_cronjob("billing", {"SPEECHCUE_CALLER_TOKEN": "wrong", "WALLET_GRPC_ADDR": address})
    assert code == 1 and json.loads(out)["code"] == "UNAUTHENTICATED"


async def test_a_cronjob_outside_development_needs_its_own_token_and_may_run_only_its_own_tick(
        wallet: WalletHarness) -> None:  # noqa: F811
    address = f"127.0.0.1:{wallet.running.grpc_port}"
    code, _, err = await run_cronjob("billing", {"SPEECHCUE_ENV": "production", "SPEECHCUE_CALLER_TOKEN": "",
                                                 "WALLET_GRPC_ADDR": address})
    assert code == 2 and "SPEECHCUE_CALLER_TOKEN is not set" in err
    code, _, err = await run_cronjob("billing", {"SPEECHCUE_ENV": "production", "WALLET_GRPC_ADDR": address,
                                                 "SPEECHCUE_CALLER_TOKEN": development_token("tick-billing")})
    assert code == 2 and "published for local development" in err
    # The subscriptions tick's token does not run billing: the wallet knows which tick is calling.
    code, out, _ = await run_cronjob("billing", {"SPEECHCUE_ENV": "test", "WALLET_GRPC_ADDR": address,
                                                 "SPEECHCUE_CALLER_TOKEN": development_token("tick-subscriptions")})
    assert code == 1 and json.loads(out)["code"] == "PERMISSION_DENIED"
    code, out, _ = await run_cronjob("billing", {"SPEECHCUE_ENV": "test", "WALLET_GRPC_ADDR": address,
                                                 "SPEECHCUE_CALLER_TOKEN": development_token("tick-billing")})
    assert code == 0 and json.loads(out)["ok"]
