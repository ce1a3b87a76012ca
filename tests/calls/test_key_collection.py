"""The most keys a call can gather in a row, whatever the graph's shape: worked cases, and Hypothesis
over random graphs against a brute-force walk of every path."""

from __future__ import annotations

from dataclasses import replace
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.calls.flow_rules import DIGIT_KEYS, FlowGraph, FlowNode, NodeKind
from services.calls.key_collection import KeyRun, keys_gathered, longest_key_run


def message(node_id: str, to: str) -> FlowNode:
    return FlowNode(node_id, NodeKind.MESSAGE, "words", edges={"next": to})


def menu(node_id: str, **edges: str) -> FlowNode:
    keys = {key.removeprefix("k").replace("hash", "#"): to for key, to in edges.items()}
    return FlowNode(node_id, NodeKind.MENU, "press a key", edges=keys)


def collect(node_id: str, digits: int, to: str, timeout: str = "") -> FlowNode:
    edges = {"next": to} | ({"timeout": timeout} if timeout else {})
    return FlowNode(node_id, NodeKind.COLLECT_DIGITS, "enter", max_digits=digits, edges=edges)


END = FlowNode("end", NodeKind.END, "bye")
DESK = FlowNode("desk", NodeKind.TRANSFER, transfer_number="+14155550199")


def graph(*nodes: FlowNode) -> FlowGraph:
    return FlowGraph(nodes[0].id, (*nodes, END, DESK))


@pytest.mark.parametrize(("flow", "expected"), [
    (graph(message("hi", "end")), KeyRun(0)),
    (graph(menu("m", k1="end", k2="desk", timeout="end")), KeyRun(1, ("m",))),
    (graph(message("hi", "m"), menu("m", k1="end", k2="end")), KeyRun(1, ("m",))),
    # A reminder whose confirmation is its own menu: two keys in a row.
    (graph(menu("m", k1="t", k2="end"), menu("t", k3="end", k4="end")), KeyRun(2, ("m", "t"))),
    (graph(collect("c", 6, "end")), KeyRun(6, ("c",))),
    # Split with a message between: the message does not break the run.
    (graph(collect("a", 3, "say"), message("say", "b"), collect("b", 3, "end")), KeyRun(6, ("a", "say", "b"))),
    # One menu per digit, four deep.
    (graph(menu("d1", k1="d2", k2="d2"), menu("d2", k1="d3", k2="d3"), menu("d3", k1="d4", k2="d4"),
           menu("d4", k1="end", k2="end")), KeyRun(4, ("d1", "d2", "d3", "d4"))),
    # Collect followed by a menu continues the run.
    (graph(collect("c", 2, "m"), menu("m", k1="end")), KeyRun(3, ("c", "m"))),
    # A timeout edge gathers nothing: the menu's timeout leads to a collect, its keys to the end.
    (graph(menu("m", k1="end", timeout="c"), collect("c", 2, "end")), KeyRun(2, ("c",))),
    # A transfer breaks the run: only the branch before it counts.
    (graph(menu("m", k1="desk", k2="end")), KeyRun(1, ("m",))),
    # A loop back through a menu's key: any number of keys.
    (graph(message("hi", "m"), menu("m", k1="m", k2="m", khash="end")), KeyRun(None, ("m", "m"))),
    (graph(menu("a", k1="b", k2="end"), message("b", "a")), KeyRun(None, ("a", "b", "a"))),
    # A loop through timeout and messages only gathers nothing: still one key.
    (graph(message("hi", "m"), menu("m", k1="end", timeout="hi")), KeyRun(1, ("m",))),
    # A collect step left on timeout still gathered its digits; a loop through it is unbounded.
    (graph(collect("c", 1, "end", timeout="c")), KeyRun(None, ("c", "c"))),
    # no_match is a key the callee pressed.
    (graph(menu("m", k1="end", no_match="m")), KeyRun(None, ("m", "m"))),
    # A step nobody can reach does not count.
    (FlowGraph("m", (menu("m", k1="end"), collect("lost", 8, "end"), END)), KeyRun(1, ("m",))),
])
def test_longest_key_run(flow: FlowGraph, expected: KeyRun) -> None:
    assert longest_key_run(flow) == expected


