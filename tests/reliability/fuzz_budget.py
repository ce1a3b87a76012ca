"""How hard the fuzz tests try, and the thread they run in. The suite's short version uses a modest,
fixed set of examples (the same on every run, so CI is stable); `bench/fuzz.py` scales it up with
SPEECHCUE_FUZZ_SCALE and lets Hypothesis pick new examples each run."""

from __future__ import annotations

import ast
import asyncio
import builtins
import os
import threading
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, settings


def fuzz_settings(examples: int) -> settings:
    scale = float(os.environ.get("SPEECHCUE_FUZZ_SCALE", "1"))
    return settings(max_examples=max(1, round(examples * scale)), deadline=None, derandomize=scale <= 1,
                    database=None, print_blob=True,
                    # Each example is a real request to real services: slow and large by nature.
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.large_base_example, HealthCheck.filter_too_much])


# CPython before 3.11.8 (gh-106905) keeps one recursion counter per interpreter for building syntax
# trees, so two threads doing it at once can fail with "SystemError: AST constructor recursion depth
# mismatch". While a fuzz runs, its thread does it all the time: Hypothesis reads the source of lambda
# predicates (schemathesis's filters, st.recursive's extend) and scans newly imported modules for
# constants, per example. The event loop's thread does it too (pytest rewriting a module imported
# late, inspect.signature, a logged traceback's carets). So while a fuzz runs, every compile() that
# builds or reads a syntax tree (ast.parse is one) takes a lock; the worker's turn is short.
_builtin_compile = builtins.compile
_one_syntax_tree_at_a_time = threading.RLock()
_fuzzes_running = 0


def _compile_one_syntax_tree_at_a_time(source: Any, filename: Any, mode: str, flags: int = 0,
                                       *args: Any, **kwargs: Any) -> Any:
    if isinstance(source, ast.AST) or flags & ast.PyCF_ONLY_AST:
        with _one_syntax_tree_at_a_time:
            return _builtin_compile(source, filename, mode, flags, *args, **kwargs)
    return _builtin_compile(source, filename, mode, flags, *args, **kwargs)


async def in_worker_thread(fuzz: Callable[[], None]) -> None:
    """Runs a Hypothesis test (blocking) while the services under test keep running in this loop."""
    global _fuzzes_running
    _fuzzes_running += 1
    builtins.compile = _compile_one_syntax_tree_at_a_time
    try:
        await asyncio.to_thread(fuzz)
    finally:
        _fuzzes_running -= 1
        if not _fuzzes_running:
            builtins.compile = _builtin_compile
