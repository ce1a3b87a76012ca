"""Changing the structure of a saved flow's draft: insert a step before or after another, remove one
(saying what becomes of the steps that lead to it), move one earlier or later on the call's path,
and change where a step's keys lead. Pure: each function takes the draft (a dict, as the
conversation stores it: flow_drafts.py) and changes it, or returns a Refusal saying why not and
changes nothing. Whether the result is a flow the calls service accepts is check_spec's to say.

The draft's steps are kept in the order of the call (the start first, then breadth-first along the
edges, as the flow's picture numbers them), so "up" in the list is "earlier in the call".

Worked examples, with A → B meaning "A goes on to B after its words":
- insert M before B in A → B → C: A → M → B → C (every step that led to B now leads to M); before
  the start, M becomes the start. Insert M after A: A → M → B. A new menu's keys all lead on to the
  step it was inserted before (or to the step after the one it follows), until changed.
- remove B from A → B → C: A → C. Remove a menu B that A leads to: refused (A would lead nowhere);
  remove an end E that only key 2 of menu M leads to: key 2 is removed with it, if M keeps a key.
- move C up in A → B → C → D: A → C → B → D; only a message or a collect-digits step moves, past
  another such step, and only where one step leads to the one moving.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any

from services.bot.flow_drafts import KEYPAD

# Steps the call leaves along one "next" (a collect step may also have a "timeout" edge).
PASS_THROUGH = frozenset({"msg", "digits"})
ENDINGS = frozenset({"end", "xfer"})
NEXT = "next"

Node = dict[str, Any]
Draft = dict[str, Any]


@dataclass(frozen=True)
class Refusal:
    """Why an edit cannot be made: `reason` names an `edit.refused.<reason>` text, and `steps` the
    steps it concerns (as "n1 (key 2)" or "n1")."""

    reason: str
    steps: tuple[str, ...] = ()


@dataclass(frozen=True)
class Removal:
    """What removing `node_id` does: edges (source, key) sent on to `new_target` instead, menu keys
    (menu, key) removed with it, and the new start when it was the start."""

    node_id: str
    redirected: tuple[tuple[str, str], ...] = ()
    new_target: str = ""
    dropped_keys: tuple[tuple[str, str], ...] = ()
    new_start: str = ""


def node_at(draft: Draft, node_id: str) -> Node | None:
    return next((node for node in draft["nodes"] if node["id"] == node_id), None)


def next_of(node: Node) -> str:
    """Where a message or a collect step goes on to ("" for a menu or an ending)."""
    return next((target for key, target in node.get("edges", []) if key == NEXT), "")


def leading_to(draft: Draft, node_id: str) -> list[tuple[str, str]]:
    """The (step, key) pairs that lead to the step, its own loops left out."""
    return [(node["id"], key) for node in draft["nodes"] if node["id"] != node_id
            for key, target in node.get("edges", []) if target == node_id]


def free_id(draft: Draft) -> str:
    """A new step's id: n1, n2, … the first one no step has."""
    taken = {node["id"] for node in draft["nodes"]}
    number = len(taken) + 1
    while f"n{number}" in taken:
        number += 1
    return f"n{number}"


def in_call_order(draft: Draft, start: str | None = None) -> None:
    """Orders the steps as the call meets them, from `start` (default: the current first step);
    steps no path reaches come last, in their old order."""
    if not draft["nodes"]:
        return
    by_id = {node["id"]: node for node in draft["nodes"]}
    first = start if start in by_id else draft["nodes"][0]["id"]
    seen = [first]
    queue = deque([first])
    while queue:
        for _, target in by_id[queue.popleft()].get("edges", []):
            if target in by_id and target not in seen:
                seen.append(target)
                queue.append(target)
    rest = [node["id"] for node in draft["nodes"] if node["id"] not in seen]
    draft["nodes"] = [by_id[node_id] for node_id in seen + rest]


def insert_step(draft: Draft, node: Node, *, before: str = "", after: str = "", keys: tuple[str, ...] = ()
                ) -> Refusal | None:
    """Puts a new message, menu (with `keys`) or collect step before or after an existing step."""
    anchor = node_at(draft, before or after)
    if anchor is None or node["kind"] not in PASS_THROUGH | {"menu"}:
        return Refusal("gone")
    if after and anchor["kind"] not in PASS_THROUGH:
        return Refusal("insert_after_branch", (anchor["id"],))
    start = draft["nodes"][0]["id"]
    node = {**node, "id": free_id(draft)}
    following = anchor["id"] if before else next_of(anchor)
    node["edges"] = [[key, following] for key in keys] if node["kind"] == "menu" else [[NEXT, following]]
    if before:
        for source in draft["nodes"]:
            if source["id"] != anchor["id"]:
                source["edges"] = [[key, node["id"] if target == anchor["id"] else target]
                                   for key, target in source.get("edges", [])]
        start = node["id"] if start == anchor["id"] else start
    else:
        anchor["edges"] = [[key, node["id"] if key == NEXT else target] for key, target in anchor["edges"]]
    draft["nodes"].append(node)
    in_call_order(draft, start)
    return None


