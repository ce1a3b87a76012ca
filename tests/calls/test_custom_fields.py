"""Custom outcomes, the pure rules: which field definitions a flow may have, what the agent asks Retell's
post-call model (shapes checked against retell-sdk's types), which answers a call keeps, which call is a
lead, and what the simulated Retell reports for an agent's items."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from retell.types.agent_create_params import PostCallAnalysisData
from retell.types.phone_call_response import CallAnalysis

from services.calls.custom_fields import (
    MAX_TEXT_ANSWER,
    CustomField,
    FieldType,
    answer_messages,
    definitions_value,
    field_message,
    field_problems,
    fields_from_value,
    fields_of,
    is_lead,
    read_answers,
)
from services.calls.flow_compiler import compile_agent
from services.calls.flow_specs import check_spec, flow_for_review
from services.calls.review_policy import TrustTier, review_reasons
from services.sandbox.retell_analysis import custom_analysis_data
from speechcue.calls.v1 import calls_pb2
from tests.calls.flow_versions import reminder
from tests.calls.retell_request_types import request_problems

INTERESTED = CustomField("interested?", FieldType.YES_NO, "Did the callee say they are interested?", lead_answer="yes")
DAY = CustomField("preferred day", FieldType.CHOICE, "Which day suits the callee?", ("Mon", "Tue", "Wed"))
SEATS = CustomField("seats", FieldType.NUMBER, "How many seats the callee wants")
NOTE = CustomField("note", FieldType.TEXT)
FIELDS = (INTERESTED, DAY, SEATS, NOTE)


def agent_with(fields: tuple[CustomField, ...]) -> dict[str, Any]:
    return compile_agent(name="n", response_engine={}, voice_id="v", language="en-US", webhook_url="u", dtmf={},
                         voicemail_message=None, business_name="Acme", opt_out_key="9", max_call_duration_ms=60_000,
                         custom_fields=fields)


def test_every_field_becomes_an_item_of_retells_own_shape_after_the_summary_preset() -> None:
    items = agent_with(FIELDS)["post_call_analysis_data"]
    assert request_problems(items, list[PostCallAnalysisData]) == []
    assert items[0]["name"] == "call_summary"
    assert items[1:] == [
        {"type": "boolean", "name": "interested?", "description": "Did the callee say they are interested?"},
        {"type": "enum", "name": "preferred day", "description": "Which day suits the callee?",
         "choices": ["Mon", "Tue", "Wed"]},
        {"type": "number", "name": "seats", "description": "How many seats the callee wants"},
        # No description: the model is asked by the field's name.
        {"type": "string", "name": "note", "description": "note"},
    ]


def test_a_flow_without_fields_asks_only_for_the_summary() -> None:
    assert [item["name"] for item in agent_with(())["post_call_analysis_data"]] == ["call_summary"]


def test_a_description_cannot_pull_the_callees_list_values_into_the_analysis() -> None:
    field = CustomField("owes", FieldType.YES_NO, "Does {{first_name}} owe {{amount}}?")
    description = agent_with((field,))["post_call_analysis_data"][1]["description"]
    assert description == "Does { {first_name} } owe { {amount} }?"


@pytest.mark.parametrize(("fields", "codes"), [
    (FIELDS, []),
    ((INTERESTED,) * 1 + tuple(CustomField(f"f{n}", FieldType.TEXT) for n in range(5)), ["TOO_MANY_FIELDS"]),
    ((INTERESTED, CustomField("Interested?", FieldType.TEXT)), ["DUPLICATE_FIELD"]),
    ((CustomField("", FieldType.TEXT),), ["BAD_FIELD_NAME"]),
    ((CustomField("x" * 41, FieldType.TEXT),), ["BAD_FIELD_NAME"]),
    ((CustomField("call_summary", FieldType.TEXT),), ["BAD_FIELD_NAME"]),
    ((CustomField("a\nb", FieldType.TEXT),), ["BAD_FIELD_NAME"]),
    ((CustomField("why", FieldType.TEXT, "d" * 201),), ["BAD_FIELD_DESCRIPTION"]),
    ((CustomField("day", FieldType.CHOICE, choices=("Mon",)),), ["BAD_CHOICES"]),
    ((CustomField("day", FieldType.CHOICE, choices=("Mon", "mon")),), ["BAD_CHOICES"]),
    ((CustomField("day", FieldType.CHOICE, choices=tuple("abcdefghi")),), ["BAD_CHOICES"]),
    ((CustomField("day", FieldType.TEXT, choices=("Mon", "Tue")),), ["BAD_CHOICES"]),
    ((CustomField("ok", FieldType.YES_NO, lead_answer="maybe"),), ["BAD_LEAD_ANSWER"]),
    ((CustomField("day", FieldType.CHOICE, choices=("Mon", "Tue"), lead_answer="Sun"),), ["BAD_LEAD_ANSWER"]),
    ((CustomField("seats", FieldType.NUMBER, lead_answer="3"),), ["BAD_LEAD_ANSWER"]),
    ((CustomField("day", FieldType.CHOICE, choices=("Mon", "Tue"), lead_answer="Tue"),), []),
])
def test_field_definitions(fields: tuple[CustomField, ...], codes: list[str]) -> None:
    assert [problem.code for problem in field_problems(fields)] == codes


def spec_with(*fields: CustomField) -> calls_pb2.FlowSpec:
    spec = reminder()
    spec.custom_fields.extend(field_message(field) for field in fields)
    return spec


def test_a_spec_with_bad_fields_is_refused_by_the_flow_check() -> None:
    assert [p.code for p in check_spec(spec_with(INTERESTED, DAY))] == []
    assert [p.code for p in check_spec(spec_with(INTERESTED, INTERESTED))] == ["DUPLICATE_FIELD"]
    assert fields_of(spec_with(*FIELDS)) == FIELDS


def test_field_words_are_screened_like_the_flows_own_words() -> None:
    clean = flow_for_review(spec_with(INTERESTED, DAY))
    assert review_reasons(clean, TrustTier.TRUSTED) == []
    asking = flow_for_review(spec_with(CustomField("pin", FieldType.TEXT, "The PIN the callee read out")))
    reasons = review_reasons(asking, TrustTier.TRUSTED)
    assert reasons and all(reason.startswith("custom field 'pin'") for reason in reasons)


@pytest.mark.parametrize(("data", "kept"), [
    ({"interested?": True, "preferred day": "tue", "seats": 3, "note": "  call me\nlater "},
     {"interested?": "yes", "preferred day": "Tue", "seats": "3", "note": "call me later"}),
    ({"interested?": "no", "seats": 2.5}, {"interested?": "no", "seats": "2.5"}),
    ({"interested?": "False", "seats": "4"}, {"interested?": "no", "seats": "4"}),
    ({"interested?": "maybe", "preferred day": "Sunday", "seats": True, "note": ""}, {}),
    ({"seats": math.nan}, {}), ({"seats": 1e20}, {}), ({"seats": "many"}, {}),
    ({"preferred day": ["Mon"], "note": 12}, {}),
    ({"someone else's": "yes"}, {}),
    ("not an object", {}), (None, {}), ([True], {}),
])
def test_answers_are_kept_only_when_their_field_can_have_them(data: Any, kept: dict[str, str]) -> None:
    assert read_answers(data, FIELDS) == kept


def test_a_text_answer_is_bounded() -> None:
    assert len(read_answers({"note": "x" * 5000}, FIELDS)["note"]) == MAX_TEXT_ANSWER


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
                    lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner), max_leaves=20),
       st.dictionaries(st.sampled_from([f.name for f in FIELDS] + ["other"]),
                       st.none() | st.booleans() | st.integers() | st.floats() | st.text()))
def test_whatever_the_model_writes_only_answers_a_field_can_have_are_kept(noise: Any, data: dict[str, Any]) -> None:
    for answers in (read_answers(noise, FIELDS), read_answers(data, FIELDS)):
        for field in FIELDS:
            if field.name in answers:
                value = answers[field.name]
                assert 0 < len(value) <= MAX_TEXT_ANSWER
                assert not field.answers() or value in field.answers()
                if field.type == FieldType.NUMBER:
                    assert math.isfinite(float(value))
        assert set(answers) <= {field.name for field in FIELDS}


def test_a_call_is_a_lead_when_an_answer_is_its_fields_lead_answer() -> None:
    assert is_lead({"interested?": "yes"}, FIELDS)
    assert not is_lead({"interested?": "no", "preferred day": "Tue"}, FIELDS)
    assert not is_lead({}, FIELDS)


def test_a_call_keeps_the_definitions_it_was_dialled_with_and_reads_them_back() -> None:
    kept = definitions_value(FIELDS)
    assert [field.name for field in fields_from_value(kept)] == [field.name for field in FIELDS]
    assert fields_from_value(kept)[0].lead_answer == "yes"
    assert fields_from_value("garbage") == () and fields_from_value([{"name": "x", "type": "colour"}]) == ()


def test_the_call_message_carries_the_answers_in_the_fields_order_with_the_lead_marked() -> None:
    answers = {"preferred day": "Tue", "interested?": "yes", "gone": "x"}
    messages = answer_messages(answers, definitions_value(FIELDS))
    assert [(m.name, m.value, m.lead) for m in messages] == [("interested?", "yes", True), ("preferred day", "Tue",
                                                                                           False)]


def test_the_simulated_retell_answers_the_agents_items_as_scripted() -> None:
    agent = agent_with((INTERESTED, DAY))
    data = custom_analysis_data(agent, {"interested?": True, "preferred day": "Tue", "not asked": "x"})
    assert data == {"interested?": True, "preferred day": "Tue"}
    assert CallAnalysis.model_validate({"custom_analysis_data": data}).custom_analysis_data == data
    assert custom_analysis_data(agent, {}) == {}
    assert custom_analysis_data(agent_with(()), {"interested?": True}) == {}
