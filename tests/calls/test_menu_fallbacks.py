"""A menu's robustness settings reach Retell in what its conversation-flow nodes allow, and the Retell
simulator honours them as Retell does: a wrong key says the menu again (up to 3 times), goes to a
step, or ends the call; silence brings the node's reminders (the menu again) or none, then the agent's
end after silence. Silence never goes to another step: no Retell node can branch on it."""

from __future__ import annotations

from typing import Any

import pytest
from retell.types.conversation_flow_create_params import ConversationFlowCreateParams

from services.calls.flow_compiler import END_CALL_AFTER_SILENCE_MS, GOODBYE_NODE, MENU_REMINDER_MS
from services.calls.flow_rules import FlowGraph, FlowNode, MenuFallback, NodeKind, menu_fallbacks, validate_graph
from services.calls.flow_specs import graph_of
from services.sandbox.retell_simulator import CallTiming, SilenceRules, walk_conversation_flow
from speechcue.calls.v1 import calls_pb2
from tests.calls.conftest import CALLEE, CallsHarness
from tests.calls.key_flows import compiled_agent, compiled_flow
from tests.calls.retell_request_types import request_problems

MENU_TEXT = "Press 1 for sales, 2 for support."
ENGINE = {"type": "conversation-flow", "conversation_flow_id": "conversation_flow_0123456789ab"}


def menu_flow(*, wrong_key: MenuFallback = MenuFallback.DEFAULT, silence: MenuFallback = MenuFallback.DEFAULT,
              repeats: int = 0, no_match: str = "") -> FlowGraph:
    edges = {"1": "sales", "2": "support"} | ({"no_match": no_match} if no_match else {})
    return FlowGraph("menu", (
        FlowNode("menu", NodeKind.MENU, MENU_TEXT, edges=edges, on_wrong_key=wrong_key, on_silence=silence,
                 repeats=repeats),
        FlowNode("sales", NodeKind.END, "Sales will call you back."),
        FlowNode("support", NodeKind.END, "Support will call you back."),
        FlowNode("help", NodeKind.MESSAGE, "Let me say it slowly.", edges={"next": "menu"}),
    ))


def reachable_menu_flow(**settings: Any) -> FlowGraph:
    """menu_flow with `help` reachable (a no_match edge to it), for the rules' reachability check."""
    return menu_flow(no_match="help", **settings)


