"""Which keys of a call were a menu choice, which were digits typed at a collect step, and which was
the opt-out key: what the key-press inbox shows. Pure, no I/O.

Why from Retell's record: a call row keeps the keys in the order pressed (`calls.digits`) and nothing
about where they were pressed. Retell's `call_ended` body says where: its `transcript_with_tool_calls`
holds a `dtmf` entry for each key and a `node_transition` entry each time the call moved to another
node, in the order they happened, so a key belongs to the node the last transition entered. That body
is kept with each key's value redacted (webhook_redaction.py), so the keys come from the row and the
places from the body, matched by position. When the counts differ, or the body is gone (retention.py
empties it with the keys), the keys are one input of unknown kind: shown, never guessed.

The compiled flow (flow_compiler.py) names a step's Retell node by the step's id, a collect step's
later digits `<id>.<n>`, and the opt-out `sc_opt_out`; the call enters that one right after the key.

Examples (a menu `menu` whose 1 leads to a collect step `pin` ended by `#`):
- keys 1 4 8 2 1 #, pressed at menu, pin, pin.2, pin.3, pin.4, pin.5 → menu choice 1, digits 4821;
- keys 2 at menu → menu choice 2; keys 9 at menu, then the call enters sc_opt_out → opt-out 9;
- keys 1 2 without Retell's record → one input "12" of unknown kind.

Wrong keys are never kept (`shown_keys`). A menu said again on a wrong key (flow_rules.menu_fallbacks:
up to 3 repeats) hears up to four keys in a row, and a key that matched no choice is not a choice:
were it kept and shown, one menu "press the digits of your code" would collect a four-digit code while
the review policy counts it as one key (key_collection.py). So when a call ends, a key pressed at a
menu that is none of that menu's keys (and not the opt-out key) is dropped before the call row keeps
its keys, with its place. The menus' keys are the flow version's the call dialled, kept on the row at
placing (`menu_keys`, like the opt-out key), so an edit of the flow while the call runs cannot turn
its wrong keys into choices. For the menu above (keys 1 and 2, opt-out 9):
- keys 4 8 2 1 at menu, menu.2, menu.3, menu.4 → kept: 1;
- keys 7 9 at menu, menu.2 → kept: 9 (the opt-out key is always kept);
- keys 1 4 8 at menu, pin, pin.2 → kept: 1 4 8 (a collect step's digits are the step's answer).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from services.calls.callbacks import CALLBACK_NODE
from services.calls.flow_compiler import OPT_OUT_NODE
from services.calls.flow_rules import DIGIT_KEYS, FlowGraph, NodeKind


class KeyInputKind(StrEnum):
    MENU_CHOICE = "menu_choice"
    DIGITS = "digits"
    OPT_OUT = "opt_out"
    UNKNOWN = "unknown"


# How a call row keeps its menus' keys: "menu=12;other=3*" (step ids are [a-z0-9_-]: flow_rules.NODE_ID).
MENU_SEPARATOR, KEYS_SEPARATOR = ";", "="
# How it keeps a key's place: "node>entered_after".
PLACE_SEPARATOR = ">"


@dataclass(frozen=True)
class KeyInput:
    kind: KeyInputKind
    keys: str
    step_id: str = ""


@dataclass(frozen=True)
class KeyPlace:
    """Where one key was pressed (a Retell node id) and the node the call entered right after it
    ('' when it stayed, or another key came first)."""

    node: str
    entered_after: str = ""


def place_text(place: KeyPlace) -> str:
    return f"{place.node}{PLACE_SEPARATOR}{place.entered_after}"


def place_of(text: str) -> KeyPlace:
    node, _, entered_after = text.partition(PLACE_SEPARATOR)
    return KeyPlace(node, entered_after)


def menu_keys_text(graph: FlowGraph | None) -> str:
    """The keys of each menu of a graph as a call row keeps them: "menu=12;other=3*" ('' without menus)."""
    if graph is None:
        return ""
    return MENU_SEPARATOR.join(
        f"{node.id}{KEYS_SEPARATOR}{''.join(sorted(key for key in node.edges if key in DIGIT_KEYS))}"
        for node in sorted(graph.nodes, key=lambda node: node.id) if node.kind == NodeKind.MENU)


def menus_of(text: str) -> dict[str, frozenset[str]]:
    """menu_keys_text read back: step id → its keys."""
    menus: dict[str, frozenset[str]] = {}
    for item in text.split(MENU_SEPARATOR) if text else ():
        step_id, _, keys = item.partition(KEYS_SEPARATOR)
        menus[step_id] = frozenset(keys)
    return menus


def is_wrong_key(key: str, place: KeyPlace, menus: dict[str, frozenset[str]], opt_out_key: str) -> bool:
    """A key pressed at a menu that is none of its keys, and not the opt-out key (see the docstring)."""
    step_id, _ = step_of(place.node)
    return step_id in menus and key not in menus[step_id] and key != opt_out_key


def shown_keys(keys: Sequence[str], places: Sequence[KeyPlace], menu_keys: str,
               opt_out_key: str) -> tuple[tuple[str, ...], tuple[KeyPlace, ...]]:
    """The keys a call keeps, with their places: all but the wrong keys (see the module docstring).
    Without a place for every key nothing can be told apart, and nothing is dropped."""
    if len(places) != len(keys):
        return tuple(keys), tuple(places)
    menus = menus_of(menu_keys)
    kept = [(key, place) for key, place in zip(keys, places, strict=True)
            if not is_wrong_key(key, place, menus, opt_out_key)]
    return tuple(key for key, _ in kept), tuple(place for _, place in kept)


def key_places(entries: Any) -> list[KeyPlace] | None:
    """The place of each `dtmf` entry of a `transcript_with_tool_calls`, in order; None when there is no
    list to read. A transition that names no node is skipped: a malformed entry moves nothing."""
    if not isinstance(entries, list):
        return None
    places: list[KeyPlace] = []
    here = ""
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        if entry.get("role") == "dtmf":
            places.append(KeyPlace(here))
        elif entry.get("role") == "node_transition" and isinstance(entry.get("new_node_id"), str):
            here = entry["new_node_id"][:128]
            if places and not places[-1].entered_after:
                places[-1] = KeyPlace(places[-1].node, here)
    return places


def step_of(node: str) -> tuple[str, int]:
    """A Retell node id as (step id, digit position): "pin" → ("pin", 1), "pin.3" → ("pin", 3)."""
    step, _, position = node.partition(".")
    return (step, int(position)) if position.isdigit() else (node, 1)


def key_inputs(keys: Sequence[str], places: Sequence[KeyPlace] | None, graph: FlowGraph | None) -> list[KeyInput]:
    """The keys cut into inputs (see the module docstring); [] without keys."""
    if not keys:
        return []
    if places is None or graph is None or len(places) != len(keys):
        return [KeyInput(KeyInputKind.UNKNOWN, "".join(keys))]
    inputs: list[KeyInput] = []
    # The collect step whose digits are being typed: the last key went on to its next digit's node.
    typing_at = ""
    for key, place in zip(keys, places, strict=True):
        step_id, _ = step_of(place.node)
        node = graph.node(step_id)
        if place.entered_after == OPT_OUT_NODE:
            inputs.append(KeyInput(KeyInputKind.OPT_OUT, key, step_id if node is not None else ""))
            typing_at = ""
        elif node is not None and node.kind == NodeKind.MENU:
            # A wrong key is no choice (shown_keys drops it when the call ends; a row kept before that
            # rule still has it).
            # The flow's callback key is a choice at every menu too (callbacks.py).
            if key in node.edges or place.entered_after == CALLBACK_NODE:
                inputs.append(KeyInput(KeyInputKind.MENU_CHOICE, key, step_id))
            typing_at = ""
        elif node is not None and node.kind == NodeKind.COLLECT_DIGITS:
            if typing_at != step_id:
                inputs.append(KeyInput(KeyInputKind.DIGITS, "", step_id))
            if key != node.termination_key:  # it ends the input and is not one of the digits
                inputs[-1] = replace(inputs[-1], keys=inputs[-1].keys + key)
            next_step, next_position = step_of(place.entered_after)
            typing_at = step_id if next_step == step_id and next_position > 1 else ""
        else:
            if inputs and inputs[-1].kind == KeyInputKind.UNKNOWN:
                inputs[-1] = replace(inputs[-1], keys=inputs[-1].keys + key)
            else:
                inputs.append(KeyInput(KeyInputKind.UNKNOWN, key))
            typing_at = ""
    return inputs