def removal_of(draft: Draft, node_id: str) -> Removal | Refusal:
    """What removing the step would do, or why it cannot be removed (nothing is changed)."""
    node = node_at(draft, node_id)
    if node is None:
        return Refusal("gone")
    if len(draft["nodes"]) == 1:
        return Refusal("last_step", (node_id,))
    following = next_of(node) if node["kind"] in PASS_THROUGH else ""
    following = "" if following == node_id else following
    incoming = leading_to(draft, node_id)
    if following:
        new_start = following if draft["nodes"][0]["id"] == node_id else ""
        return Removal(node_id, redirected=tuple(incoming), new_target=following, new_start=new_start)
    if draft["nodes"][0]["id"] == node_id:
        return Refusal("first_step", (node_id,))
    dropped: list[tuple[str, str]] = []
    blocking: list[str] = []
    for source_id, key in incoming:
        source = node_at(draft, source_id) or {}
        keys_left = [k for k, target in source.get("edges", []) if k in KEYPAD and target != node_id]
        if source.get("kind") == "menu" and keys_left:
            dropped.append((source_id, key))
        else:
            blocking.append(source_id if key == NEXT else f"{source_id} ({key})")
    if blocking:
        return Refusal("led_to", tuple(blocking))
    return Removal(node_id, dropped_keys=tuple(dropped))


def remove_step(draft: Draft, removal: Removal) -> None:
    start = removal.new_start or draft["nodes"][0]["id"]
    dropped = set(removal.dropped_keys)
    draft["nodes"] = [node for node in draft["nodes"] if node["id"] != removal.node_id]
    for node in draft["nodes"]:
        node["edges"] = [[key, removal.new_target if target == removal.node_id else target]
                         for key, target in node.get("edges", []) if (node["id"], key) not in dropped]
    in_call_order(draft, start)


def move_step(draft: Draft, node_id: str, *, up: bool) -> Refusal | None:
    """Trades places with the step just before it on the call's path (up) or just after it (down)."""
    node = node_at(draft, node_id)
    if node is None:
        return Refusal("gone")
    if node["kind"] not in PASS_THROUGH:
        return Refusal("move_branch", (node_id,))
    if not up:
        following = node_at(draft, next_of(node))
        if following is None or following["kind"] not in PASS_THROUGH or following["id"] == node_id:
            return Refusal("move_down_end", (node_id,))
        if leading_to(draft, following["id"]) != [(node_id, NEXT)]:
            return Refusal("move_shared", (following["id"],))
        return move_step(draft, following["id"], up=True)
    incoming = leading_to(draft, node_id)
    before = node_at(draft, incoming[0][0]) if len(incoming) == 1 and incoming[0][1] == NEXT else None
    if before is None or before["kind"] not in PASS_THROUGH:
        return Refusal("move_up_start" if not incoming else "move_shared", (node_id,))
    if next_of(node) == before["id"]:
        return Refusal("move_shared", (node_id,))
    start = node_id if draft["nodes"][0]["id"] == before["id"] else draft["nodes"][0]["id"]
    after = next_of(node)
    for source in draft["nodes"]:
        if source["id"] not in (node_id, before["id"]):
            source["edges"] = [[key, node_id if target == before["id"] else target]
                               for key, target in source.get("edges", [])]
    node["edges"] = [[key, before["id"] if key == NEXT else target] for key, target in node["edges"]]
    before["edges"] = [[key, after if key == NEXT else target] for key, target in before["edges"]]
    in_call_order(draft, start)
    return None


def lead_to(draft: Draft, node_id: str, key: str, target_id: str) -> Refusal | None:
    """The step's `key` (a menu key, new or not, or "next") leads to `target_id`."""
    node, target = node_at(draft, node_id), node_at(draft, target_id)
    if node is None or target is None or node["kind"] in ENDINGS:
        return Refusal("gone")
    if key != NEXT and node["kind"] != "menu":
        return Refusal("gone")
    if key == NEXT and node["kind"] not in PASS_THROUGH:
        return Refusal("gone")
    edges = node.setdefault("edges", [])
    if any(k == key for k, _ in edges):
        node["edges"] = [[k, target_id if k == key else t] for k, t in edges]
    else:
        edges.append([key, target_id])
    in_call_order(draft)
    return None


def add_ending(draft: Draft, node_id: str, key: str, ending: Node) -> Refusal | None:
    """A new end or transfer step, which the step's `key` leads to."""
    if ending["kind"] not in ENDINGS:
        return Refusal("gone")
    new = {**ending, "id": free_id(draft), "edges": []}
    draft["nodes"].append(new)
    refusal = lead_to(draft, node_id, key, new["id"])
    if refusal is not None:
        draft["nodes"].remove(new)
    return refusal


def remove_key(draft: Draft, node_id: str, key: str) -> Refusal | None:
    """A menu stops offering `key`; a menu keeps at least one key."""
    node = node_at(draft, node_id)
    if node is None or node["kind"] != "menu":
        return Refusal("gone")
    if [k for k, _ in node["edges"] if k in KEYPAD] == [key]:
        return Refusal("last_key", (node_id,))
    node["edges"] = [[k, target] for k, target in node["edges"] if k != key]
    in_call_order(draft)
    return None
