"""How a benchmark stops when it is told to."""

from __future__ import annotations

from types import FrameType


def exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    """For signal.signal(SIGTERM, ...): turned into an exception so that a benchmark's cleanup (its
    PostgreSQL, NATS and service processes) runs as it does for Ctrl-C."""
    raise SystemExit(128 + signum)
