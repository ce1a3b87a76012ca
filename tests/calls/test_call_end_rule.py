"""The call-end rule (services/calls/call_end.py), pure: which call a webhook belongs to and what a
call becomes at its end, with worked cases and Hypothesis. The two paths that use it are driven
through the running service in test_call_end_paths.py."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.calls.call_end import (
    PROVIDER_UNREACHABLE,
    CallState,
    belongs_to,
    billed_seconds,
    end_of_call,
)
from services.calls.call_store import ENDED, FAILED, ONGOING, QUEUED, RINGING, STATUS_RANK
from services.calls.flow_rules import DIGIT_KEYS
from services.calls.opt_outs import POSSIBLE_KEYS
from services.calls.retell_events import NOT_CONNECTED_REASONS, RetellCallFacts, read_call
from services.calls.settlement_state import SettlementState
from services.calls.tables import calls

RECEIVED = datetime(2026, 11, 24, 20, 5, tzinfo=UTC)
START_MS = 1_795_550_000_000  # 2026-11-24 19:53:20 UTC
START = datetime.fromtimestamp(START_MS / 1000, UTC)


def row(status: str = RINGING, *, retell_call_id: str | None = "call_A", customer_id: str = "u-1",
        failure_reason: str = "", started_at: datetime | None = None, opt_out_key: str = "9") -> CallState:
    return CallState(id="c-1", customer_id=customer_id, retell_call_id=retell_call_id, status=status,
                     failure_reason=failure_reason, started_at=started_at, opt_out_key=opt_out_key)


def facts(retell_call_id: str = "call_A", *, status: str = "ended", duration_ms: int = 61_000,
          reason: str = "user_hangup", keys: str = "1", metadata: dict[str, Any] | None = None,
          timestamps: bool = True, event: str = "call_ended", **more: Any) -> RetellCallFacts:
    call: dict[str, Any] = {
        "call_id": retell_call_id, "call_status": status, "duration_ms": duration_ms,
        "disconnection_reason": reason,
        "metadata": {"call": "c-1", "customer": "u-1"} if metadata is None else metadata,
        "transcript_with_tool_calls": [{"role": "dtmf", "digit": key} for key in keys], **more}
    if timestamps:
        call.update(start_timestamp=START_MS, end_timestamp=START_MS + duration_ms)
    return read_call(event, call)


# ---- which call a webhook belongs to ---------------------------------------------------------------


@pytest.mark.parametrize(("call", "webhook", "expected"), [
    (row(retell_call_id="call_A"), facts("call_A"), True),
    (row(retell_call_id="call_A"), facts("call_A", metadata={}), True),  # the metadata is not read
    (row(retell_call_id="call_A"), facts("call_B"), False),  # names c-1, which is call_A's
    (row(retell_call_id=None), facts("call_B"), True),  # the row learns call_B
    (row(retell_call_id=""), facts("call_B"), True),
    (row(retell_call_id=None), facts("call_B", metadata={"call": "c-1", "customer": "u-2"}), False),
    (row(retell_call_id=None), facts("call_B", metadata={"call": "c-1"}), False),
    (row(retell_call_id=None), facts("call_B", metadata={"call": "c-2", "customer": "u-1"}), False),
    (row(retell_call_id=None), facts("call_B", metadata={"call": "c-1", "customer": 7}), False),
])
def test_a_webhook_belongs_to_the_row_with_its_retell_id_or_to_the_row_its_metadata_names_while_it_has_none(
        call: CallState, webhook: RetellCallFacts, expected: bool) -> None:
    assert belongs_to(call, webhook) is expected


@given(row_retell_id=st.one_of(st.none(), st.sampled_from(["call_A", "call_B"])),
       webhook_id=st.sampled_from(["call_A", "call_B"]), named=st.sampled_from(["c-1", "c-2", ""]),
       customer=st.sampled_from(["u-1", "u-2", ""]))
def test_a_webhook_never_belongs_to_a_call_that_has_another_retell_id_or_another_customer(
        row_retell_id: str | None, webhook_id: str, named: str, customer: str) -> None:
    call = row(retell_call_id=row_retell_id)
    webhook = facts(webhook_id, metadata={"call": named, "customer": customer})
    if belongs_to(call, webhook):
        assert row_retell_id in (webhook_id, None)
        if row_retell_id is None:
            assert (named, customer) == (call.id, call.customer_id)


# ---- what the call becomes -------------------------------------------------------------------------


@pytest.mark.parametrize(("duration_ms", "reason", "seconds"), [
    (61_000, "user_hangup", 61), (61_001, "user_hangup", 62), (1, "agent_hangup", 1), (0, "user_hangup", 0),
    (30_000, "dial_no_answer", 0), (30_000, "voicemail_reached", 30),
])
def test_every_started_second_of_a_connected_call_counts(duration_ms: int, reason: str, seconds: int) -> None:
    assert billed_seconds(facts(duration_ms=duration_ms, reason=reason)) == seconds


def test_a_connected_call_ends_with_retells_facts_and_waits_for_settlement() -> None:
    end = end_of_call(row(), facts(keys="19", recording_url="https://r.example/a.wav",
                                   transfer_destination="+14155550199"), received_at=RECEIVED)
    assert end is not None
    assert dataclasses.asdict(end) == {
        "status": ENDED, "duration_seconds": 61, "disconnection_reason": "user_hangup", "digits": ("1", "9"),
        "recording_url": "https://r.example/a.wav", "transfer_number": "+14155550199", "opted_out": True,
        "started_at": START, "ended_at": START + timedelta(seconds=61), "failure_reason": "",
        "in_voicemail": False, "settlement": SettlementState.PENDING,
        # This transcript names no node: each key's place is empty (key_inputs.place_text).
        "key_places": (">", ">"),
    }


@pytest.mark.parametrize(("webhook", "status", "failure_reason"), [
    (facts(status="not_connected", duration_ms=0, reason="dial_no_answer"), FAILED, "dial_no_answer"),
    (facts(duration_ms=12_000, reason="dial_busy"), FAILED, "dial_busy"),  # a dial failure never connected
    (facts(duration_ms=0, reason="user_hangup"), FAILED, "user_hangup"),  # nobody talked
    (facts(status="error", duration_ms=0, reason="error_llm_websocket_open"), FAILED, "error_llm_websocket_open"),
    (facts(reason="voicemail_reached"), ENDED, ""),
])
def test_a_call_that_never_connected_fails_with_retells_reason_and_is_not_billed(
        webhook: RetellCallFacts, status: str, failure_reason: str) -> None:
    end = end_of_call(row(), webhook, received_at=RECEIVED)
    assert end is not None and (end.status, end.failure_reason) == (status, failure_reason)
    assert (end.duration_seconds == 0) is (status == FAILED)


def test_the_start_is_the_rows_then_retells_then_the_moment_the_end_arrived() -> None:
    earlier = START - timedelta(seconds=5)
    assert end_of_call(row(started_at=earlier), facts(), received_at=RECEIVED).started_at == earlier  # type: ignore[union-attr]
    assert end_of_call(row(), facts(), received_at=RECEIVED).started_at == START  # type: ignore[union-attr]
    without = end_of_call(row(), facts(timestamps=False), received_at=RECEIVED)
    assert without is not None and without.started_at == without.ended_at == RECEIVED


@pytest.mark.parametrize(("call", "webhook"), [
    (row(ENDED), facts()),  # a second end never rewrites the first
    (row(FAILED, failure_reason="dial_no_answer"), facts()),
    (row(FAILED, failure_reason=PROVIDER_UNREACHABLE), facts(duration_ms=0, reason="dial_no_answer")),
    (row(RINGING), facts(status="ongoing")),  # Retell says the call still runs
    (row(QUEUED), facts(status="registered")),
])
def test_an_end_that_changes_nothing(call: CallState, webhook: RetellCallFacts) -> None:
    assert end_of_call(call, webhook, received_at=RECEIVED) is None


def test_a_call_given_up_as_never_placed_that_did_connect_is_ended_and_billed() -> None:
    end = end_of_call(row(FAILED, retell_call_id=None, failure_reason=PROVIDER_UNREACHABLE), facts(),
                      received_at=RECEIVED)
    assert end is not None and (end.status, end.duration_seconds, end.failure_reason) == (ENDED, 61, "")


def test_settlement_states_are_the_columns_values() -> None:
    assert calls.c.settlement.server_default.arg == SettlementState.NONE  # type: ignore[union-attr]
    assert [str(state) for state in SettlementState] == ["none", "pending", "settled", "refused"]


# ---- the rule's properties, over many rows and reports --------------------------------------------

STATUSES = [QUEUED, RINGING, ONGOING, ENDED, FAILED]
REASONS = ["user_hangup", "agent_hangup", "voicemail_reached", "user_requested_dnc", "call_transfer",
           "max_duration_reached", *sorted(NOT_CONNECTED_REASONS)[:6]]


@st.composite
def rows(draw: st.DrawFn) -> CallState:
    status = draw(st.sampled_from(STATUSES))
    return row(status, retell_call_id=draw(st.sampled_from([None, "call_A"])),
               failure_reason=draw(st.sampled_from(["", PROVIDER_UNREACHABLE, "dial_no_answer"]))
               if status == FAILED else "",
               started_at=draw(st.one_of(st.none(), st.just(START - timedelta(seconds=3)))),
               opt_out_key=draw(st.sampled_from(POSSIBLE_KEYS)))


@st.composite
def reports(draw: st.DrawFn) -> RetellCallFacts:
    return facts(status=draw(st.sampled_from(["ended", "not_connected", "error", "ongoing", "registered", ""])),
                 duration_ms=draw(st.integers(0, 3_600_000)), reason=draw(st.sampled_from(REASONS)),
                 keys="".join(draw(st.lists(st.sampled_from(DIGIT_KEYS), max_size=6))),
                 timestamps=draw(st.booleans()))


def as_row(call: CallState, end: Any) -> CallState:
    return dataclasses.replace(call, status=end.status, failure_reason=end.failure_reason, started_at=end.started_at)


@given(call=rows(), webhook=reports())
def test_an_end_moves_a_call_forward_once_and_bills_only_a_connected_call(call: CallState,
                                                                          webhook: RetellCallFacts) -> None:
    end = end_of_call(call, webhook, received_at=RECEIVED)
    if end is None:
        assert call.status in (ENDED, FAILED) or webhook.call_status in ("ongoing", "registered")
        return
    assert STATUS_RANK[end.status] >= STATUS_RANK[call.status]
    assert end.settlement == SettlementState.PENDING
    assert (end.status == ENDED) is webhook.connected
    assert end.duration_seconds == (-(-webhook.duration_ms // 1000) if webhook.connected else 0)
    assert (end.failure_reason == "") is (end.status == ENDED or webhook.disconnection_reason == "")
    if call.started_at is not None:
        assert end.started_at == call.started_at
    # The row it leaves is final: the same report again, or a replay, changes nothing.
    assert end_of_call(as_row(call, end), webhook, received_at=RECEIVED + timedelta(minutes=1)) is None


@given(webhook=reports(), later=reports())
def test_an_ended_call_keeps_its_first_end_whatever_comes_next(webhook: RetellCallFacts,
                                                                later: RetellCallFacts) -> None:
    first = end_of_call(row(ONGOING), webhook, received_at=RECEIVED)
    if first is not None:
        assert end_of_call(as_row(row(ONGOING), first), later, received_at=RECEIVED) is None
