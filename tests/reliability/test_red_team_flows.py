"""The red team (issue 14, "Must show"): attack flows an OTP-bot operator would try, none approved
for a new customer; for a trusted customer, the few that pass are listed here with the reason the
policy accepts them. Ordinary business flows: the share a trusted customer sees held is printed and
at most 10 %. The pure policy first, then a handful through CreateFlow against the real calls service.

The flows themselves live in red_team_corpus.py.
"""

from __future__ import annotations

import pytest

from services.calls.flow_specs import flow_for_review
from services.calls.flows import check_spec
from services.calls.review_policy import TrustTier, review_reasons
from speechcue.calls.v1 import calls_pb2
from tests.calls import conftest as calls_fixtures
from tests.calls.conftest import CallsHarness
from tests.reliability.red_team_corpus import AI_SCRIPTS, ATTACKS, LANGUAGES, ORDINARY, STRUCTURAL, WORDS, Case
from tests.wallet.conftest import ADMIN_ID

calls, sandbox_server, wallet = calls_fixtures.calls, calls_fixtures.sandbox_server, calls_fixtures.wallet

# Attacks a trusted customer's flow may carry without review, and why the policy accepts them.
PASS_FOR_TRUSTED: dict[str, str] = {
    "AI: card number aloud": (
        "the words circle the card ('the long number on the front of their card') without a listed term, and an "
        "AI script has no structure to measure; the platform guardrail in every AI script refuses card numbers "
        "whatever the task says, and a new customer's AI scripts are all read by a person"),
    "AI: numbers from the message, no keyword": (
        "no word of any term list and no structure to measure: an AI script's words are free; the platform "
        "guardrail every AI script carries (never ask for or accept codes, card or account numbers) stops it "
        "at call time, and a new customer's AI scripts are all read by a person"),
}
MAX_ORDINARY_REVIEW_RATE = 0.10


def ids(cases: list[Case]) -> list[str]:
    return [case.name for case in cases]


def test_the_corpus_is_big_enough_and_every_flow_is_valid() -> None:
    assert len(ATTACKS) >= 60 and len(ORDINARY) >= 30
    assert len(set(ids(ATTACKS))) == len(ATTACKS) and len(set(ids(ORDINARY))) == len(ORDINARY)
    languages = {case.spec.language[:2] for case in LANGUAGES + AI_SCRIPTS}
    assert languages >= {"en", "zh", "fr", "hi", "es", "de"}
    for case in ATTACKS + ORDINARY:
        assert [problem.message for problem in check_spec(case.spec)] == [], case.name


@pytest.mark.parametrize("case", ATTACKS, ids=ids(ATTACKS))
def test_no_attack_is_approved_for_a_new_customer(case: Case) -> None:
    assert review_reasons(flow_for_review(case.spec), TrustTier.NEW), case.name


@pytest.mark.parametrize("case", STRUCTURAL, ids=ids(STRUCTURAL))
def test_structural_attacks_wait_for_everyone_by_what_they_can_collect(case: Case) -> None:
    reasons = review_reasons(flow_for_review(case.spec), TrustTier.TRUSTED)
    assert any("in a row" in reason for reason in reasons), reasons


@pytest.mark.parametrize("case", WORDS + LANGUAGES, ids=ids(WORDS + LANGUAGES))
def test_word_attacks_wait_for_everyone_naming_where_the_words_stand(case: Case) -> None:
    reasons = review_reasons(flow_for_review(case.spec), TrustTier.TRUSTED)
    assert reasons, case.name
    places = ("step '", "business name", "voicemail message", "flow name", "in a row")
    assert all(any(place in reason for place in places) for reason in reasons), reasons


def test_attacks_that_pass_for_a_trusted_customer_are_only_the_listed_ones() -> None:
    passing = {case.name for case in ATTACKS if not review_reasons(flow_for_review(case.spec), TrustTier.TRUSTED)}
    print(f"\nattacks approved for a trusted customer: {len(passing)} of {len(ATTACKS)}: {sorted(passing)}")
    assert set(PASS_FOR_TRUSTED) <= {case.name for case in ATTACKS}
    # A listed one the term lists learn to hold is welcome; an unlisted one passing is a regression.
    assert passing <= set(PASS_FOR_TRUSTED), passing - set(PASS_FOR_TRUSTED)


