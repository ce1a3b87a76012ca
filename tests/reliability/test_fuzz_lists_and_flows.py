"""Call lists and flow definitions under fuzz: lists as pasted text or uploaded CSV in any shape
(quotes left open, NUL bytes, other encodings, unicode digits, fields past the CSV module's limit),
and flows as any graph (unknown kinds, missing targets, cycles, hostile texts).

The pure readers never raise; through gRPC the calls service answers OK or INVALID_ARGUMENT /
FAILED_PRECONDITION with a reason, never INTERNAL, and a refused list or flow changes nothing.
"""

from __future__ import annotations

import asyncio
import re

import grpc
import phonenumbers
from hypothesis import given
from hypothesis import strategies as st

from services.calls.call_lists import MAX_NAME, read_call_list
from services.calls.flow_rules import validate_graph
from services.calls.flow_specs import graph_of
from speechcue.calls.v1 import calls_pb2, calls_pb2_grpc
from tests.calls.conftest import CallsHarness, calls, sandbox_server  # noqa: F401
from tests.reliability.fuzz_budget import fuzz_settings, in_worker_thread
from tests.reliability.proto_requests import integers_of, proto_strings
from tests.reliability.service_state import RejectionWatch, ServiceState
from tests.wallet.conftest import INTERNAL_TOKEN, wallet  # noqa: F401

LIST_REFUSALS = frozenset({grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.FAILED_PRECONDITION})

# ---- lists -----------------------------------------------------------------------------------

list_cells = st.one_of(
    st.sampled_from(["+14155550123", "+1 (415) 555-0124", "415.555.0125", "+44 20 7183 8750", "+٤١٥٥٥٥٠١٢٦",
                     "+1415555012", "+999999999999999999", "0", "phone", "Ada", "Grace Hopper", "", " "]),
    st.sampled_from(['"', '""', '"unclosed', "a\x00b", "\ufeff", ";", ",", "\t", "\r", "\u2028"]),
    proto_strings,
)
list_lines = st.lists(list_cells, min_size=1, max_size=4).flatmap(
    lambda cells: st.sampled_from([",", ";", "\t"]).map(lambda separator: separator.join(cells)))
headers = st.sampled_from(["", "phone", "Name;Phone Number", "name,phone,notes", "msisdn", "to,name"])
list_texts = st.builds(lambda header, lines, ending: "\n".join([header, *lines]) + ending, headers,
                       st.lists(list_lines, max_size=12), st.sampled_from(["", "\n", "\r\n"]))
lists = st.one_of(
    list_texts.map(lambda text: text.encode()),
    list_texts.map(lambda text: text.encode("utf-16")),
    list_texts.map(lambda text: text.encode("utf-8-sig")),
    st.binary(max_size=400),
    # One field past the CSV module's 128 KiB limit: a quote opened and never closed.
    st.sampled_from([b'phone\n"' + b"1" * 140_000, b'phone,name\n+14155550123,"' + b"x" * 140_000]),
)


@fuzz_settings(300)
@given(data=lists, region=st.sampled_from([None, "US", "GB", "ZZ", "", "us"]))
def test_any_list_reads_into_a_report_without_raising(data: bytes, region: str | None) -> None:
    report = read_call_list(data, default_region=region)
    numbers = [callee.number for callee in report.callees]
    assert len(numbers) == len(set(numbers))
    assert all(phonenumbers.is_valid_number(phonenumbers.parse(number)) for number in numbers)
    assert all(len(callee.name) <= MAX_NAME for callee in report.callees)
    assert bool(report.callees) != bool(report.refusal), report


# ---- flows -----------------------------------------------------------------------------------

NODE_IDS = ["hello", "menu", "bye", "desk", "ask", "bye\n"]
node_ids = st.sampled_from(NODE_IDS) | proto_strings
edges = st.builds(calls_pb2.FlowEdge, key=st.sampled_from([*"0123456789*#", "timeout", "no_match", "next"])
                  | proto_strings, target_node_id=node_ids)
nodes = st.builds(
    calls_pb2.FlowNode, id=node_ids,
    kind=st.sampled_from([value.number for value in calls_pb2.NodeKind.DESCRIPTOR.values]) | st.sampled_from([-1, 99]),
    text=st.sampled_from(["Hello, this is Acme Dental.", "Press 1 to confirm.", "Goodbye."]) | proto_strings,
    max_digits=integers_of(-(2**31), 2**31 - 1), termination_key=st.sampled_from(["", "#", "*"]) | proto_strings,
    transfer_number=st.sampled_from(["", "+14155550199"]) | proto_strings, edges=st.lists(edges, max_size=4))
