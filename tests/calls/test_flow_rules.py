"""The rules an IVR flow must follow (which flows wait for review: test_review_policy.py)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from services.calls.flow_rules import (
    FlowGraph,
    FlowNode,
    NodeKind,
    validate_graph,
)


def node(node_id: str, kind: NodeKind, text: str = "Hello", **fields: object) -> FlowNode:
    return FlowNode(id=node_id, kind=kind, text=text, **fields)  # type: ignore[arg-type]


def codes(graph: FlowGraph) -> set[str]:
    return {problem.code for problem in validate_graph(graph)}


GOOD = FlowGraph("welcome", (
    node("welcome", NodeKind.MESSAGE, "Hi from Acme.", edges={"next": "menu"}),
    node("menu", NodeKind.MENU, "Press 1 for sales, 2 to hear this again.",
         edges={"1": "sales", "2": "menu", "timeout": "bye"}),
    node("sales", NodeKind.TRANSFER, "", transfer_number="+14155550123"),
    node("bye", NodeKind.END, "Goodbye."),
))


def test_a_well_formed_flow_has_no_problems() -> None:
    assert validate_graph(GOOD) == []


def test_missing_start_unknown_targets_and_duplicates_are_named() -> None:
    broken = FlowGraph("nowhere", (
        node("a", NodeKind.MESSAGE, edges={"next": "ghost"}),
        node("a", NodeKind.END),
    ))
    assert {"NO_START", "DUPLICATE_NODE", "UNKNOWN_TARGET"} <= codes(broken)


def test_every_path_must_reach_an_end_or_a_transfer() -> None:
    looping = FlowGraph("menu", (
        node("menu", NodeKind.MENU, edges={"1": "again"}),
        node("again", NodeKind.MESSAGE, edges={"next": "menu"}),
    ))
    problems = validate_graph(looping)
    assert {problem.code for problem in problems} == {"NO_END"}
    assert {problem.node_id for problem in problems} == {"menu", "again"}


def test_unreachable_steps_are_reported() -> None:
    graph = FlowGraph("a", (node("a", NodeKind.MESSAGE, edges={"next": "b"}), node("b", NodeKind.END),
                            node("orphan", NodeKind.END)))
    assert codes(graph) == {"UNREACHABLE"}


def test_menu_keys_must_exist_on_a_phone_and_leave_the_opt_out_key_free() -> None:
    graph = FlowGraph("m", (node("m", NodeKind.MENU, edges={"9": "e", "A": "e"}), node("e", NodeKind.END)))
    assert {"OPT_OUT_KEY_TAKEN", "BAD_KEY"} <= codes(graph)


def test_collect_digits_limits_and_transfer_numbers() -> None:
    graph = FlowGraph("c", (
        node("c", NodeKind.COLLECT_DIGITS, max_digits=25, termination_key="5", edges={"next": "t"}),
        node("t", NodeKind.TRANSFER, transfer_number="12345"),
    ))
    assert {"DIGITS_OUT_OF_RANGE", "BAD_TERMINATION_KEY", "BAD_TRANSFER_NUMBER"} <= codes(graph)


def test_texts_are_required_and_bounded() -> None:
    graph = FlowGraph("m", (node("m", NodeKind.MESSAGE, " ", edges={"next": "e"}),
                            node("e", NodeKind.END, "x" * 1001)))
    assert codes(graph) == {"TEXT_MISSING", "TEXT_TOO_LONG"}


def test_terminal_steps_lead_nowhere() -> None:
    graph = FlowGraph("e", (node("e", NodeKind.END, edges={"next": "e"}),))
    assert "EDGES_ON_TERMINAL" in codes(graph)


@given(st.lists(st.tuples(st.sampled_from(list(NodeKind)), st.text(max_size=30),
                          st.dictionaries(st.sampled_from(["next", "1", "2", "#", "timeout", "9", "x"]),
                                          st.sampled_from(["n0", "n1", "n2", "n3", "zz"]), max_size=4)),
                max_size=5))
def test_validation_never_crashes_and_a_clean_result_means_a_sound_graph(specs: list[tuple]) -> None:
    graph = FlowGraph("n0", tuple(FlowNode(id=f"n{i}", kind=kind, text=text, max_digits=3,
                                           transfer_number="+14155550123", edges=edges)
                                  for i, (kind, text, edges) in enumerate(specs)))
    problems = validate_graph(graph)
    if not problems:
        assert graph.node("n0") is not None
        assert any(n.kind in (NodeKind.END, NodeKind.TRANSFER) for n in graph.nodes)
