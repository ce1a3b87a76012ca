"""Settlement gathers calls into one batch only while they end in a stream: a call that ends on its
own is settled at once (its outcome reaches the chat sooner), while a burst waits a moment after
each wake-up so that many calls share one batch (bench/calls_webhook.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from services.calls.settlement import SETTLE_COALESCE_SECONDS, STREAM_GAP_SECONDS, Settlement


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def settlement(clock: Clock) -> Settlement:
    unused: Any = None  # gathering touches neither the database nor the wallet
    return Settlement(unused, unused, unused, unused, lambda: datetime.now(UTC), monotonic=clock)


def test_a_call_ending_on_its_own_is_settled_without_waiting() -> None:
    clock = Clock()
    settling = settlement(clock)
    settling.wake()
    assert settling.gather_seconds() == 0.0
    clock.now += STREAM_GAP_SECONDS * 2  # the next call ends a while later
    settling.wake()
    assert settling.gather_seconds() == 0.0


def test_calls_ending_in_a_stream_are_gathered_into_one_batch() -> None:
    clock = Clock()
    settling = settlement(clock)
    settling.wake()
    for _ in range(5):
        clock.now += STREAM_GAP_SECONDS / 10
        settling.wake()
        assert settling.gather_seconds() == SETTLE_COALESCE_SECONDS
    clock.now += STREAM_GAP_SECONDS  # the stream has ended
    settling.wake()
    assert settling.gather_seconds() == 0.0
