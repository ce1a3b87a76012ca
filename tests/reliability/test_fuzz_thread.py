"""The thread a fuzz runs in and the event loop's thread build syntax trees at the same time (Hypothesis
reads lambdas' source per example; pytest, inspect and tracebacks parse in the loop), which CPython
before 3.11.8 can fail with a SystemError that Hypothesis then reports as a flaky failure."""

from __future__ import annotations

import ast
import asyncio
import gc
import time

from tests.reliability.fuzz_budget import in_worker_thread

# Deep enough that building its tree takes a while, so the two threads overlap.
SOURCE = "x = " + "(" * 40 + "1" + ")" * 40 + "\n" + "y = [i for i in range(3)]\n" * 200


class _Finalised:
    def __del__(self) -> None:
        sum(range(50))  # Python code run by a garbage collection: a moment another thread may take


def _parse_with_garbage() -> None:
    first, second = _Finalised(), _Finalised()
    first.other, second.other = second, first  # type: ignore[attr-defined]
    ast.parse(SOURCE)


def _parse_for(seconds: float, depth: int = 5) -> None:
    """Parses at a call depth of its own: the counter the threads share starts from each one's depth."""
    if depth:
        return _parse_for(seconds, depth - 1)
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        _parse_with_garbage()


async def test_fuzz_thread_and_event_loop_parse_at_once_without_a_system_error() -> None:
    thresholds = gc.get_threshold()
    gc.set_threshold(50, 1, 1)  # collections, and so thread switches, in the middle of building a tree
    worker_done = asyncio.Event()

    async def parse_in_the_loop() -> int:
        parsed = 0
        while not worker_done.is_set():
            _parse_with_garbage()
            parsed += 1
            await asyncio.sleep(0)
        return parsed

    try:
        loop_parsing = asyncio.create_task(parse_in_the_loop())
        await in_worker_thread(lambda: _parse_for(3.0, depth=60))
        worker_done.set()
        assert await loop_parsing > 0
    finally:
        worker_done.set()
        gc.set_threshold(*thresholds)