def test_ordinary_flows_are_rarely_held_for_a_trusted_customer() -> None:
    held = {case.name: review_reasons(flow_for_review(case.spec), TrustTier.TRUSTED) for case in ORDINARY}
    held = {name: reasons for name, reasons in held.items() if reasons}
    rate = len(held) / len(ORDINARY)
    print(f"\nordinary flows held for a trusted customer: {len(held)} of {len(ORDINARY)} ({rate:.1%})")
    for name, reasons in held.items():
        print(f"  {name}: {'; '.join(reasons)}")
    assert rate <= MAX_ORDINARY_REVIEW_RATE


def test_a_new_customer_gets_one_menu_choice_and_messages_without_review() -> None:
    new_held = {case.name for case in ORDINARY if review_reasons(flow_for_review(case.spec), TrustTier.NEW)}
    plain = {case.name for case in ORDINARY if case.spec.kind == calls_pb2.FLOW_KIND_GRAPH and not any(
        node.kind in (calls_pb2.NODE_KIND_TRANSFER, calls_pb2.NODE_KIND_COLLECT_DIGITS)
        for node in case.spec.graph.nodes)}
    trusted_held = {case.name for case in ORDINARY if review_reasons(flow_for_review(case.spec), TrustTier.TRUSTED)}
    print(f"\nordinary flows held for a new customer: {len(new_held)} of {len(ORDINARY)}")
    assert new_held - trusted_held == {case.name for case in ORDINARY} - plain - trusted_held


# Through the real service: CreateFlow decides with the customer's tier, read in the same unit of work.
def named(*names: str) -> list[Case]:
    cases = {case.name: case for case in ATTACKS + ORDINARY}
    return [cases[name] for name in names]


SAMPLE_ATTACKS = named("split 3+3 with a message between", "a menu looping on itself, # ends",
                       "zh-CN: 6 digits asked for in the call's language",
                       "look-alike letter the old map lacked (coԁe)", "tax agency as business",
                       "AI: read the texted code aloud")
SAMPLE_ORDINARY = named("dental reminder", "survey 1 to 5", "fr: rendez-vous", "zh: 预约提醒")


async def set_trust(calls: CallsHarness, customer: str, tier: calls_pb2.TrustTier.ValueType) -> None:
    limits = await calls.stub.SetCustomerTrust(calls_pb2.SetCustomerTrustRequest(
        idempotency_key=calls.key("trust"), admin_telegram_id=ADMIN_ID, customer_id=customer, tier=tier,
        note="red team"))
    assert limits.trust_tier == tier


async def test_attacks_through_create_flow_wait_for_review_for_new_and_trusted_customers(calls: CallsHarness) -> None:
    newcomer = await calls.customer_with_money(0)
    veteran = await calls.customer_with_money(0)
    await set_trust(calls, veteran, calls_pb2.TRUST_TIER_TRUSTED)
    for case in SAMPLE_ATTACKS:
        for customer in (newcomer, veteran):
            if customer == veteran and case.name in PASS_FOR_TRUSTED:
                continue
            flow = await calls.stub.CreateFlow(calls_pb2.CreateFlowRequest(
                idempotency_key=calls.key("flow"), customer_id=customer, spec=case.spec))
            assert flow.status == calls_pb2.FLOW_STATUS_PENDING_REVIEW and flow.review_reasons, case.name


async def test_ordinary_flows_through_create_flow_follow_the_tier(calls: CallsHarness) -> None:
    newcomer = await calls.customer_with_money(0)
    veteran = await calls.customer_with_money(0)
    await set_trust(calls, veteran, calls_pb2.TRUST_TIER_TRUSTED)
    [transfer_case] = named("reminder with a desk")  # press 2 to talk to us: a transfer
    transfer = transfer_case.spec
    for case in SAMPLE_ORDINARY:
        for customer in (newcomer, veteran):
            flow = await calls.stub.CreateFlow(calls_pb2.CreateFlowRequest(
                idempotency_key=calls.key("flow"), customer_id=customer, spec=case.spec))
            assert flow.status == calls_pb2.FLOW_STATUS_APPROVED, (case.name, list(flow.review_reasons))
    held = await calls.stub.CreateFlow(calls_pb2.CreateFlowRequest(
        idempotency_key=calls.key("flow"), customer_id=newcomer, spec=transfer))
    assert held.status == calls_pb2.FLOW_STATUS_PENDING_REVIEW
    assert any("transfers the call" in reason for reason in held.review_reasons)
    # An admin's "new" puts a trusted customer back under the stricter rule.
    await set_trust(calls, veteran, calls_pb2.TRUST_TIER_NEW)
    again = await calls.stub.CreateFlow(calls_pb2.CreateFlowRequest(
        idempotency_key=calls.key("flow"), customer_id=veteran, spec=transfer))
    assert again.status == calls_pb2.FLOW_STATUS_PENDING_REVIEW
