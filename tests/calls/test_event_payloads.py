"""Events carry no phone number and no keys pressed: an event is copied to every consumer, its
stream and its dead letters, beyond the calls service's retention. What a consumer shows is read
over gRPC by the call's owner (calls_events.proto)."""

from __future__ import annotations

import asyncio

from google.protobuf.descriptor import Descriptor, FieldDescriptor

from speechcue.calls.v1 import calls_pb2
from speechcue.events.v1 import calls_events_pb2, envelope_pb2, payments_events_pb2, wallet_events_pb2
from tests.calls.conftest import CallsHarness
from tests.event_reader import read_events

TRANSFER_NUMBER = "+14155550177"
# Names a text field holding a number, the keys or a text quoting them would have (a count or a flag
# such as keys_pressed or has_summary cannot hold them).
FORBIDDEN_NAMES = ("number", "phone", "digits", "keys", "recording_url", "summary", "transcript", "reasons")


def event_messages() -> list[Descriptor]:
    return [message for module in (calls_events_pb2, payments_events_pb2, wallet_events_pb2, envelope_pb2)
            for message in module.DESCRIPTOR.message_types_by_name.values()]


def may_quote_a_number(field: FieldDescriptor) -> bool:
    if field.type not in (FieldDescriptor.TYPE_STRING, FieldDescriptor.TYPE_BYTES):
        return False
    return ("phone" in field.name or "number" in field.name
            or any(field.name == name or field.name.endswith(f"_{name}") for name in FORBIDDEN_NAMES))


def test_no_event_has_a_field_for_a_number_the_keys_or_a_text_quoting_them() -> None:
    assert [f"{message.name}.{field.name}" for message in event_messages() for field in message.fields
            if may_quote_a_number(field)] == []


def transfer_flow() -> calls_pb2.FlowSpec:
    return calls_pb2.FlowSpec(
        name="Front desk", kind=calls_pb2.FLOW_KIND_GRAPH, business_name="Acme Dental",
        graph=calls_pb2.FlowGraph(start_node_id="menu", nodes=[
            calls_pb2.FlowNode(id="menu", kind=calls_pb2.NODE_KIND_MENU, text="Press 1 to talk to us.", edges=[
                calls_pb2.FlowEdge(key="1", target_node_id="desk"),
                calls_pb2.FlowEdge(key="timeout", target_node_id="bye")]),
            calls_pb2.FlowNode(id="desk", kind=calls_pb2.NODE_KIND_TRANSFER, transfer_number=TRANSFER_NUMBER),
            calls_pb2.FlowNode(id="bye", kind=calls_pb2.NODE_KIND_END, text="Goodbye."),
        ]))


async def test_a_flow_waiting_for_review_is_announced_without_the_number_it_transfers_to(
        calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(0)
    flow = await calls.flow(customer, transfer_flow())
    assert flow.status == calls_pb2.FLOW_STATUS_PENDING_REVIEW  # a new customer's transfer waits for a person
    assert any(TRANSFER_NUMBER in reason for reason in flow.review_reasons)  # the admin reads it over gRPC

    events: list[envelope_pb2.Envelope] = []
    for _ in range(200):
        events = await read_events(calls.wallet.nats_url, "CALLS", "calls.flow.pending_review")
        if events:
            break
        await asyncio.sleep(0.05)
    [event] = events
    announced = calls_events_pb2.FlowPendingReview()
    event.payload.Unpack(announced)
    assert (announced.flow_id, announced.name, announced.reason_count) == (flow.id, "Front desk",
                                                                          len(flow.review_reasons))
    assert TRANSFER_NUMBER[2:].encode() not in event.SerializeToString()
