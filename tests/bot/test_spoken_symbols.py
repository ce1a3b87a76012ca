"""The words of a step are checked for emoji and symbols a voice would read aloud: what is found, and
what is left alone (keys, punctuation, currency, every script's letters)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.bot.spoken_symbols import read_aloud_symbols


@pytest.mark.parametrize(("text", "found"), [
    ("Press 1 😀", ["😀"]),
    ("Thanks 🙏🙏", ["🙏"]),
    ("👍🏽 thanks", ["👍🏽"]),
    ("Press 1️⃣ for sales", ["1️⃣"]),
    ("Press #️⃣", ["#️⃣"]),
    ("Visit us 🇫🇷", ["🇫🇷"]),
    ("Our team 👩‍💻 is here", ["👩‍💻"]),
    ("❤️ Acme", ["❤️"]),
    ("✔️ done ✔", ["✔️", "✔"]),
    ("Open 9→5", ["→"]),
    ("★★★ service", ["★"]),
    ("Price ≥ 10 × 2", ["≥", "×"]),
    ("a <b> c", ["<", ">"]),
    ("x | y", ["|"]),
    ("~approx", ["~"]),
    ("snake_case", ["_"]),
    ("1 = yes", ["="]),
    ("© Acme ™", ["©", "™"]),
    ("Call ☎ now", ["☎"]),
    ("🎉 Sale 🎉 now 😀", ["🎉", "😀"]),
])
def test_emoji_and_symbols_a_voice_reads_aloud_are_found(text: str, found: list[str]) -> None:
    assert read_aloud_symbols(text) == found


@pytest.mark.parametrize("text", [
    "Press 1 for sales, 2 for support, or # to repeat.",
    "Press * to go back.",
    "Call 24/7 for $5, 50% off!",
    "Email help@acme.com & call +1 415 555 0100.",
    "Prix : 5 €, merci !",
    "请按 1 号键。",
    "कृपया 1 दबाएँ।",
    "It's “quoted” — and (bracketed)… fine?",
    "£10 or ₹500 or ¥3",
    "",
])
def test_keys_punctuation_currency_and_letters_are_left_alone(text: str) -> None:
    assert read_aloud_symbols(text) == []


@given(st.text(alphabet=st.characters(categories=["L", "N", "Zs", "Pd", "Po", "Ps", "Pe", "Sc"])))
def test_letters_numbers_punctuation_and_currency_never_warn(text: str) -> None:
    assert read_aloud_symbols(text) == []


@given(st.text())
def test_every_symbol_found_is_in_the_text_once(text: str) -> None:
    found = read_aloud_symbols(text)
    assert len(found) == len(set(found))
    assert all(symbol and symbol in text for symbol in found)
