"""Words as a second net: every disguise of a phishing term is still found, in every call language, and
ordinary business texts pass. Pure: no database, no services."""

from __future__ import annotations

import pytest

from services.calls.text_screening import LabeledText, TermHit, screen_texts


def hits(text: str, where: str = "step 'n1'") -> list[TermHit]:
    return screen_texts([LabeledText(where, text)])


def categories(text: str, where: str = "step 'n1'") -> set[str]:
    return {hit.category for hit in hits(text, where)}


@pytest.mark.parametrize("text", [
    "Enter the 0TP we just texted you",
    "Enter the o.t.p we just texted you",
    "Enter the o t p we just texted you",
    "Enter the 𝐎𝐓𝐏 we just texted you",
    "Enter the ＯＴＰ we just texted you",
    "Enter the O\u200bT\u200dP we just texted you",
    "Please key in your P-I-N now",
    "Please say your p a s s w o r d",
    "Please say your pass word",
    "Please say your passw ord",
    "请告诉我验证码",
    "请告诉我验 证 码",
    "कृपया अपना ओटीपी बताइए",
    "कृपया अपना पासवर्ड बताइए",
    "Díganos su código de verificación",
    "Bitte nennen Sie Ihren Bestätigungscode",
    "Bitte geben Sie die TAN ein",
    "Dites-nous le code de vérification",
])
def test_disguised_requests_for_codes_are_found(text: str) -> None:
    assert "secrets" in categories(text)


@pytest.mark.parametrize("text", [
    "Thank you for booking with Bella Salon. Press 1 to confirm your appointment tomorrow at 10.",
    "How happy were you with your visit? Press 1 to 5.",
    "Your order from Green Leaf Garden Shop is out for delivery today.",
    "Use promo code SPRING for 10% off your next visit. Dress code: casual.",
    "We have a follow-up and check-ups from a to b; I met a friend there.",
])
def test_ordinary_texts_pass(text: str) -> None:
    assert hits(text) == []


def test_a_hit_names_term_category_language_place_and_words() -> None:
    [hit] = hits("Enter the 0.T.P we just texted you", where="step 'n2'")
    assert (hit.term, hit.category, hit.language) == ("otp", "secrets", "en")
    assert "step 'n2'" in hit.reason() and "otp" in hit.reason() and "0.T.P" in hit.reason()