def nodes_by_id(flow: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {node["id"]: node for node in flow["nodes"]}


def walk(graph: FlowGraph, keys: list[tuple[str, int]], ended_at_ms: int) -> tuple[list[dict[str, Any]], str]:
    """The compiled flow walked by the simulator with the compiled agent's silence rules."""
    flow = compiled_flow(graph)
    rules = SilenceRules.of_agent(compiled_agent(ENGINE, graph=graph))
    entries, reason, _ = walk_conversation_flow(flow, [key for key, _ in keys], "",
                                                CallTiming([at for _, at in keys], ended_at_ms, rules))
    return entries, reason


def said(entries: list[dict[str, Any]]) -> list[str]:
    return [entry["content"] for entry in entries if entry["role"] == "agent"]


@pytest.mark.parametrize(("node", "expected"), [
    (FlowNode("m", NodeKind.MENU), (MenuFallback.REPEAT, MenuFallback.REPEAT, 2, "")),
    (FlowNode("m", NodeKind.MENU, repeats=3), (MenuFallback.REPEAT, MenuFallback.REPEAT, 3, "")),
    (FlowNode("m", NodeKind.MENU, edges={"no_match": "x"}), (MenuFallback.GO_TO, MenuFallback.REPEAT, 2, "x")),
    # Before these settings a menu's "timeout" edge was where any unmatched answer went: it still is.
    (FlowNode("m", NodeKind.MENU, edges={"timeout": "t"}), (MenuFallback.GO_TO, MenuFallback.REPEAT, 2, "t")),
    (FlowNode("m", NodeKind.MENU, edges={"no_match": "x"}, on_wrong_key=MenuFallback.END),
     (MenuFallback.END, MenuFallback.REPEAT, 2, "")),
    (FlowNode("m", NodeKind.MENU, on_wrong_key=MenuFallback.REPEAT, on_silence=MenuFallback.END, repeats=1),
     (MenuFallback.REPEAT, MenuFallback.END, 1, "")),
])
def test_the_defaults_of_a_menu_are_filled_in(node: FlowNode, expected: tuple[Any, ...]) -> None:
    settings = menu_fallbacks(node)
    assert (settings.on_wrong_key, settings.on_silence, settings.repeats, settings.wrong_key_target) == expected


@pytest.mark.parametrize(("graph", "code"), [
    (reachable_menu_flow(repeats=4), "BAD_REPEATS"),
    (reachable_menu_flow(repeats=-1), "BAD_REPEATS"),
    (menu_flow(wrong_key=MenuFallback.GO_TO), "WRONG_KEY_NEEDS_STEP"),
    (reachable_menu_flow(silence=MenuFallback.GO_TO), "SILENCE_CANNOT_GO_TO"),
])
def test_settings_retell_cannot_run_are_refused_on_the_menu(graph: FlowGraph, code: str) -> None:
    assert code in [(problem.code) for problem in validate_graph(graph) if problem.node_id == "menu"]


def test_settings_within_reach_are_accepted() -> None:
    for repeats in (0, 1, 2, 3):
        for wrong_key in (MenuFallback.REPEAT, MenuFallback.GO_TO, MenuFallback.END):
            for silence in (MenuFallback.REPEAT, MenuFallback.END):
                graph = reachable_menu_flow(wrong_key=wrong_key, silence=silence, repeats=repeats)
                assert validate_graph(graph) == [], (repeats, wrong_key, silence)


def test_the_settings_travel_in_the_flow_spec() -> None:
    spec = calls_pb2.FlowSpec(graph=calls_pb2.FlowGraph(start_node_id="menu", nodes=[calls_pb2.FlowNode(
        id="menu", kind=calls_pb2.NODE_KIND_MENU, text=MENU_TEXT, repeats=3,
        on_wrong_key=calls_pb2.MENU_FALLBACK_END, on_silence=calls_pb2.MENU_FALLBACK_REPEAT)]))
    [node] = graph_of(spec).nodes
    assert (node.on_wrong_key, node.on_silence, node.repeats) == (MenuFallback.END, MenuFallback.REPEAT, 3)


def test_repeating_on_a_wrong_key_is_the_menu_said_again_then_goodbye_in_the_retell_request() -> None:
    flow = compiled_flow(menu_flow(wrong_key=MenuFallback.REPEAT, silence=MenuFallback.REPEAT, repeats=3))
    assert request_problems(flow, ConversationFlowCreateParams) == []
    nodes = nodes_by_id(flow)
    sayings = ["menu", "menu.2", "menu.3", "menu.4"]
    assert [node_id for node_id in nodes if node_id.startswith("menu")] == sayings
    for position, node_id in enumerate(sayings):
        node = nodes[node_id]
        assert node["instruction"] == {"type": "static_text", "text": MENU_TEXT}
        assert [edge["destination_node_id"] for edge in node["edges"]] == ["sales", "support"]
        following = sayings[position + 1] if position + 1 < len(sayings) else GOODBYE_NODE
        assert node["else_edge"]["destination_node_id"] == following
        # Silence: three reminders, well before the agent's end after silence.
        assert (node["reminder_trigger_ms"], node["reminder_max_count"]) == (MENU_REMINDER_MS, 3)
    assert MENU_REMINDER_MS < END_CALL_AFTER_SILENCE_MS


def test_going_to_a_step_or_ending_on_a_wrong_key_and_ending_on_silence_in_the_retell_request() -> None:
    flow = compiled_flow(reachable_menu_flow(wrong_key=MenuFallback.GO_TO, silence=MenuFallback.END))
    assert request_problems(flow, ConversationFlowCreateParams) == []
    menu = nodes_by_id(flow)["menu"]
    assert "menu.2" not in nodes_by_id(flow)
    assert menu["else_edge"]["destination_node_id"] == "help"
    assert menu["reminder_max_count"] == 0 and "reminder_trigger_ms" not in menu
    ending = nodes_by_id(compiled_flow(menu_flow(wrong_key=MenuFallback.END)))["menu"]
    assert ending["else_edge"]["destination_node_id"] == GOODBYE_NODE


def test_the_simulator_says_the_menu_again_on_each_wrong_key_then_says_goodbye() -> None:
    graph = menu_flow(wrong_key=MenuFallback.REPEAT, silence=MenuFallback.END, repeats=2)
    entries, reason = walk(graph, [("5", 3_000), ("6", 5_000), ("7", 7_000)], ended_at_ms=9_000)
    assert said(entries)[1:] == [MENU_TEXT, MENU_TEXT, MENU_TEXT, "Goodbye."]
    assert reason == "agent_hangup"
    assert [entry["digit"] for entry in entries if entry["role"] == "dtmf"] == ["5", "6", "7"]


def test_the_simulator_takes_a_right_key_after_a_wrong_one() -> None:
    entries, reason = walk(menu_flow(repeats=2), [("5", 3_000), ("2", 5_000)], ended_at_ms=9_000)
    assert said(entries)[1:] == [MENU_TEXT, MENU_TEXT, "Support will call you back."]
    assert reason == "agent_hangup"


def test_the_simulator_goes_to_the_chosen_step_on_a_wrong_key() -> None:
    graph = reachable_menu_flow(wrong_key=MenuFallback.GO_TO)
    entries, _ = walk(graph, [("5", 3_000), ("1", 5_000)], ended_at_ms=9_000)
    assert said(entries)[1:] == [MENU_TEXT, "Let me say it slowly.", MENU_TEXT, "Sales will call you back."]


def test_the_simulator_reminds_a_silent_callee_then_ends_the_call_for_inactivity() -> None:
    graph = menu_flow(silence=MenuFallback.REPEAT, repeats=3)
    # Silent for a minute: three reminders 7 s apart, then 20 s of silence end the call.
    entries, reason = walk(graph, [], ended_at_ms=60_000)
    assert said(entries)[1:] == [MENU_TEXT] * 4
    assert reason == "inactivity"
    # A key after the second reminder is taken, and the call goes on.
    entries, reason = walk(graph, [("1", 3 * MENU_REMINDER_MS - 1)], ended_at_ms=60_000)
    assert said(entries)[1:] == [MENU_TEXT] * 3 + ["Sales will call you back."]
    assert reason == "agent_hangup"


def test_the_simulator_says_nothing_more_to_a_silent_callee_when_silence_ends_the_call() -> None:
    graph = menu_flow(silence=MenuFallback.END)
    entries, reason = walk(graph, [("1", 25_000)], ended_at_ms=30_000)
    assert said(entries)[1:] == [MENU_TEXT]
    assert reason == "inactivity"
    assert not [entry for entry in entries if entry["role"] == "dtmf"]  # the call was over by then
    _, reason = walk(graph, [("1", 15_000)], ended_at_ms=30_000)
    assert reason == "agent_hangup"


def survey(*, wrong_key: int, silence: int, repeats: int) -> calls_pb2.FlowSpec:
    return calls_pb2.FlowSpec(
        name="Survey", kind=calls_pb2.FLOW_KIND_GRAPH, business_name="Acme Dental",
        graph=calls_pb2.FlowGraph(start_node_id="menu", nodes=[
            calls_pb2.FlowNode(id="menu", kind=calls_pb2.NODE_KIND_MENU, text=MENU_TEXT, on_wrong_key=wrong_key,
                               on_silence=silence, repeats=repeats,
                               edges=[calls_pb2.FlowEdge(key="1", target_node_id="sales"),
                                      calls_pb2.FlowEdge(key="2", target_node_id="support")]),
            calls_pb2.FlowNode(id="sales", kind=calls_pb2.NODE_KIND_END, text="Sales will call you back."),
            calls_pb2.FlowNode(id="support", kind=calls_pb2.NODE_KIND_END, text="Support will call you back.")]))


async def placed_call(calls: CallsHarness, spec: calls_pb2.FlowSpec, **scenario: Any) -> tuple[Any, Any]:
    """A call of the flow to a scripted callee, through the calls service and the Retell simulator: the
    settled call and Retell's record of it."""
    customer = await calls.customer_with_money(2_000)
    flow = await calls.flow(customer, spec)
    assert flow.status == calls_pb2.FLOW_STATUS_APPROVED
    await calls.script_callee(CALLEE, **scenario)
    started = await calls.call(customer, flow.id)
    call = await calls.settled(customer, started.id, timeout=30.0)
    return call, calls.retell.calls[call.retell_call_id].record


async def test_a_silent_callee_hears_the_menu_again_and_the_call_ends_for_inactivity(calls: CallsHarness) -> None:
    call, record = await placed_call(calls, survey(wrong_key=calls_pb2.MENU_FALLBACK_END,
                                                   silence=calls_pb2.MENU_FALLBACK_REPEAT, repeats=2),
                                     duration_ms=90_000)
    said = [entry["content"] for entry in record["transcript_with_tool_calls"] if entry["role"] == "agent"]
    assert said[1:] == [MENU_TEXT] * 3  # after the disclosure: the menu, and twice again
    assert call.disconnection_reason == "inactivity"


async def test_wrong_keys_end_the_call_when_the_menu_says_so(calls: CallsHarness) -> None:
    call, record = await placed_call(calls, survey(wrong_key=calls_pb2.MENU_FALLBACK_END,
                                                   silence=calls_pb2.MENU_FALLBACK_END, repeats=0),
                                     duration_ms=20_000, keys=[{"digit": "5", "at_ms": 3_000}])
    said = [entry["content"] for entry in record["transcript_with_tool_calls"] if entry["role"] == "agent"]
    assert said[1:] == [MENU_TEXT, "Goodbye."]
    # The wrong key ended the call and, matching no choice, is not kept (key_inputs.shown_keys).
    assert (call.disconnection_reason, list(call.digits)) == ("agent_hangup", [])
