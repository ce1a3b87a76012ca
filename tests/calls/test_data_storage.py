"""A call placed without recording leaves no recording at Retell and shows none here: create-phone-call
asks for Retell's "basic_attributes_only" storage for that call (data_storage.py), and GetCall never
returns a recording link for it, though Retell's webhook still carries one (as its docs say)."""

from __future__ import annotations

import pytest

from services.calls.data_storage import DataStorage, call_agent_override, data_storage_for
from speechcue.calls.v1 import calls_pb2
from tests.calls.conftest import CALLEE, CallsHarness


@pytest.mark.parametrize(("record", "storage"), [(True, DataStorage.EVERYTHING),
                                                 (False, DataStorage.BASIC_ATTRIBUTES_ONLY)])
def test_each_call_asks_for_the_storage_its_recording_choice_needs(record: bool, storage: DataStorage) -> None:
    assert data_storage_for(record=record) == storage
    assert call_agent_override(max_minutes=3, record=record) == {
        "agent": {"max_call_duration_ms": 180_000, "data_storage_setting": storage.value}}
    assert call_agent_override(max_minutes=0, record=record)["agent"]["max_call_duration_ms"] == 60_000


async def test_an_unrecorded_call_keeps_no_recording_at_retell_and_shows_none(calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(2_000)
    flow = await calls.flow(customer)
    await calls.script_callee(CALLEE, duration_ms=65_000, keys=[{"digit": "1", "at_ms": 2000}])
    placed = await calls.call(customer, flow.id, CALLEE, record=False)
    call = await calls.settled(customer, placed.id)

    at_retell = calls.retell.calls[call.retell_call_id].record
    assert at_retell["data_storage_setting"] == "basic_attributes_only"
    # Retell's webhook carried a link all the same (it expires after 10 minutes): never shown here.
    assert at_retell["recording_url"]
    assert "recording_url" not in calls.retell.get_call(call.retell_call_id)
    assert (call.recorded, call.recording_url, list(call.digits)) == (False, "", ["1"])
    listed = await calls.stub.ListCalls(calls_pb2.ListCallsRequest(customer_id=customer))
    assert [c.recording_url for c in listed.calls if c.id == call.id] == [""]
    # No recording, no fee: 2 minutes at the pay-as-you-go price only.
    assert call.cost_cents == 2 * calls.wallet.settings.wallet_price_per_minute_cents


async def test_a_recorded_call_keeps_its_recording_and_shows_it(calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(2_000)
    flow = await calls.flow(customer)
    await calls.script_callee(CALLEE, duration_ms=65_000)
    placed = await calls.call(customer, flow.id, CALLEE, record=True)
    call = await calls.settled(customer, placed.id)

    assert calls.retell.calls[call.retell_call_id].record["data_storage_setting"] == "everything"
    assert call.recorded and call.recording_url == calls.retell.get_call(call.retell_call_id)["recording_url"]
