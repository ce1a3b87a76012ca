"""From the contract's FlowSpec to the pure flow types, with defaults filled in."""

from __future__ import annotations

from services.calls.flow_rules import DEFAULT_OPT_OUT_KEY, FlowGraph, FlowNode, NodeKind
from services.calls.review_policy import FlowForReview, FlowKind
from services.calls.text_screening import LabeledText
from speechcue.calls.v1 import calls_pb2

NODE_KINDS = {
    calls_pb2.NODE_KIND_MESSAGE: NodeKind.MESSAGE,
    calls_pb2.NODE_KIND_MENU: NodeKind.MENU,
    calls_pb2.NODE_KIND_COLLECT_DIGITS: NodeKind.COLLECT_DIGITS,
    calls_pb2.NODE_KIND_TRANSFER: NodeKind.TRANSFER,
    calls_pb2.NODE_KIND_END: NodeKind.END,
}


def graph_of(spec: calls_pb2.FlowSpec) -> FlowGraph:
    nodes = []
    for node in spec.graph.nodes:
        edges: dict[str, str] = {}
        for edge in node.edges:
            # A repeated key keeps its first target; validation reports the duplicate separately.
            edges.setdefault(edge.key, edge.target_node_id)
        nodes.append(FlowNode(
            id=node.id, kind=NODE_KINDS.get(node.kind, NodeKind.END), text=node.text, max_digits=node.max_digits,
            termination_key=node.termination_key, transfer_number=node.transfer_number, edges=edges,
        ))
    return FlowGraph(start_node_id=spec.graph.start_node_id, nodes=tuple(nodes))


def duplicate_keys(spec: calls_pb2.FlowSpec) -> list[tuple[str, str]]:
    """(node id, key) for every key used twice in one node."""
    found: list[tuple[str, str]] = []
    for node in spec.graph.nodes:
        keys = [edge.key for edge in node.edges]
        found.extend((node.id, key) for key in sorted({key for key in keys if keys.count(key) > 1}))
    return found


def opt_out_key(spec: calls_pb2.FlowSpec) -> str:
    return spec.opt_out_key or DEFAULT_OPT_OUT_KEY


def opt_out_key_of(serialized_spec: bytes) -> str:
    """The opt-out key of a flow version as a flow row stores it (a serialized FlowSpec)."""
    return opt_out_key(calls_pb2.FlowSpec.FromString(serialized_spec))


def transfer_numbers_of(serialized_spec: bytes) -> list[str]:
    """The numbers a flow version's transfer steps dial (the call's caller ID must reach them too)."""
    spec = calls_pb2.FlowSpec.FromString(serialized_spec)
    return sorted({node.transfer_number for node in spec.graph.nodes
                   if node.kind == calls_pb2.NODE_KIND_TRANSFER and node.transfer_number})


def labelled_texts(spec: calls_pb2.FlowSpec) -> list[LabeledText]:
    """Every text of the flow that a callee hears or a customer named, with where it stands."""
    texts = [LabeledText("flow name", spec.name), LabeledText("business name", spec.business_name),
             LabeledText("voicemail message", spec.voicemail_message)]
    if spec.kind == calls_pb2.FLOW_KIND_AI_SCRIPT:
        texts.append(LabeledText("AI task", spec.ai_prompt))
    else:
        texts.extend(LabeledText(f"step '{node.id}'", node.text) for node in spec.graph.nodes)
    return [text for text in texts if text.text.strip()]


def flow_for_review(spec: calls_pb2.FlowSpec) -> FlowForReview:
    if spec.kind == calls_pb2.FLOW_KIND_AI_SCRIPT:
        return FlowForReview(FlowKind.AI_SCRIPT, tuple(labelled_texts(spec)))
    return FlowForReview(FlowKind.GRAPH, tuple(labelled_texts(spec)), graph_of(spec))
