"""`python -m cronjobs <tick>`: what each CronJob runs. It asks the owning service to run the tick
for the latest scheduled minute (so a retried Job repeats nothing), prints the result as one JSON
line and exits 0; 1 when the service refused or stayed unreachable, 2 on bad usage.

Configuration (environment): `SPEECHCUE_CALLER_TOKEN`, the token of this tick's own identity
(`tick-<name>`, services/runtime/callers.py; derived when empty and SPEECHCUE_ENV is development or
test), and `<SERVICE>_GRPC_ADDR` of the tick's service, e.g. `WALLET_GRPC_ADDR` for billing."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from datetime import UTC, datetime

import grpc

from cronjobs.requesting import request_tick, tick_key
from cronjobs.schedule import TICKS, tick_named
from services.runtime.callers import CallerConfigurationError, own_token, tick_identity
from services.runtime.tracing import continue_trace, new_trace_id


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[1] not in {tick.name for tick in TICKS}:
        print(f"usage: python -m cronjobs <{'|'.join(tick.name for tick in TICKS)}>", file=sys.stderr)
        return 2
    tick = tick_named(argv[1])
    address_variable = f"{tick.service.upper()}_GRPC_ADDR"
    address = os.environ.get(address_variable, "")
    try:
        token = own_token(identity=tick_identity(tick.name), configured=os.environ.get("SPEECHCUE_CALLER_TOKEN", ""),
                          environment=os.environ.get("SPEECHCUE_ENV", "production"))
    except CallerConfigurationError as error:
        print(error, file=sys.stderr)
        return 2
    if not address:
        print(f"set {address_variable}", file=sys.stderr)
        return 2
    scheduled_at = tick.cron.latest_at_or_before(datetime.now(UTC))
    trace_id = continue_trace(new_trace_id())  # the service's log lines of this run carry it
    try:
        result = asyncio.run(request_tick(tick, scheduled_at, address=address, token=token))
    except grpc.aio.AioRpcError as error:
        print(json.dumps({"tick": tick.name, "key": tick_key(tick, scheduled_at), "trace_id": trace_id, "ok": False,
                          "code": error.code().name, "details": error.details()}), flush=True)
        return 1
    print(json.dumps({"tick": tick.name, "key": tick_key(tick, scheduled_at), "trace_id": trace_id, "ok": True,
                      "processed": result.processed, "succeeded": result.succeeded, "failed": result.failed}),
          flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
