"""Each step gets the key handling it needs, within what Retell allows. Retell cuts key presses into
inputs per agent (`user_dtmf_options`), never per node, so the agent takes one key per input (a menu
choice goes on at once) and a collect step counts its digits node by node, leaving early on its
termination key. Every compiled body is checked field by field against retell-sdk's request types."""

from __future__ import annotations

from typing import Any

import pytest
from retell.types.agent_create_params import AgentCreateParams
from retell.types.conversation_flow_create_params import ConversationFlowCreateParams
from retell.types.llm_create_params import LlmCreateParams

from services.calls.flow_compiler import compile_ai_script
from services.calls.flow_rules import FlowGraph, FlowNode, NodeKind
from tests.calls.key_flows import MENU_AND_PIN, compiled_agent, compiled_flow
from tests.calls.retell_request_types import request_problems

ENGINE = {"type": "conversation-flow", "conversation_flow_id": "conversation_flow_0123456789ab"}
EVERY_KIND = FlowGraph("hello", (
    FlowNode("hello", NodeKind.MESSAGE, "Hello from Acme.", edges={"next": "menu"}),
    FlowNode("menu", NodeKind.MENU, "Press 1 for the desk, 2 for your code.",
             edges={"1": "desk", "2": "code", "no_match": "menu", "timeout": "bye"}),
    FlowNode("code", NodeKind.COLLECT_DIGITS, "Enter your four-digit code.", max_digits=4,
             edges={"next": "bye", "timeout": "menu"}),
    FlowNode("desk", NodeKind.TRANSFER, "Connecting you.", transfer_number="+14155550199"),
    FlowNode("bye", NodeKind.END, "Goodbye."),
))


def nodes_by_id(flow: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {node["id"]: node for node in flow["nodes"]}


def test_the_agent_ends_an_input_at_every_key_so_a_menu_choice_never_waits() -> None:
    # Sized for the six-digit PIN, the agent kept a menu's "1" waiting for five more keys, # or the timeout.
    assert compiled_agent(ENGINE)["user_dtmf_options"] == {"digit_limit": 1, "timeout_ms": 5_000}
    assert compiled_agent(ENGINE, graph=EVERY_KIND)["user_dtmf_options"]["digit_limit"] == 1


def test_a_collect_step_is_one_node_per_digit_that_its_termination_key_leaves_early() -> None:
    nodes = nodes_by_id(compiled_flow())
    chain = ["pin", "pin.2", "pin.3", "pin.4", "pin.5", "pin.6"]
    assert [node_id for node_id in nodes if node_id.startswith("pin")] == chain
    for position, node_id in enumerate(chain):
        node = nodes[node_id]
        following = chain[position + 1] if position + 1 < len(chain) else "thanks"
        assert [(edge["transition_condition"]["prompt"], edge["destination_node_id"]) for edge in node["edges"]] == [
            ("User pressed # on the keypad", "thanks"),
            ("User pressed any key other than # on the keypad", following),
        ]
        assert node["allow_dtmf_interruption"] is True
        # Words instead of keys start the step again.
        assert node["else_edge"]["destination_node_id"] == "pin"
    assert nodes["pin"]["instruction"] == {"type": "static_text",
                                           "text": "Enter the six-digit order PIN, then the pound key."}
    # Only the first link speaks: the callee is typing.
    assert all(nodes[node_id]["instruction"]["type"] == "prompt" for node_id in chain[1:])


def test_a_collect_step_without_a_termination_key_goes_on_after_its_last_digit_only() -> None:
    nodes = nodes_by_id(compiled_flow(EVERY_KIND))
    assert [(edge["transition_condition"]["prompt"], edge["destination_node_id"])
            for node_id in ("code", "code.2", "code.3", "code.4") for edge in nodes[node_id]["edges"]] == [
        ("User pressed any key on the keypad", "code.2"), ("User pressed any key on the keypad", "code.3"),
        ("User pressed any key on the keypad", "code.4"), ("User pressed any key on the keypad", "bye")]
    assert nodes["code.3"]["else_edge"]["destination_node_id"] == "menu"


def test_a_menu_goes_on_at_its_one_key_and_lets_a_key_interrupt_its_words() -> None:
    menu = nodes_by_id(compiled_flow())["menu"]
    assert [(edge["transition_condition"]["prompt"], edge["destination_node_id"]) for edge in menu["edges"]] == [
        ("User pressed 1 on the keypad", "pin"), ("User pressed 2 on the keypad", "bye")]
    assert menu["allow_dtmf_interruption"] is True


@pytest.mark.parametrize("graph", [MENU_AND_PIN, EVERY_KIND], ids=["menu-and-pin", "every-kind"])
def test_every_compiled_body_is_a_retell_sdk_request(graph: FlowGraph) -> None:
    assert request_problems(compiled_flow(graph), ConversationFlowCreateParams) == []
    assert request_problems(compiled_agent(ENGINE, graph=graph), AgentCreateParams) == []


def test_an_ai_script_and_its_agent_are_retell_sdk_requests() -> None:
    llm = compile_ai_script("Remind the callee of tomorrow's delivery.", business_name="Acme Parcels",
                            opt_out_key="9", language="en-US")
    assert request_problems(llm, LlmCreateParams) == []
    agent = compiled_agent({"type": "retell-llm", "llm_id": "llm_0123456789abcdef"})
    assert request_problems(agent, AgentCreateParams) == []


def test_the_type_check_refuses_a_field_retell_does_not_have() -> None:
    flow = compiled_flow()
    nodes_by_id(flow)["menu"]["user_dtmf_options"] = {"digit_limit": 1}
    assert request_problems(flow, ConversationFlowCreateParams)
    agent = compiled_agent(ENGINE)
    agent["user_dtmf_options"] = {"digit_limit": "one"}
    assert request_problems(agent, AgentCreateParams) == ["body.user_dtmf_options.digit_limit: 'one' is not float"]
    flow = compiled_flow()
    del nodes_by_id(flow)["pin.2"]["edges"][0]["transition_condition"]["prompt"]
    where = [node["id"] for node in flow["nodes"]].index("pin.2")
    assert request_problems(flow, ConversationFlowCreateParams) == [
        f"body.nodes[{where}].edges[0].transition_condition.prompt: required by "
        "NodeConversationNodeEdgeTransitionConditionPromptCondition"]
