"""From the contract's FlowSpec to the pure flow types, with defaults filled in, and the check of a
whole spec (check_spec). Pure: the bot imports it to check a draft by the same rule as CreateFlow."""

from __future__ import annotations

import phonenumbers

from services.calls.callbacks import CallbackOffer, offer_problems, offer_text, offered_at_menus
from services.calls.custom_fields import definitions_value, field_problems, fields_of
from services.calls.custom_fields import labelled_texts as field_texts
from services.calls.flow_rules import (
    DEFAULT_OPT_OUT_KEY,
    MAX_NAME,
    MAX_PROMPT,
    MAX_TEXT,
    FlowGraph,
    FlowNode,
    MenuFallback,
    NodeKind,
    validate_graph,
)
from services.calls.key_inputs import menu_keys_text
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
MENU_FALLBACKS = {
    calls_pb2.MENU_FALLBACK_UNSPECIFIED: MenuFallback.DEFAULT,
    calls_pb2.MENU_FALLBACK_REPEAT: MenuFallback.REPEAT,
    calls_pb2.MENU_FALLBACK_GO_TO: MenuFallback.GO_TO,
    calls_pb2.MENU_FALLBACK_END: MenuFallback.END,
}
# Every language a flow may be spoken in (call_texts.py has the platform's words in each).
LANGUAGE_PATTERN = frozenset({"en-US", "en-GB", "en-IN", "fr-FR", "hi-IN", "zh-CN", "es-ES", "de-DE"})
# For check_spec where the operator's allow-list is applied elsewhere: the number's kind is still checked.
EVERY_COUNTRY = frozenset(phonenumbers.SUPPORTED_REGIONS)


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
            on_wrong_key=MENU_FALLBACKS.get(node.on_wrong_key, MenuFallback.DEFAULT),
            on_silence=MENU_FALLBACKS.get(node.on_silence, MenuFallback.DEFAULT), repeats=node.repeats,
        ))
    return FlowGraph(start_node_id=spec.graph.start_node_id, nodes=tuple(nodes))


def duplicate_keys(spec: calls_pb2.FlowSpec) -> list[tuple[str, str]]:
    """(node id, key) for every key used twice in one node."""
    found: list[tuple[str, str]] = []
    for node in spec.graph.nodes:
        keys = [edge.key for edge in node.edges]
        found.extend((node.id, key) for key in sorted({key for key in keys if keys.count(key) > 1}))
    return found


def check_spec(spec: calls_pb2.FlowSpec, *, allowed_countries: frozenset[str] | None = None,
               ) -> list[calls_pb2.FlowProblem]:
    """Every problem with the spec, as FlowProblems a customer can read: the one rule CreateFlow and
    UpdateFlow refuse by, and the bot's wizard checks a draft by (so "complete" means Save works).
    `allowed_countries` None is the default allow-list; the bot passes EVERY_COUNTRY, since which
    countries a transfer may reach is the operator's setting, checked by CheckDestination when the
    number is typed."""
    problems: list[calls_pb2.FlowProblem] = []

    def problem(code: str, message: str, node_id: str = "") -> None:
        problems.append(calls_pb2.FlowProblem(node_id=node_id, code=code, message=message))

    if not spec.name.strip() or len(spec.name) > MAX_NAME:
        problem("BAD_NAME", f"give the flow a name of 1 to {MAX_NAME} characters")
    if not spec.business_name.strip() or len(spec.business_name) > MAX_NAME:
        problem("BAD_BUSINESS_NAME", "the business name is said at the start of every call; give one")
    if spec.opt_out_key and spec.opt_out_key not in "0123456789*#":
        problem("BAD_OPT_OUT_KEY", "the opt-out key must be one key: 0-9, * or #")
    if spec.language and spec.language not in LANGUAGE_PATTERN:
        problem("BAD_LANGUAGE", f"language must be one of {', '.join(sorted(LANGUAGE_PATTERN))}")
    if len(spec.voicemail_message) > MAX_TEXT:
        problem("TEXT_TOO_LONG", f"the voicemail message is longer than {MAX_TEXT} characters")
    if spec.kind == calls_pb2.FLOW_KIND_AI_SCRIPT:
        if not spec.ai_prompt.strip() or len(spec.ai_prompt) > MAX_PROMPT:
            problem("BAD_PROMPT", f"describe the call's task in 1 to {MAX_PROMPT} characters")
    elif spec.kind == calls_pb2.FLOW_KIND_GRAPH:
        for node_id, key in duplicate_keys(spec):
            problem("DUPLICATE_KEY", f"key {key} is used twice in step '{node_id}'", node_id)
        countries = {"allowed_countries": allowed_countries} if allowed_countries is not None else {}
        for found in validate_graph(graph_of(spec), opt_out_key=opt_out_key(spec), **countries):
            problem(found.code, found.message, found.node_id)
    else:
        problem("BAD_KIND", "a flow is a node graph or an AI script")
    for field_problem in field_problems(fields_of(spec)):
        problem(field_problem.code, field_problem.message)
    graph = graph_of(spec) if spec.kind == calls_pb2.FLOW_KIND_GRAPH else None
    for found in offer_problems(callback_of(spec), graph, opt_out_key=opt_out_key(spec)):
        problem(found.code, found.message, found.node_id)
    return problems


def callback_of(spec: calls_pb2.FlowSpec) -> CallbackOffer | None:
    """The flow's callback offer (callbacks.py); None when it offers none."""
    return CallbackOffer(spec.callback.key, spec.callback.delay_minutes) if spec.callback.key else None


def callback_offer_of(serialized_spec: bytes) -> str:
    """A flow version's callback offer as a call row keeps it (callbacks.offer_text); '' for none."""
    return offer_text(callback_of(calls_pb2.FlowSpec.FromString(serialized_spec)))


def opt_out_key(spec: calls_pb2.FlowSpec) -> str:
    return spec.opt_out_key or DEFAULT_OPT_OUT_KEY


def opt_out_key_of(serialized_spec: bytes) -> str:
    """The opt-out key of a flow version as a flow row stores it (a serialized FlowSpec)."""
    return opt_out_key(calls_pb2.FlowSpec.FromString(serialized_spec))


def menu_keys_of(serialized_spec: bytes) -> str:
    """A flow version's menus and their keys as a call row keeps them (key_inputs.menu_keys_text)."""
    spec = calls_pb2.FlowSpec.FromString(serialized_spec)
    # The callback key is one of every menu's keys (callbacks.py): kept when pressed, never a wrong key.
    return menu_keys_text(offered_at_menus(graph_of(spec), callback_of(spec))
                          if spec.kind == calls_pb2.FLOW_KIND_GRAPH else None)


def custom_fields_of(serialized_spec: bytes) -> list[dict[str, object]]:
    """A flow version's custom fields as a call row keeps them (custom_fields.definitions_value)."""
    return definitions_value(fields_of(calls_pb2.FlowSpec.FromString(serialized_spec)))


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
    # The custom fields' words reach Retell's post-call model (custom_fields.py).
    texts.extend(field_texts(fields_of(spec)))
    return [text for text in texts if text.text.strip()]


def flow_for_review(spec: calls_pb2.FlowSpec) -> FlowForReview:
    if spec.kind == calls_pb2.FLOW_KIND_AI_SCRIPT:
        return FlowForReview(FlowKind.AI_SCRIPT, tuple(labelled_texts(spec)))
    return FlowForReview(FlowKind.GRAPH, tuple(labelled_texts(spec)), graph_of(spec))
