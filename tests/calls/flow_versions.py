"""Flows in versions for tests: an approved reminder, an edit of it that asks for a PIN, and an
admin's review (used by tests/calls/test_approved_versions.py and tests/bot/test_flow_versions.py)."""

from __future__ import annotations

from speechcue.calls.v1 import calls_pb2
from tests.calls.conftest import CallsHarness
from tests.wallet.conftest import ADMIN_ID


def reminder(text: str = "You have an appointment tomorrow at ten.") -> calls_pb2.FlowSpec:
    return calls_pb2.FlowSpec(
        name="Reminder", kind=calls_pb2.FLOW_KIND_GRAPH, business_name="Acme Dental",
        graph=calls_pb2.FlowGraph(start_node_id="hello", nodes=[
            calls_pb2.FlowNode(id="hello", kind=calls_pb2.NODE_KIND_MESSAGE, text=text,
                               edges=[calls_pb2.FlowEdge(key="next", target_node_id="menu")]),
            calls_pb2.FlowNode(id="menu", kind=calls_pb2.NODE_KIND_MENU, text="Press 1 to keep it, 2 to cancel.",
                               edges=[calls_pb2.FlowEdge(key="1", target_node_id="bye"),
                                      calls_pb2.FlowEdge(key="2", target_node_id="bye")]),
            calls_pb2.FlowNode(id="bye", kind=calls_pb2.NODE_KIND_END, text="Thank you. Goodbye."),
        ]))


def asking_for_a_pin() -> calls_pb2.FlowSpec:
    spec = reminder()
    spec.graph.nodes[0].edges[0].target_node_id = "pin"
    spec.graph.nodes.append(calls_pb2.FlowNode(
        id="pin", kind=calls_pb2.NODE_KIND_COLLECT_DIGITS, text="To confirm, enter the PIN we just texted you.",
        max_digits=6, edges=[calls_pb2.FlowEdge(key="next", target_node_id="menu")]))
    return spec


async def review(calls: CallsHarness, flow_id: str, *, approve: bool, note: str = "") -> calls_pb2.Flow:
    return await calls.stub.ReviewFlow(calls_pb2.ReviewFlowRequest(
        idempotency_key=calls.key("review"), admin_telegram_id=ADMIN_ID, flow_id=flow_id, approve=approve,
        note=note or ("looks fine" if approve else "asks for a PIN")))


async def approved_flow(calls: CallsHarness, customer: str) -> calls_pb2.Flow:
    """A flow approved as version 1 (by the policy, or by an admin where the customer's tier holds it)."""
    flow = await calls.flow(customer, reminder())
    if flow.status == calls_pb2.FLOW_STATUS_PENDING_REVIEW:
        flow = await review(calls, flow.id, approve=True)
    assert (flow.status, flow.approved_version) == (calls_pb2.FLOW_STATUS_APPROVED, 1)
    return flow


async def edit(calls: CallsHarness, customer: str, flow: calls_pb2.Flow, spec: calls_pb2.FlowSpec) -> calls_pb2.Flow:
    return await calls.stub.UpdateFlow(calls_pb2.UpdateFlowRequest(
        idempotency_key=calls.key("edit"), customer_id=customer, flow_id=flow.id, spec=spec,
        expected_version=flow.version))
