"""The keys of a call cut into what the inbox shows: a menu choice, the digits typed at a collect step,
the opt-out key; and, when Retell's record of where each key was pressed is missing, the keys as they
are, never guessed. The places are read from transcripts as the Retell simulator writes them for the
compiled flow (the same walk Retell's flow engine makes)."""

from __future__ import annotations

from typing import Any

import pytest

from services.calls.key_inputs import KeyInput, KeyInputKind, KeyPlace, key_inputs, key_places, step_of
from services.sandbox.retell_simulator import walk_conversation_flow
from tests.calls.key_flows import MENU_AND_PIN, compiled_flow

MENU, DIGITS, OPT_OUT, UNKNOWN = (KeyInputKind.MENU_CHOICE, KeyInputKind.DIGITS, KeyInputKind.OPT_OUT,
                                  KeyInputKind.UNKNOWN)


def walked(keys: str) -> tuple[list[str], list[KeyPlace] | None]:
    """The call's keys and their places, as the call row and Retell's call_ended body give them."""
    entries, _, _ = walk_conversation_flow(compiled_flow(), list(keys))
    redacted: list[dict[str, Any]] = [{**entry, "digit": "redacted"} if entry["role"] == "dtmf" else entry
                                      for entry in entries]
    return [entry["digit"] for entry in entries if entry["role"] == "dtmf"], key_places(redacted)


@pytest.mark.parametrize(("keys", "inputs"), [
    ("1", [KeyInput(MENU, "1", "menu")]),
    ("2", [KeyInput(MENU, "2", "menu")]),
    ("14821#", [KeyInput(MENU, "1", "menu"), KeyInput(DIGITS, "4821", "pin")]),
    ("1482", [KeyInput(MENU, "1", "menu"), KeyInput(DIGITS, "482", "pin")]),
    ("1123456", [KeyInput(MENU, "1", "menu"), KeyInput(DIGITS, "123456", "pin")]),
    ("1#", [KeyInput(MENU, "1", "menu"), KeyInput(DIGITS, "", "pin")]),
    ("9", [KeyInput(OPT_OUT, "9", "menu")]),
    ("1489", [KeyInput(MENU, "1", "menu"), KeyInput(DIGITS, "48", "pin"), KeyInput(OPT_OUT, "9", "pin")]),
])
def test_a_menu_choice_and_the_digits_typed_are_told_apart(keys: str, inputs: list[KeyInput]) -> None:
    pressed, places = walked(keys)
    assert "".join(pressed) == keys
    assert key_inputs(pressed, places, MENU_AND_PIN) == inputs


def test_two_menu_choices_in_a_row_are_two_inputs() -> None:
    places = [KeyPlace("menu", "menu"), KeyPlace("menu", "pin")]
    assert key_inputs(["3", "1"], places, MENU_AND_PIN) == [KeyInput(MENU, "3", "menu"), KeyInput(MENU, "1", "menu")]


def test_a_collect_step_entered_again_starts_a_new_input() -> None:
    places = [KeyPlace("pin", "pin.2"), KeyPlace("pin.2", "pin"), KeyPlace("pin", "pin.2")]
    assert key_inputs(["1", "2", "3"], places, MENU_AND_PIN) == [KeyInput(DIGITS, "12", "pin"),
                                                                   KeyInput(DIGITS, "3", "pin")]


@pytest.mark.parametrize("places", [None, [], [KeyPlace("menu")]])
def test_without_a_place_for_every_key_the_keys_are_shown_as_they_are(places: list[KeyPlace] | None) -> None:
    assert key_inputs(["1", "4", "8"], places, MENU_AND_PIN) == [KeyInput(UNKNOWN, "148")]


def test_keys_of_an_ai_script_or_a_step_no_longer_in_the_flow_are_of_unknown_kind() -> None:
    places = [KeyPlace("gone", "menu"), KeyPlace("hello"), KeyPlace("menu", "bye")]
    assert key_inputs(["5", "6", "2"], places, MENU_AND_PIN) == [KeyInput(UNKNOWN, "56"), KeyInput(MENU, "2", "menu")]
    assert key_inputs(["5"], [KeyPlace("menu")], None) == [KeyInput(UNKNOWN, "5")]
    assert key_inputs([], None, None) == []


@pytest.mark.parametrize("entries", [None, {}, "dtmf", [None, 3, {"role": "node_transition", "new_node_id": 4}]])
def test_a_transcript_that_is_not_one_gives_no_places_or_none(entries: Any) -> None:
    assert key_places(entries) in (None, [])


def test_step_of_a_retell_node() -> None:
    assert step_of("pin") == ("pin", 1)
    assert step_of("pin.3") == ("pin", 3)
    assert step_of("sc_opt_out") == ("sc_opt_out", 1)
    assert step_of("") == ("", 1)
