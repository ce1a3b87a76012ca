"""May this flow's agent be dialled: the one rule every path that dials asks.

Why one rule: an edit of an approved flow is a draft with Retell objects of its own, made before
anyone reviewed it. A path that dialled "the flow's agent" could dial the draft, which is how an
approved reminder edited to ask for a PIN would reach callees unreviewed. So nothing dials a flow's
agent except through `dialable_agent`: StartCall's admission (which records the agent on the call
row), the placer's dial (reached by StartCall, the dispatcher and its retries, the line waiter and a
retried StartCall), a price quote and a new campaign. Recovery never dials; it settles and fails.

No I/O here; tests/calls/test_flow_approval.py checks it with cases and Hypothesis.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

APPROVED, PENDING_REVIEW, REJECTED = "approved", "pending_review", "rejected"
NOT_APPROVED = "FLOW_NOT_APPROVED"


class FlowApproval(Protocol):
    """What the rule reads of a flow row: its latest version's review state and its approved version."""

    @property
    def status(self) -> str: ...

    @property
    def approved_version(self) -> int: ...

    @property
    def approved_retell_agent_id(self) -> str | None: ...

    @property
    def deleted_at(self) -> datetime | None: ...


def dialable_agent(flow: FlowApproval | None) -> str | None:
    """The Retell agent a call of this flow may dial now, or None: the approved version's agent,
    whatever waits in the draft.

    - approved version 1, nothing waiting → version 1's agent
    - approved version 2, an edit waiting for review or rejected → version 2's agent (never the draft's)
    - never approved (first version waiting for review, or rejected) → None
    - deleted, or no flow at all → None
    """
    if flow is None or flow.deleted_at is not None:
        return None
    if flow.approved_version <= 0 or not flow.approved_retell_agent_id:
        return None
    return flow.approved_retell_agent_id


def may_dial(flow: FlowApproval | None, agent_id: str | None) -> bool:
    """Whether `agent_id` is the one a call of this flow may dial now: only the approved version's
    agent, so a draft's agent, a replaced version's agent or a deleted flow's agent never is."""
    allowed = dialable_agent(flow)
    return allowed is not None and agent_id == allowed


def not_approved_message(flow: FlowApproval | None) -> str:
    """Why nothing of this flow may be dialled, in words the customer can act on."""
    if flow is None or flow.deleted_at is not None:
        return "this flow was deleted; choose another flow"
    if flow.status == PENDING_REVIEW:
        return "this flow is waiting for an admin's review; you will be told when it is approved"
    return "this flow was not approved; edit it and try again"
