"""Which flows wait for a person, by what they can do, what they say and who the customer is; and
who is trusted. The red team's corpus is in tests/reliability/test_red_team_flows.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.calls.flow_rules import FlowGraph, FlowNode, NodeKind
from services.calls.flow_specs import flow_for_review, labelled_texts
from services.calls.review_policy import (
    FlowForReview,
    FlowKind,
    TrustFacts,
    TrustTier,
    review_reasons,
    trust_tier,
)
from services.calls.text_screening import LabeledText
from speechcue.calls.v1 import calls_pb2

NOW = datetime(2026, 12, 30, tzinfo=UTC)
DAY_20 = NOW - timedelta(days=10)
TRUSTED_FACTS = TrustFacts(reviewed_and_approved=True, paid_cents=1_000, first_paid_call_at=DAY_20)


@pytest.mark.parametrize(("facts", "tier"), [
    (TrustFacts(), TrustTier.NEW),
    (TRUSTED_FACTS, TrustTier.TRUSTED),
    (TrustFacts(reviewed_and_approved=True, paid_cents=999, first_paid_call_at=DAY_20), TrustTier.NEW),
    (TrustFacts(reviewed_and_approved=False, paid_cents=50_000, first_paid_call_at=DAY_20), TrustTier.NEW),
    (TrustFacts(reviewed_and_approved=True, paid_cents=50_000, first_paid_call_at=NOW - timedelta(days=6)),
     TrustTier.NEW),
    (TrustFacts(reviewed_and_approved=True, paid_cents=1_000, first_paid_call_at=NOW - timedelta(days=7)),
     TrustTier.TRUSTED),
    (TrustFacts(reviewed_and_approved=True, paid_cents=1_000, first_paid_call_at=None), TrustTier.NEW),
    (TrustFacts(override=TrustTier.TRUSTED), TrustTier.TRUSTED),
    (TrustFacts(override=TrustTier.NEW, reviewed_and_approved=True, paid_cents=10**6, first_paid_call_at=DAY_20),
     TrustTier.NEW),
    (TrustFacts(override=TrustTier.TRUSTED, suspended=True), TrustTier.NEW),
    (TrustFacts(reviewed_and_approved=True, paid_cents=1_000, first_paid_call_at=DAY_20, suspended=True),
     TrustTier.NEW),
])
def test_trust_tier(facts: TrustFacts, tier: TrustTier) -> None:
    assert trust_tier(facts, NOW).tier == tier


def test_the_tier_says_what_is_missing() -> None:
    decision = trust_tier(TrustFacts(paid_cents=320), NOW)
    assert decision.reason == ("new: no flow of theirs has been reviewed and approved by an admin; $3.20 of $10.00 "
                               "paid calls settled; first paid call less than 7 days ago")
    assert trust_tier(TrustFacts(override=TrustTier.TRUSTED), NOW).reason == "set to trusted by an admin"


@given(st.booleans(), st.integers(0, 5_000), st.integers(0, 30), st.booleans())
def test_more_history_never_makes_a_customer_less_trusted(reviewed: bool, paid: int, days: int,
                                                          suspended: bool) -> None:
    facts = TrustFacts(reviewed_and_approved=reviewed, paid_cents=paid, first_paid_call_at=NOW - timedelta(days=days),
                       suspended=suspended)
    more = TrustFacts(reviewed_and_approved=True, paid_cents=paid + 100,
                      first_paid_call_at=NOW - timedelta(days=days + 1), suspended=suspended)
    if trust_tier(facts, NOW).tier == TrustTier.TRUSTED:
        assert trust_tier(more, NOW).tier == TrustTier.TRUSTED


def graph_flow(*nodes: FlowNode, texts: tuple[LabeledText, ...] = ()) -> FlowForReview:
    return FlowForReview(FlowKind.GRAPH, texts, FlowGraph(nodes[0].id, (*nodes, FlowNode("e", NodeKind.END))))


ONE_CHOICE = graph_flow(FlowNode("m", NodeKind.MENU, "Press 1 to confirm.", edges={"1": "e", "2": "e"}))
TWO_CHOICES = graph_flow(FlowNode("a", NodeKind.MENU, "Press 1.", edges={"1": "b"}),
                         FlowNode("b", NodeKind.MENU, "Press 2.", edges={"2": "e"}))
TRANSFER = graph_flow(FlowNode("m", NodeKind.MENU, "Press 1 to talk to us.", edges={"1": "desk", "2": "e"}),
                      FlowNode("desk", NodeKind.TRANSFER, transfer_number="+14155550199"))
ONE_DIGIT = graph_flow(FlowNode("c", NodeKind.COLLECT_DIGITS, "How many people? 1 to 8.", max_digits=1,
                                edges={"next": "e"}))
AI = FlowForReview(FlowKind.AI_SCRIPT, (LabeledText("AI task", "Remind them of Friday's haircut."),))


@pytest.mark.parametrize(("flow", "new", "trusted"), [
    (ONE_CHOICE, [], []),
    (TWO_CHOICES, ["can collect up to 2 keys in a row: a → b"], ["can collect up to 2 keys in a row: a → b"]),
    (TRANSFER, ["step 'desk' transfers the call to +14155550199: a person checks every transfer of a new customer"],
     []),
    (ONE_DIGIT, ["step 'c' lets the callee type up to 1 digit: a new customer's flow may offer menu choices only "
                 "until a person has looked"], []),
    (AI, ["is an AI script from a new customer: a person reads every AI task of a new customer"], []),
])
def test_what_waits_for_whom(flow: FlowForReview, new: list[str], trusted: list[str]) -> None:
    assert review_reasons(flow, TrustTier.NEW) == new
    assert review_reasons(flow, TrustTier.TRUSTED) == trusted


def test_word_hits_hold_everyone_and_name_where_they_stand() -> None:
    flow = graph_flow(FlowNode("m", NodeKind.MENU, "Press 1 to confirm.", edges={"1": "e"}),
                      texts=(LabeledText("business name", "Coinbase Security"),
                             LabeledText("step 'm'", "Read us your PIN, then press 1.")))
    reasons = review_reasons(flow, TrustTier.TRUSTED)
    assert [reason.split(" mentions")[0] for reason in reasons] == ["business name", "step 'm'"]
    assert review_reasons(flow, TrustTier.NEW) == reasons


def test_texts_are_labelled_where_an_admin_finds_them() -> None:
    spec = calls_pb2.FlowSpec(
        name="Reminder", kind=calls_pb2.FLOW_KIND_GRAPH, business_name="Acme", voicemail_message="Call us back.",
        graph=calls_pb2.FlowGraph(start_node_id="m", nodes=[
            calls_pb2.FlowNode(id="m", kind=calls_pb2.NODE_KIND_MENU, text="Press 1.",
                               edges=[calls_pb2.FlowEdge(key="1", target_node_id="e")]),
            calls_pb2.FlowNode(id="e", kind=calls_pb2.NODE_KIND_END)]))
    assert [(text.where, text.text) for text in labelled_texts(spec)] == [
        ("flow name", "Reminder"), ("business name", "Acme"), ("voicemail message", "Call us back."),
        ("step 'm'", "Press 1.")]
    assert flow_for_review(spec).graph is not None
    ai_spec = calls_pb2.FlowSpec(name="Chat", kind=calls_pb2.FLOW_KIND_AI_SCRIPT, business_name="Acme",
                                 ai_prompt="Ask about the cake.")
    assert [text.where for text in flow_for_review(ai_spec).texts] == ["flow name", "business name", "AI task"]
    assert flow_for_review(ai_spec).kind == FlowKind.AI_SCRIPT
