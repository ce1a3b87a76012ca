"""How hard the fuzz tests try. The suite's short version uses a modest, fixed set of examples (the
same on every run, so CI is stable); `bench/fuzz.py` scales it up with SPEECHCUE_FUZZ_SCALE and lets
Hypothesis pick new examples each run."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable

from hypothesis import HealthCheck, settings


def fuzz_settings(examples: int) -> settings:
    scale = float(os.environ.get("SPEECHCUE_FUZZ_SCALE", "1"))
    return settings(max_examples=max(1, round(examples * scale)), deadline=None, derandomize=scale <= 1,
                    database=None, print_blob=True,
                    # Each example is a real request to real services: slow and large by nature.
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.large_base_example, HealthCheck.filter_too_much])


async def in_worker_thread(fuzz: Callable[[], None]) -> None:
    """Runs a Hypothesis test (blocking) while the services under test keep running in this loop."""
    await asyncio.to_thread(fuzz)
