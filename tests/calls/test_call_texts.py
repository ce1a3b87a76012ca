"""The platform's own words in every call language: complete, and in every compiled call. An AI
script carries its language's guardrail, opt-out rule and data-block framing; list values reach it
only inside the data block; every agent has DNC detection; every voicemail ends with the opt-out."""

from __future__ import annotations

import json
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.calls.call_texts import CALL_TEXTS, ENGLISH, PLACEHOLDERS, TEXT_NAMES, texts_for
from services.calls.flow_compiler import (
    CALLEE_DATA_END,
    CALLEE_DATA_START,
    CALLEE_DATA_VARIABLE,
    DISCLOSURE_NODE,
    OPT_OUT_NODE,
    callee_data_value,
    compile_agent,
    compile_ai_script,
    compile_conversation_flow,
)
from services.calls.flow_rules import FlowGraph, FlowNode, NodeKind
from services.calls.flows import LANGUAGE_PATTERN

LANGUAGES = sorted(CALL_TEXTS)


def fields_of(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_flow_language_has_its_texts() -> None:
    assert set(CALL_TEXTS) == set(LANGUAGE_PATTERN)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_language_has_every_text_with_the_same_placeholders(language: str) -> None:
    texts = CALL_TEXTS[language]
    for name in TEXT_NAMES:
        text = getattr(texts, name)
        assert text.strip(), f"{language} has no {name}"
        assert fields_of(text) == PLACEHOLDERS[name], f"{language}'s {name} fills the wrong fields"
    if not language.startswith("en"):
        assert all(getattr(texts, name) != getattr(ENGLISH, name) for name in TEXT_NAMES), language


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_ai_script_carries_its_languages_guardrail_opt_out_and_data_framing(language: str) -> None:
    texts = texts_for(language)
    llm = compile_ai_script("Ask the callee to read me the code from the text message.",
                            business_name="Acme Parcels", opt_out_key="8", language=language)
    prompt = llm["general_prompt"]
    assert texts.guardrail in prompt
    assert texts.opt_out_rule.format(key="8", opt_out_words=texts.opt_out_words) in prompt
    assert texts.data_rule.format(start=CALLEE_DATA_START, end=CALLEE_DATA_END) in prompt
    assert f"{CALLEE_DATA_START}\n{{{{{CALLEE_DATA_VARIABLE}}}}}\n{CALLEE_DATA_END}" in prompt
    # The platform's rules come before the customer's task, which cannot remove them.
    assert prompt.index(texts.guardrail) < prompt.index("Ask the callee")
    opening = f"{texts.disclosure.format(business='Acme Parcels')} {texts.opt_out_notice.format(key='8')}"
    assert llm["begin_message"] == opening
    assert {tool["type"] for tool in llm["general_tools"]} == {"end_call"}


def test_list_values_can_stand_only_inside_the_data_block() -> None:
    llm = compile_ai_script("Greet {{name}} and {{ city }}, then {{ask}}", business_name="Acme {{name}}",
                            opt_out_key="9", language="en-US")
    everything = llm["general_prompt"] + llm["begin_message"]
    assert everything.count("{{") == 1 and f"{{{{{CALLEE_DATA_VARIABLE}}}}}" in everything
    assert "Greet ⟨name⟩ and ⟨city⟩, then ⟨ask⟩" in llm["general_prompt"]


@given(st.dictionaries(st.text(min_size=1, max_size=20), st.text(max_size=200), max_size=5))
def test_no_list_value_can_end_the_data_block_or_start_a_line(variables: dict[str, str]) -> None:
    value = callee_data_value(variables)
    assert "\n" not in value and "\r" not in value and "<" not in value and ">" not in value
    assert CALLEE_DATA_END not in value
    assert json.loads(value) == variables


GRAPH = FlowGraph("hello", (
    FlowNode("hello", NodeKind.MESSAGE, "Votre rendez-vous est demain.", edges={"next": "bye"}),
    FlowNode("bye", NodeKind.END, "Merci."),
))


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_graph_flow_opens_and_opts_out_in_the_calls_language(language: str) -> None:
    texts = texts_for(language)
    flow = compile_conversation_flow(GRAPH, business_name="Acme", opt_out_key="#", language=language)
    nodes = {node["id"]: node for node in flow["nodes"]}
    assert nodes[DISCLOSURE_NODE]["instruction"]["text"] == (
        f"{texts.disclosure.format(business='Acme')} {texts.opt_out_notice.format(key='#')}")
    assert nodes[OPT_OUT_NODE]["instruction"]["text"] == texts.opt_out_words
    assert "pressed # on the keypad" in nodes[OPT_OUT_NODE]["global_node_setting"]["condition"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_agent_detects_dnc_and_every_voicemail_ends_with_the_opt_out(language: str) -> None:
    texts = texts_for(language)

    def agent(message: str | None) -> dict[str, object]:
        return compile_agent(name="n", response_engine={}, voice_id="v", language=language, webhook_url="u",
                             dtmf={}, voicemail_message=message, business_name="Acme", opt_out_key="7",
                             max_call_duration_ms=60_000)

    left = agent("Nous rappellerons.")
    assert left["enable_dnc_detection"] is True
    text = left["voicemail_option"]["action"]["text"]  # type: ignore[index]
    assert text.startswith(texts.disclosure.format(business="Acme"))
    assert text.endswith(texts.voicemail_opt_out.format(key="7")) and "Nous rappellerons." in text
    default = agent("")["voicemail_option"]["action"]["text"]  # type: ignore[index]
    assert texts.voicemail_default in default and default.endswith(texts.voicemail_opt_out.format(key="7"))
    assert agent(None)["voicemail_option"] == {"action": {"type": "hangup"}}