flow_specs = st.builds(
    calls_pb2.FlowSpec, name=st.sampled_from(["Reminder"]) | proto_strings,
    kind=st.sampled_from([calls_pb2.FLOW_KIND_GRAPH, calls_pb2.FLOW_KIND_GRAPH]) | st.sampled_from([0, 2, 99]),
    graph=st.builds(calls_pb2.FlowGraph, start_node_id=node_ids, nodes=st.lists(nodes, max_size=6)),
    ai_prompt=st.just("") | proto_strings, business_name=st.sampled_from(["Acme Dental"]) | proto_strings,
    voice_id=st.sampled_from(["", "11labs-Adrian"]) | proto_strings,
    opt_out_key=st.sampled_from(["", "9", "0"]) | proto_strings,
    voicemail_action=st.sampled_from([0, 1, 2, 7]), voicemail_message=st.just("") | proto_strings,
    language=st.sampled_from(["", "en-US", "xx"]) | proto_strings)


@fuzz_settings(300)
@given(spec=flow_specs)
def test_any_flow_graph_validates_into_problems_without_raising(spec: calls_pb2.FlowSpec) -> None:
    problems = validate_graph(graph_of(spec))
    assert all(problem.code and problem.message for problem in problems)
    if not problems:
        assert all(NODE_NAME.fullmatch(node.id) for node in spec.graph.nodes), spec.graph


NODE_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")


# ---- both, through the calls service ---------------------------------------------------------

async def test_hostile_lists_and_flows_through_grpc_are_answered_cleanly_and_refusals_change_nothing(
        calls: CallsHarness) -> None:  # noqa: F811
    customer = await calls.customer_with_money(100_000)
    flow = await calls.flow(customer)
    state = ServiceState(calls.database_url, calls.settings.speechcue_nats_url, "CALLS", asyncio.get_running_loop())
    watch = RejectionWatch(state)
    channel = grpc.insecure_channel(f"127.0.0.1:{calls.running.grpc_port}")
    stub = calls_pb2_grpc.CallsServiceStub(channel)
    metadata = (("authorization", f"Bearer {INTERNAL_TOKEN}"),)
    keys = iter(range(10**9))

    def answer(rpc: object, request: object) -> tuple[grpc.StatusCode, str]:
        try:
            rpc(request, metadata=metadata, timeout=30)  # type: ignore[operator]
        except grpc.RpcError as error:
            return error.code(), error.details() or ""  # type: ignore[attr-defined]
        return grpc.StatusCode.OK, ""

    def check(rpc: object, request: object) -> None:
        code, details = watch.send(lambda: answer(rpc, request),
                                   accepted=lambda result: result[0] is grpc.StatusCode.OK)
        assert code is grpc.StatusCode.OK or (code in LIST_REFUSALS and details), f"{code.name}: {details[:300]}"

    @fuzz_settings(40)
    @given(data=lists, region=st.sampled_from(["US", "GB", "ZZ", ""]))
    def fuzz_lists(data: bytes, region: str) -> None:
        check(stub.PreviewCallList, calls_pb2.PreviewCallListRequest(customer_id=customer, list=data,
                                                                     default_region=region))
        check(stub.CreateCampaign, calls_pb2.CreateCampaignRequest(
            idempotency_key=f"fuzz-campaign-{next(keys)}", customer_id=customer, name="Fuzz", flow_id=flow.id,
            list=data, default_region=region))

    @fuzz_settings(60)
    @given(spec=flow_specs)
    def fuzz_flows(spec: calls_pb2.FlowSpec) -> None:
        check(stub.CreateFlow, calls_pb2.CreateFlowRequest(idempotency_key=f"fuzz-flow-{next(keys)}",
                                                           customer_id=customer, spec=spec))

    try:
        await in_worker_thread(fuzz_lists)
        await in_worker_thread(fuzz_flows)
    finally:
        channel.close()
    assert (await calls.stub.GetFlow(calls_pb2.GetFlowRequest(customer_id=customer, flow_id=flow.id))).id == flow.id
