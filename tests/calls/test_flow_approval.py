"""The one rule every path that dials asks: only the approved version's agent is ever dialled."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.calls.flow_approval import (
    APPROVED,
    PENDING_REVIEW,
    REJECTED,
    dialable_agent,
    may_dial,
    not_approved_message,
)

DELETED = datetime(2026, 12, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Flow:
    status: str
    approved_version: int
    approved_retell_agent_id: str | None
    retell_agent_id: str | None = None  # the latest version's (a draft's while one waits)
    deleted_at: datetime | None = None


@pytest.mark.parametrize(("flow", "agent"), [
    (Flow(APPROVED, 1, "agent_v1", "agent_v1"), "agent_v1"),
    (Flow(PENDING_REVIEW, 1, "agent_v1", "agent_draft"), "agent_v1"),  # an edit waits: v1 keeps dialling
    (Flow(REJECTED, 3, "agent_v3", "agent_draft"), "agent_v3"),  # a rejected edit changes nothing
    (Flow(PENDING_REVIEW, 0, None, "agent_first"), None),  # never approved
    (Flow(REJECTED, 0, None, "agent_first"), None),
    (Flow(APPROVED, 2, "agent_v2", "agent_v2", deleted_at=DELETED), None),
    (Flow(APPROVED, 2, None), None),  # an approved version without an agent is nothing to dial
    (Flow(APPROVED, 0, "agent_v1"), None),  # no approved version number: not approved
    (None, None),
])
def test_dialable_agent_is_the_approved_versions(flow: Flow | None, agent: str | None) -> None:
    assert dialable_agent(flow) == agent


def test_a_drafts_agent_may_never_be_dialled() -> None:
    flow = Flow(PENDING_REVIEW, 4, "agent_v4", "agent_draft")
    assert may_dial(flow, "agent_v4")
    assert not may_dial(flow, "agent_draft")
    assert not may_dial(flow, None)


def test_an_agent_admitted_before_a_promotion_is_no_longer_the_one_to_dial() -> None:
    before = Flow(PENDING_REVIEW, 1, "agent_v1", "agent_v2")
    after = Flow(APPROVED, 2, "agent_v2", "agent_v2")
    assert may_dial(before, "agent_v1") and not may_dial(after, "agent_v1")
    assert dialable_agent(after) == "agent_v2"


@pytest.mark.parametrize(("flow", "words"), [
    (Flow(PENDING_REVIEW, 0, None), "waiting for an admin's review"),
    (Flow(REJECTED, 0, None), "edit it and try again"),
    (Flow(APPROVED, 1, "a", deleted_at=DELETED), "deleted"),
    (None, "deleted"),
])
def test_the_refusal_says_what_to_do(flow: Flow | None, words: str) -> None:
    assert words in not_approved_message(flow)


agents = st.one_of(st.none(), st.sampled_from(["agent_a", "agent_b", "agent_c"]))
flows = st.builds(Flow, status=st.sampled_from([APPROVED, PENDING_REVIEW, REJECTED]),
                  approved_version=st.integers(-1, 5), approved_retell_agent_id=agents, retell_agent_id=agents,
                  deleted_at=st.one_of(st.none(), st.just(DELETED)))


@given(flows, agents)
def test_only_an_approved_live_flows_approved_agent_is_ever_dialled(flow: Flow, agent: str | None) -> None:
    if may_dial(flow, agent):
        assert flow.deleted_at is None and flow.approved_version > 0
        assert agent is not None and agent == flow.approved_retell_agent_id
    chosen = dialable_agent(flow)
    assert chosen is None or may_dial(flow, chosen)
    # Whatever the draft is and whatever its review says, it never changes what is dialled.
    for status in (APPROVED, PENDING_REVIEW, REJECTED):
        assert dialable_agent(Flow(status, flow.approved_version, flow.approved_retell_agent_id, "agent_x",
                                   flow.deleted_at)) == chosen
