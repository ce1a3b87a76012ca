"""Settlement gathers calls into one batch only while they end in a stream: a call that ends on its
own is settled at once (its outcome reaches the chat sooner), while a burst waits after each wake-up
so that many calls share one batch (bench/calls_webhook.py), until the coalescing time is up or the
stream pauses."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from services.calls.settlement import SETTLE_COALESCE_SECONDS, SETTLE_QUIET_SECONDS, STREAM_GAP_SECONDS, Settlement


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def settlement(clock: Clock) -> Settlement:
    unused: Any = None  # gathering touches neither the database nor the wallet
    return Settlement(unused, unused, unused, unused, lambda: datetime.now(UTC), monotonic=clock)


def gathered(settling: Settlement, clock: Clock, *, ends_every: float | None, step: float = 0.005,
             longer: Callable[[], float] | None = None) -> float:
    """Runs one gather as keep_passing does (with `longer`, a worker's gatherer, or a new one), with a
    call ending every `ends_every` seconds (None: no more calls end); returns how long it waited."""
    longer, waited, next_end = longer or settling.gatherer(), 0.0, ends_every
    while (left := longer()) > 0:
        advance = min(left, step)
        clock.now += advance
        waited += advance
        if next_end is not None:
            next_end -= advance
            if next_end <= 1e-9:
                settling.wake()
                next_end = ends_every
    return waited


def test_a_call_ending_on_its_own_is_settled_without_waiting() -> None:
    clock = Clock()
    settling = settlement(clock)
    settling.wake()
    assert settling.gatherer()() == 0.0
    clock.now += STREAM_GAP_SECONDS * 2  # the next call ends a while later
    settling.wake()
    assert gathered(settling, clock, ends_every=None) == 0.0


def test_while_calls_keep_ending_a_batch_waits_the_whole_coalescing_time() -> None:
    clock = Clock()
    settling = settlement(clock)
    settling.wake()
    clock.now += STREAM_GAP_SECONDS / 10
    settling.wake()  # a stream
    assert abs(gathered(settling, clock, ends_every=SETTLE_QUIET_SECONDS / 2) - SETTLE_COALESCE_SECONDS) < 1e-6


def test_a_batch_goes_once_the_stream_pauses() -> None:
    clock = Clock()
    settling = settlement(clock)
    settling.wake()
    clock.now += STREAM_GAP_SECONDS / 10
    settling.wake()
    # No call ends after the wake-up: the batch waits only the quiet time.
    assert abs(gathered(settling, clock, ends_every=None) - SETTLE_QUIET_SECONDS) < 1e-6
    # A stream that ends part-way: the batch goes the quiet time after the last call ended.
    settling.wake()
    longer = settling.gatherer()
    waited = 0.0
    for _ in range(4):  # four more calls end, 10 ms apart
        clock.now += 0.01
        waited += 0.01
        settling.wake()
        assert longer() > 0
    while (left := longer()) > 0:
        clock.now += left
        waited += left
    assert abs(waited - (0.04 + SETTLE_QUIET_SECONDS)) < 1e-6


def test_a_worker_starts_a_new_gather_after_its_batch() -> None:
    clock = Clock()
    settling = settlement(clock)
    settling.wake()
    clock.now += 0.01
    settling.wake()
    longer = settling.gatherer()
    first = gathered(settling, clock, ends_every=0.005, longer=longer)  # calls keep ending
    clock.now += 0.01
    settling.wake()  # the stream goes on after the batch
    second = gathered(settling, clock, ends_every=0.005, longer=longer)
    assert abs(first - SETTLE_COALESCE_SECONDS) < 1e-6
    assert abs(second - first) < 1e-6
