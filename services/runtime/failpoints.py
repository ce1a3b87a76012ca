"""Failpoints: named places where a test can make the process die, to prove that work resumes
correctly after a crash at exactly that point. Off unless SPEECHCUE_FAILPOINTS names them
(comma-separated); the chart never sets it."""

from __future__ import annotations

import os
import signal

_ARMED = frozenset(name.strip() for name in os.environ.get("SPEECHCUE_FAILPOINTS", "").split(",") if name.strip())


def failpoint(name: str) -> None:
    """Kills this process with SIGKILL, as a crash would, when `name` is armed."""
    if name in _ARMED:
        os.kill(os.getpid(), signal.SIGKILL)
