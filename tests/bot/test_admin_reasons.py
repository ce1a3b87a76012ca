"""Why a flow waits and why a customer has their tier, in the admin's language: every sentence the
calls service's review policy can produce is read into the catalogues' words, so an admin whose chat
is in 中文 or हिन्दी reads no English (what the customer typed is kept as typed)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from services.bot.admin_reasons import CATEGORY_IDS, LIST_LANGUAGE_IDS, PLACE_IDS, review_reason_text, trust_text
from services.bot.i18n import Words
from services.calls.flow_rules import FlowGraph, FlowNode, NodeKind
from services.calls.key_collection import KeyRun
from services.calls.review_policy import FlowForReview, FlowKind, TrustFacts, TrustTier, review_reasons, trust_tier
from services.calls.text_screening import CATEGORIES, LANGUAGES, TermHit
from speechcue.calls.v1 import calls_pb2

NOW = datetime(2026, 12, 3, tzinfo=UTC)
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")
TIERS = {TrustTier.NEW: calls_pb2.TRUST_TIER_NEW, TrustTier.TRUSTED: calls_pb2.TRUST_TIER_TRUSTED}


def policy_reasons() -> list[str]:
    """Every shape of reason the review policy gives, with data free of Latin words."""
    reasons = [KeyRun(None, ("n1", "n2", "n1")).reason(), KeyRun(1, ("n1",)).reason(),
               KeyRun(6, ("n1", "n2", "n3")).reason()]
    places = [*PLACE_IDS, "step 'n2'"]
    reasons += [TermHit(where, "密码", category, language, "…请输入密码…").reason()
                for where in places for category in CATEGORIES for language in LANGUAGES]
    graph = FlowGraph("n1", (
        FlowNode("n1", NodeKind.COLLECT_DIGITS, "请输入", max_digits=1, edges={"done": "n2"}),
        FlowNode("n2", NodeKind.COLLECT_DIGITS, "请输入", max_digits=4, edges={"done": "n3"}),
        FlowNode("n3", NodeKind.TRANSFER, "请稍候", transfer_number="+14155550100"),
        FlowNode("n4", NodeKind.TRANSFER, "请稍候")))
    reasons += review_reasons(FlowForReview(FlowKind.GRAPH, (), graph), TrustTier.NEW)
    reasons += review_reasons(FlowForReview(FlowKind.AI_SCRIPT, ()), TrustTier.NEW)
    return reasons


def tier_facts() -> list[TrustFacts]:
    old, young = NOW - timedelta(days=30), NOW - timedelta(days=2)
    return [TrustFacts(), TrustFacts(suspended=True), TrustFacts(override=TrustTier.TRUSTED),
            TrustFacts(override=TrustTier.NEW, reviewed_and_approved=True, paid_cents=5_000, first_paid_call_at=old),
            TrustFacts(reviewed_and_approved=True, paid_cents=5_000, first_paid_call_at=old),
            TrustFacts(reviewed_and_approved=True, paid_cents=320, first_paid_call_at=young),
            TrustFacts(paid_cents=999, first_paid_call_at=old)]


def test_the_policy_says_every_kind_of_reason_this_test_reads() -> None:
    reasons = policy_reasons()
    assert any("transfers the call to +14155550100" in reason for reason in reasons)
    assert any("transfers the call to a number" in reason for reason in reasons)
    assert any("up to 4 digits" in reason for reason in reasons) and any("up to 1 digit:" in r for r in reasons)
    assert any(reason.startswith("is an AI script") for reason in reasons)
    assert set(CATEGORY_IDS) == set(CATEGORIES.values()) and set(LIST_LANGUAGE_IDS) == set(LANGUAGES.values())


@pytest.mark.parametrize("language", ["en", "zh", "fr", "hi"])
def test_every_review_reason_is_in_the_admins_words(language: str) -> None:
    words = Words(language)
    for reason in policy_reasons():
        text = review_reason_text(words, reason)
        assert text != reason, reason  # read, not passed through
        if language in ("zh", "hi"):
            shown = text.replace("+14155550100", "")
            assert LATIN_WORD.findall(shown) == [], (reason, text)


def test_an_english_review_reason_keeps_what_the_customer_typed() -> None:
    words = Words("en")
    assert review_reason_text(words, KeyRun(6, ("n1", "n2")).reason()) == "Can collect up to 6 keys in a row: n1 → n2"
    hit = TermHit("step 'n2'", "otp", "secrets", "en", "…enter the 0.T.P we…").reason()
    assert review_reason_text(words, hit) == (
        "Step n2 mentions “otp” (one-time codes, passwords and PINs; English list): “…enter the 0.T.P we…”")
    assert review_reason_text(Words("zh"), hit) == (
        "步骤 n2 提到了“otp”（一次性验证码、密码和个人识别码；英语词表）：“…enter the 0.T.P we…”")
    assert review_reason_text(words, "a reason of a shape not known yet") == "a reason of a shape not known yet"


def limits_for(facts: TrustFacts) -> calls_pb2.CustomerLimits:
    decision = trust_tier(facts, NOW)
    return calls_pb2.CustomerLimits(trust_tier=TIERS[decision.tier], trust_reason=decision.reason,
                                    suspended=facts.suspended,
                                    trust_override=TIERS[facts.override] if facts.override else 0)


@pytest.mark.parametrize("language", ["zh", "hi"])
def test_every_tier_and_its_reason_are_in_the_admins_words(language: str) -> None:
    words = Words(language)
    for facts in tier_facts():
        text = trust_text(words, limits_for(facts))
        assert LATIN_WORD.findall(text) == [], (facts, text)


def test_a_new_customers_tier_says_what_is_missing() -> None:
    words = Words("en")
    facts = TrustFacts(reviewed_and_approved=False, paid_cents=320, first_paid_call_at=NOW - timedelta(days=2))
    assert trust_text(words, limits_for(facts)) == (
        "new (no flow of theirs has been reviewed and approved by an admin; $3.20 of $10.00 in paid calls settled; "
        "first paid call less than 7 days ago)")
    assert trust_text(Words("fr"), limits_for(facts)).startswith("nouveau (aucun de ses scénarios")
    assert "3,20" in trust_text(Words("fr"), limits_for(facts))
    assert trust_text(words, limits_for(TrustFacts(override=TrustTier.TRUSTED))) == "trusted (set by an admin)"
    assert trust_text(words, calls_pb2.CustomerLimits()) == "—"
