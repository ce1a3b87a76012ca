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
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from services.calls.flow_compiler import OPT_OUT_NODE
from services.calls.flow_rules import FlowGraph, NodeKind


class KeyInputKind(StrEnum):
    MENU_CHOICE = "menu_choice"
    DIGITS = "digits"
    OPT_OUT = "opt_out"
    UNKNOWN = "unknown"


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