def test_the_reason_names_the_count_and_the_path() -> None:
    assert KeyRun(6, ("n1", "n2", "n3")).reason() == "can collect up to 6 keys in a row: n1 → n2 → n3"
    assert KeyRun(None, ("n1", "n2", "n1")).reason() == (
        "can collect any number of keys in a row (loop n1 → n2 → n1)")
    assert KeyRun(2, ("m", "t")).more_than(1) and KeyRun(None).more_than(1) and not KeyRun(1, ("m",)).more_than(1)


def test_a_broken_graph_gathers_nothing_rather_than_failing() -> None:
    assert longest_key_run(FlowGraph("nowhere", ())) == KeyRun(0)
    assert longest_key_run(FlowGraph("m", (menu("m", k1="ghost"),))) == KeyRun(0)


# Random graphs: a few steps of every kind, edges to any step (loops included).
IDS = [f"n{index}" for index in range(6)]
EDGE_KEYS = ["1", "2", "#", "timeout", "no_match"]


@st.composite
def graphs(draw: st.DrawFn) -> FlowGraph:
    count = draw(st.integers(1, len(IDS)))
    ids = IDS[:count]
    nodes = []
    for node_id in ids:
        kind = draw(st.sampled_from(list(NodeKind)))
        target = st.sampled_from(ids)
        if kind == NodeKind.MESSAGE:
            nodes.append(message(node_id, draw(target)))
        elif kind == NodeKind.MENU:
            edges = draw(st.dictionaries(st.sampled_from(EDGE_KEYS), target, min_size=1, max_size=4))
            nodes.append(FlowNode(node_id, NodeKind.MENU, "m", edges=edges))
        elif kind == NodeKind.COLLECT_DIGITS:
            timeout = draw(st.none() | target)
            nodes.append(collect(node_id, draw(st.integers(1, 4)), draw(target), timeout or ""))
        else:
            nodes.append(FlowNode(node_id, kind))
    return FlowGraph(ids[0], tuple(nodes))


def brute_force(flow: FlowGraph, cap: int) -> int | None:
    """Every walk from the start, step by step; None when some walk gathers more than cap keys
    (on these small graphs only a loop can do that)."""
    best = 0
    walks = [(flow.start_node_id, 0)]
    seen: set[tuple[str, int]] = set()
    while walks:
        node_id, keys = walks.pop()
        if keys > cap:
            return None
        best = max(best, keys)
        node = flow.node(node_id)
        if node is None or node.kind in (NodeKind.END, NodeKind.TRANSFER):
            continue
        for key, target in node.edges.items():
            step = (target, keys + keys_gathered(node, key))
            if flow.node(target) is not None and step not in seen:
                seen.add(step)
                walks.append(step)
    return best


# Six steps of at most 4 keys each: a loop-free path gathers at most 24.
CAP = 6 * 4


@settings(max_examples=400, deadline=None)
@given(graphs())
def test_matches_a_brute_force_walk_of_every_path(flow: FlowGraph) -> None:
    run = longest_key_run(flow)
    assert run.keys == brute_force(flow, CAP)
    if run.keys:
        # The path it names is a real walk that gathers keys at its first and last step.
        for here, after in pairwise(run.path):
            node = flow.node(here)
            assert node is not None and after in node.edges.values()
        first = flow.node(run.path[0])
        assert first is not None and first.kind in (NodeKind.MENU, NodeKind.COLLECT_DIGITS)


@settings(max_examples=300, deadline=None)
@given(graphs(), st.sampled_from(IDS), st.sampled_from(DIGIT_KEYS), st.sampled_from(IDS))
def test_adding_a_key_edge_never_lowers_the_run(flow: FlowGraph, source: str, key: str, target: str) -> None:
    node = flow.node(source)
    if node is None or node.kind != NodeKind.MENU or flow.node(target) is None:
        return
    more = replace(flow, nodes=tuple(replace(n, edges=n.edges | {key: target}) if n.id == source else n
                                     for n in flow.nodes))
    before, after = longest_key_run(flow).keys, longest_key_run(more).keys
    assert after is None or (before is not None and after >= before)


@settings(max_examples=200, deadline=None)
@given(graphs())
def test_a_graph_without_menus_or_collect_steps_gathers_nothing(flow: FlowGraph) -> None:
    plain = replace(flow, nodes=tuple(n if n.kind not in (NodeKind.MENU, NodeKind.COLLECT_DIGITS)
                                      else message(n.id, flow.start_node_id) for n in flow.nodes))
    assert longest_key_run(plain) == KeyRun(0)
