"""The collector's settings once a service has started (service_main.settle_collector)."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from services.runtime.service_main import YOUNG_GENERATION_THRESHOLD, settle_collector


class _Node:
    def __init__(self) -> None:
        self.other: _Node | None = None


@pytest.fixture
def restored_collector() -> Iterator[None]:
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


def test_what_exists_at_start_up_is_no_longer_walked_and_young_collections_are_rarer(restored_collector: None) -> None:
    _, middle, oldest = gc.get_threshold()
    loaded = _Node()
    frozen_before = gc.get_freeze_count()

    settle_collector()

    assert gc.get_freeze_count() > frozen_before
    assert gc.get_threshold() == (YOUNG_GENERATION_THRESHOLD, middle, oldest)
    assert not any(obj is loaded for obj in gc.get_objects())  # frozen: no generation holds it


def test_cycles_made_after_start_up_are_still_collected(restored_collector: None) -> None:
    settle_collector()
    first, second = _Node(), _Node()
    first.other, second.other = second, first
    watched = weakref.ref(first)
    del first, second

    gc.collect()

    assert watched() is None
