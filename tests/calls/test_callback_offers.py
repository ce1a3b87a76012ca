"""A flow's callback offer where it meets the rest of the calls service: the compiled flow says and takes
it at every menu in the call's language, the spec check refuses a key a menu or the opt-out uses, a call
row keeps the key as a menu key and the offer, and the report says the callback in the callee's time.
Pure: no server."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime

from services.calls.call_texts import FRENCH
from services.calls.callbacks import CALLBACK_NODE
from services.calls.campaign_report import report_csv
from services.calls.flow_compiler import compile_conversation_flow
from services.calls.flow_specs import callback_of, callback_offer_of, check_spec, graph_of, menu_keys_of
from services.calls.key_inputs import KeyPlace, shown_keys
from speechcue.calls.v1 import calls_pb2


def callback_flow(key: str = "8", delay: int = 60, menu_keys: tuple[str, ...] = ("1", "2")) -> calls_pb2.FlowSpec:
    return calls_pb2.FlowSpec(
        name="Reminder", kind=calls_pb2.FLOW_KIND_GRAPH, business_name="Acme Dental", language="fr-FR",
        callback=calls_pb2.CallbackOffer(key=key, delay_minutes=delay),
        graph=calls_pb2.FlowGraph(start_node_id="menu", nodes=[
            calls_pb2.FlowNode(id="menu", kind=calls_pb2.NODE_KIND_MENU, text="Appuyez sur 1 ou 2.",
                               edges=[calls_pb2.FlowEdge(key=k, target_node_id="bye") for k in menu_keys]),
            calls_pb2.FlowNode(id="bye", kind=calls_pb2.NODE_KIND_END, text="Merci."),
        ]))


def test_the_compiled_flow_offers_the_callback_at_every_menu_in_the_calls_language() -> None:
    spec = callback_flow()
    compiled = compile_conversation_flow(graph_of(spec), business_name="Acme Dental", opt_out_key="9",
                                         language="fr-FR", callback=callback_of(spec))
    nodes = {node["id"]: node for node in compiled["nodes"]}
    assert nodes[CALLBACK_NODE]["type"] == "end"
    assert nodes[CALLBACK_NODE]["instruction"]["text"] == FRENCH.callback_words
    for copy in ("menu", "menu.2", "menu.3"):  # said again twice on a wrong key: every copy offers it
        assert nodes[copy]["instruction"]["text"] == f"Appuyez sur 1 ou 2. {FRENCH.callback_offer.format(key='8')}"
        targets = {edge["transition_condition"]["prompt"]: edge["destination_node_id"] for edge in nodes[copy]["edges"]}
        assert targets["User pressed 8 on the keypad"] == CALLBACK_NODE


def test_a_flow_without_a_callback_compiles_as_before() -> None:
    spec = callback_flow(key="")
    compiled = compile_conversation_flow(graph_of(spec), business_name="Acme Dental", opt_out_key="9",
                                         language="fr-FR", callback=callback_of(spec))
    assert CALLBACK_NODE not in {node["id"] for node in compiled["nodes"]}
    assert compiled == compile_conversation_flow(graph_of(spec), business_name="Acme Dental", opt_out_key="9",
                                                 language="fr-FR")


def test_the_spec_check_refuses_a_callback_key_a_menu_uses_naming_the_menu() -> None:
    problems = check_spec(callback_flow(key="2"))
    assert [(problem.code, problem.node_id) for problem in problems] == [("CALLBACK_KEY_TAKEN", "menu")]
    assert check_spec(callback_flow()) == []
    assert [problem.code for problem in check_spec(callback_flow(key="9"))] == ["CALLBACK_KEY_IS_OPT_OUT"]


def test_the_spec_check_refuses_a_callback_in_an_ai_script() -> None:
    spec = calls_pb2.FlowSpec(name="AI", kind=calls_pb2.FLOW_KIND_AI_SCRIPT, business_name="Acme",
                              ai_prompt="Remind them.", callback=calls_pb2.CallbackOffer(key="8"))
    assert [problem.code for problem in check_spec(spec)] == ["CALLBACK_NEEDS_MENU"]


def test_a_call_keeps_the_callback_key_as_a_key_of_every_menu_and_the_offer() -> None:
    serialized = callback_flow().SerializeToString()
    assert menu_keys_of(serialized) == "menu=128"
    assert callback_offer_of(serialized) == "8:60"
    assert callback_offer_of(callback_flow(key="").SerializeToString()) == ""
    # So the callback key pressed at the menu is kept, not dropped as a wrong key.
    kept, _ = shown_keys(["8"], [KeyPlace("menu", CALLBACK_NODE)], menu_keys_of(serialized), "9")
    assert kept == ("8",)


@dataclass(frozen=True)
class ReportedCallee:
    number: str = "+14155550123"
    name: str = ""
    status: str = "pending"
    attempts: int = 1
    outcome: str = "user_hangup"
    duration_seconds: int = 30
    digits: tuple[str, ...] = ("8",)
    cost_cents: int = 15
    callback_at: datetime | None = None


def test_the_report_says_each_callees_callback_in_their_own_time() -> None:
    asked = datetime(2026, 12, 4, 18, 0, tzinfo=UTC)
    rows = list(csv.reader(io.StringIO(report_csv(
        [ReportedCallee(callback_at=asked), ReportedCallee(status="answered")], "running").decode())))
    assert rows[0][-1] == "callback"
    assert [row[-1] for row in rows[1:]] == ["2026-12-04T10:00-08:00", ""]  # San Francisco's time
