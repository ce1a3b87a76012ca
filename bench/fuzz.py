"""The long version of the fuzz tests (tests/reliability/test_fuzz_*.py): the same strategies and
checks with SPEECHCUE_FUZZ_SCALE times as many examples, new ones on every run, and the figures —
requests sent per endpoint and service, by answer — printed for docs/reliability.md.

    .venv/bin/python -m bench.fuzz            # 20 times the suite's examples
    .venv/bin/python -m bench.fuzz --scale 100
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

FUZZ_TESTS = ["tests/reliability/test_fuzz_webhooks.py", "tests/reliability/test_fuzz_grpc.py",
              "tests/reliability/test_fuzz_lists_and_flows.py"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=20.0, help="examples, as a multiple of the suite's")
    arguments = parser.parse_args()
    started = time.monotonic()
    run = subprocess.run([sys.executable, "-m", "pytest", *FUZZ_TESTS, "-q", "-s", "-p", "no:cacheprovider"],
                         env={**os.environ, "SPEECHCUE_FUZZ_SCALE": str(arguments.scale)},
                         capture_output=True, text=True)
    figures = [line.split("fuzz figures: ", 1)[1] for line in run.stdout.splitlines() if "fuzz figures: " in line]
    print(f"fuzz at {arguments.scale:g}× the suite's examples, {time.monotonic() - started:.0f} s")
    for line in figures:
        print(f"  {line}")
    # A failure is a finding: name the test and show Hypothesis's minimal example.
    findings = [line for line in run.stdout.splitlines() if line.startswith(("FAILED", "E       AssertionError"))]
    for line in findings[:20]:
        print(f"  {line[:400]}")
    print(run.stdout.strip().splitlines()[-1] if run.stdout.strip() else run.stderr[-2000:])
    return run.returncode


if __name__ == "__main__":
    sys.exit(main())
