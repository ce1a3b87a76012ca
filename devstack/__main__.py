"""`./dev up`: the whole platform on this machine.

Starts embedded PostgreSQL and NATS (JetStream) on 127.0.0.1, creates one database per service,
applies every service's migrations, starts each service as its own process and the ticker, prints
one line per part with its address, and on Ctrl-C stops everything it started. Data lives in
`.speechcue/` and persists between runs; `--fresh` starts from empty.
"""

from __future__ import annotations

import argparse
import shutil
import signal
import sys
import time
from pathlib import Path

from cronjobs.schedule import TICKS
from devstack.local_platform import ROOT, LocalPlatform, PortTaken
from devstack.platform import MAX_REPLICAS, SANDBOX_URL


def progress(message: str) -> None:
    sys.stderr.write(f"\r\033[K… {message}")
    sys.stderr.flush()


def announce(part: str, address: str) -> None:
    sys.stderr.write("\r\033[K")
    print(f"  {part:<12} {address}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(prog="./dev up", description=__doc__.splitlines()[0])
    parser.add_argument("--fresh", action="store_true", help="delete the local data and start from empty")
    parser.add_argument("--data", type=Path, default=ROOT / ".speechcue", help="where local data lives")
    parser.add_argument("--replicas", type=int, default=1, choices=range(1, MAX_REPLICAS + 1), metavar="N",
                        help="processes of each service (the sandbox runs once); clients spread over them")
    options = parser.parse_args()

    if options.fresh and options.data.exists():
        shutil.rmtree(options.data)
    platform = LocalPlatform(options.data, progress=progress, announce=announce, replicas=options.replicas)
    started = time.monotonic()
    try:
        platform.check_ports()
    except PortTaken as error:
        print(error, file=sys.stderr)
        return 1
    try:
        platform.start()
        announce("ticker", f"{len(TICKS)} ticks on the schedules of cronjobs/schedule.py (logs/ticker.log)")
        announce("chat", f"{SANDBOX_URL}/chat (the bot in your browser; ./dev demo seeds a customer)")
        print(f"ready in {time.monotonic() - started:.1f} s; logs in {platform.logs}; Ctrl-C stops everything",
              flush=True)
        while True:
            signal.pause()
    except KeyboardInterrupt:
        pass
    except RuntimeError as error:
        sys.stderr.write(f"\r\033[K{error}\n")
        return 1
    finally:
        print("\nstopping …", file=sys.stderr)
        platform.stop()
    return 0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _interrupt)
    sys.exit(main())
