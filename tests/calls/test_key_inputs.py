"""The keys of a call cut into what the inbox shows: a menu choice, the digits typed at a collect step,
the opt-out key; and, when Retell's record of where each key was pressed is missing, the keys as they
are, never guessed. The places are read from transcripts as the Retell simulator writes them for the
compiled flow (the same walk Retell's flow engine makes)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from services.calls.call_end import CallState, end_of_call
from services.calls.flow_rules import FlowGraph, FlowNode, NodeKind
from services.calls.key_inputs import (
    KeyInput,
    KeyInputKind,
    KeyPlace,
    key_inputs,
    key_places,
    menu_keys_text,
    menus_of,
    place_of,
    place_text,
    shown_keys,
    step_of,
)
from services.calls.retell_events import read_call
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


def test_a_key_that_is_none_of_a_menus_choices_is_no_input() -> None:
    # A row kept before wrong keys were dropped at the call's end still holds them: the inbox drops them too.
    places = [KeyPlace("menu", "menu.2"), KeyPlace("menu.2", "pin")]
    assert key_inputs(["3", "1"], places, MENU_AND_PIN) == [KeyInput(MENU, "1", "menu")]


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


# The menu of MENU_AND_PIN takes 1 and 2; the opt-out key is 9; a wrong key says the menu again twice
# (menu, menu.2, menu.3), then the call ends.
MENU_KEYS = menu_keys_text(MENU_AND_PIN)


def kept(keys: str, menu_keys: str = MENU_KEYS) -> str:
    """The keys a call keeps when its callee presses these through the compiled flow, as Retell reports them."""
    entries, _, _ = walk_conversation_flow(compiled_flow(), list(keys))
    facts = read_call("call_ended", {"call_id": "call_1", "transcript_with_tool_calls": entries})
    return "".join(shown_keys(facts.digits, facts.key_places, menu_keys, "9")[0])


@pytest.mark.parametrize(("keys", "expected"), [
    ("1", "1"),
    ("2", "2"),
    # Wrong keys are said again and never kept: a menu cannot collect a code one wrong key at a time.
    ("41", "1"),
    ("481", "1"),
    ("487", ""),
    ("4", ""),
    # At a collect step every key is its answer.
    ("1482#", "1482#"),
    ("41482#", "1482#"),
    ("1777777", "1777777"),
    # The opt-out key is always kept, at a menu after a wrong key too.
    ("9", "9"),
    ("49", "9"),
    ("149", "149"),
])
def test_only_the_keys_that_answered_the_step_they_were_pressed_at_are_kept(keys: str, expected: str) -> None:
    assert kept(keys) == expected


def test_without_menu_keys_on_the_row_every_key_is_kept() -> None:
    # A call placed before the row kept its menus' keys, or an AI script's call.
    assert kept("481", "") == "481"


def test_without_a_place_for_every_key_nothing_is_dropped() -> None:
    assert shown_keys(["4", "1"], [KeyPlace("menu")], MENU_KEYS, "9") == (("4", "1"), (KeyPlace("menu"),))


def test_the_menus_keys_are_written_and_read_back() -> None:
    graph = FlowGraph("a", (
        FlowNode("a", NodeKind.MENU, "A", edges={"1": "b", "#": "z", "no_match": "z", "timeout": "z"}),
        FlowNode("b", NodeKind.MENU, "B", edges={"0": "z", "*": "z"}),
        FlowNode("m", NodeKind.MESSAGE, "M", edges={"next": "z"}),
        FlowNode("z", NodeKind.END, "Z"),
    ))
    assert menu_keys_text(graph) == "a=#1;b=*0"
    assert menus_of(menu_keys_text(graph)) == {"a": frozenset("1#"), "b": frozenset("0*")}
    assert menu_keys_text(None) == "" and menus_of("") == {}
    assert place_of(place_text(KeyPlace("pin.2", "pin.3"))) == KeyPlace("pin.2", "pin.3")
    assert place_of(place_text(KeyPlace("menu"))) == KeyPlace("menu")


def test_the_call_end_keeps_the_menus_keys_of_the_version_it_dialled() -> None:
    entries, _, _ = walk_conversation_flow(compiled_flow(), list("41482#"))
    facts = read_call("call_ended", {"call_id": "call_1", "call_status": "ended", "duration_ms": 30_000,
                                     "transcript_with_tool_calls": entries})
    call = CallState(id="c-1", customer_id="u-1", retell_call_id="call_1", status="ongoing", failure_reason="",
                     started_at=datetime(2026, 12, 3, tzinfo=UTC), opt_out_key="9", menu_keys=MENU_KEYS)
    end = end_of_call(call, facts, received_at=datetime(2026, 12, 3, tzinfo=UTC))
    assert end is not None
    assert "".join(end.digits) == "1482#"
    assert [place_of(text).node for text in end.key_places] == ["menu.2", "pin", "pin.2", "pin.3", "pin.4"]
    # The rule reads the menus' keys from the row (placing writes the dialled version's), never from the
    # flow as it is now: a row whose menu took 4 keeps the 4.
    other = end_of_call(replace(call, menu_keys="menu=124"), facts, received_at=datetime(2026, 12, 3, tzinfo=UTC))
    assert other is not None and "".join(other.digits) == "41482#"
