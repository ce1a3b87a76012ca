"""docs/bot-flows.md names every button, typed-answer state and command the bot answers, so a newcomer
following a tap finds it there; a screen added or renamed without the page fails here."""

from __future__ import annotations

import re
from pathlib import Path

import services.bot.screens  # noqa: F401  (registers every handler)
from services.bot.routing import router

DOC = (Path(__file__).resolve().parents[2] / "docs" / "bot-flows.md").read_text(encoding="utf-8")


def named(word: str) -> bool:
    """Written in backticks as the tables write them: `prefix`, `prefix:…`, `prefix[:…]`, `state`."""
    return re.search("`" + re.escape(word) + r"[`:\[ ]", DOC) is not None


def test_every_button_prefix_is_in_the_page() -> None:
    assert len(router.buttons) > 30
    assert sorted(prefix for prefix in router.buttons if not named(prefix)) == []


def test_every_typed_answer_state_is_in_the_page() -> None:
    assert len(router.texts) > 10
    assert sorted(state for state in router.texts if not named(state)) == []


def test_every_command_is_in_the_page() -> None:
    assert sorted(name for name in router.commands if f"/{name}" not in DOC) == []


def test_the_page_names_no_state_the_bot_no_longer_has() -> None:
    """Admin states the page names (`state `admin.…``) are states the bot answers."""
    named_states = set(re.findall(r"state `([a-z_]+\.[a-z_.]+)`", DOC))
    assert named_states, "the page names states as: state `name`"
    assert sorted(named_states - set(router.texts) - set(router.documents)) == []
