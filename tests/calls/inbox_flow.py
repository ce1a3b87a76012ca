"""A flow whose callee makes a menu choice and then types digits, approved, and the keys a callee
presses through it (used by tests/calls/test_key_press_inbox.py and tests/bot/test_inbox.py)."""

from __future__ import annotations

from speechcue.calls.v1 import calls_pb2
from tests.calls.conftest import CallsHarness
from tests.calls.flow_versions import review

# 1 at the menu ("for sales"), then 4821 and # at the order-number step.
KEYS = [{"digit": digit, "at_ms": 3000 + 500 * index} for index, digit in enumerate("14821#")]


def order_confirmation() -> calls_pb2.FlowSpec:
    return calls_pb2.FlowSpec(
        name="Order confirmation", kind=calls_pb2.FLOW_KIND_GRAPH, business_name="Acme Parcels",
        graph=calls_pb2.FlowGraph(start_node_id="menu", nodes=[
            calls_pb2.FlowNode(id="menu", kind=calls_pb2.NODE_KIND_MENU, text="Press 1 for sales, 2 to leave.",
                               edges=[calls_pb2.FlowEdge(key="1", target_node_id="pin"),
                                      calls_pb2.FlowEdge(key="2", target_node_id="bye")]),
            calls_pb2.FlowNode(id="pin", kind=calls_pb2.NODE_KIND_COLLECT_DIGITS, max_digits=6, termination_key="#",
                               text="Enter your order number, then the pound key.",
                               edges=[calls_pb2.FlowEdge(key="next", target_node_id="bye")]),
            calls_pb2.FlowNode(id="bye", kind=calls_pb2.NODE_KIND_END, text="Thank you. Someone will call you."),
        ]))


async def approved_order_confirmation(calls: CallsHarness, customer: str) -> calls_pb2.Flow:
    """Menu then digits gathers more than one key, so an admin approves it first."""
    flow = await calls.flow(customer, order_confirmation())
    if flow.status != calls_pb2.FLOW_STATUS_APPROVED:
        flow = await review(calls, flow.id, approve=True)
    return flow
