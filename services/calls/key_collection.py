"""How many keys a call can gather in a row: the structural half of the review policy. Pure, no I/O.

Why structure and not words: an "OTP bot" needs the callee to type a code of 4 to 8 digits, and a
flow can ask for it in many shapes that no word list sees: one collect step of 6 digits, two steps of
3 with a message between ("now the next three"), one menu per digit, or a menu whose keys all loop
back to itself ("key in the number one key at a time, then #"). What every shape has in common is a
path through the graph that gathers more than one key. This module finds the longest such path.

What counts, along a path from the start step:
- a collect step gathers up to its max_digits keys, whichever way it is left ("next" or "timeout":
  digits typed before a timeout still reach the customer);
- a menu left on a key edge (0-9, *, #) gathers 1 key; left on "no_match" it gathers 1 too. A key
  that matches no choice is never kept nor shown to the customer (key_inputs.shown_keys), but a flow
  built to go on after wrong keys (a "no_match" loop: "press the numbers you received, then 1") still
  has the callee type them into a call that may be recorded, so it is held like any other run. A
  menu's own repeats on a wrong key (flow_rules.menu_fallbacks) are no edge of the graph: at most
  3, and their keys are dropped the same way;
- a menu left on "timeout", and a message's "next", gather nothing and do NOT break the run: an
  attacker splits "enter the first 3 digits" / a message / "now the next 3";
- only an end or a transfer breaks a run (the call is over, or with a person);
- the flow's opt-out key is global (any press of it ends the call), so it never extends a run.
Because only the terminal steps break a run, a run is a whole path from the start.
A cycle through an edge that gathers a key means the call can gather any number of keys: unbounded.

Examples: message → menu → end: 1 key. menu → menu: 2. collect(3) → message → collect(3): 6.
menu whose key 1 goes back to it: unbounded. A single menu choice per call (a run of 1) is the core
product and stays automatic; anything more waits for a person.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from itertools import pairwise

from services.calls.flow_rules import DIGIT_KEYS, FlowGraph, FlowNode, NodeKind

ARROW = " → "


@dataclass(frozen=True)
class KeyRun:
    """The most keys one call can gather in a row, and a path that does it.

    keys is None when a loop lets the call gather any number of keys; path then ends where the loop
    closes (its last step is repeated)."""

    keys: int | None
    path: tuple[str, ...] = ()

    @property
    def unbounded(self) -> bool:
        return self.keys is None

    def more_than(self, limit: int) -> bool:
        return self.keys is None or self.keys > limit

    def reason(self) -> str:
        """The sentence an admin reads, e.g. "can collect up to 6 keys in a row: n1 → n2 → n3"."""
        if self.keys is None:
            return f"can collect any number of keys in a row (loop {ARROW.join(self.path)})"
        noun = "key" if self.keys == 1 else "keys"
        return f"can collect up to {self.keys} {noun} in a row: {ARROW.join(self.path)}"


def keys_gathered(node: FlowNode, edge_key: str) -> int:
    """Keys the callee types while the call is at this step and leaves it on this edge."""
    if node.kind == NodeKind.COLLECT_DIGITS:
        return max(node.max_digits, 1)
    if node.kind == NodeKind.MENU and (edge_key in DIGIT_KEYS or edge_key == "no_match"):
        return 1
    return 0


def _edges(graph: FlowGraph) -> list[tuple[str, str, int]]:
    """(from, to, keys) for every edge of the steps reachable from the start, to steps that exist."""
    by_id = {node.id: node for node in graph.nodes}
    if graph.start_node_id not in by_id:
        return []
    seen = {graph.start_node_id}
    queue = deque([graph.start_node_id])
    found: list[tuple[str, str, int]] = []
    while queue:
        node = by_id[queue.popleft()]
        if node.kind in (NodeKind.END, NodeKind.TRANSFER):
            continue
        for key, target in sorted(node.edges.items()):
            if target not in by_id:
                continue
            found.append((node.id, target, keys_gathered(node, key)))
            if target not in seen:
                seen.add(target)
                queue.append(target)
    return found


def _components(nodes: list[str], successors: dict[str, list[str]]) -> dict[str, int]:
    """Strongly connected components (Tarjan, iterative): step id → component number."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    component: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    counter = components_found = 0
    for root in nodes:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, child = work.pop()
            if child == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            targets = successors.get(node, [])
            if child < len(targets):
                work.append((node, child + 1))
                target = targets[child]
                if target not in index:
                    work.append((target, 0))
                elif target in on_stack:
                    low[node] = min(low[node], index[target])
                continue
            for target in targets:
                if target in on_stack:
                    low[node] = min(low[node], low[target])
            if low[node] == index[node]:
                number = components_found
                components_found += 1
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component[member] = number
                    if member == node:
                        break
    return component


def _route(successors: dict[str, list[str]], start: str, goal: str, allowed: set[str]) -> list[str]:
    """A shortest path start → goal through allowed steps (both ends included)."""
    previous: dict[str, str | None] = {start: None}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        if node == goal:
            break
        for target in successors.get(node, []):
            if target in allowed and target not in previous:
                previous[target] = node
                queue.append(target)
    path: list[str] = []
    step: str | None = goal
    while step is not None:
        path.append(step)
        step = previous[step]
    return path[::-1]


def longest_key_run(graph: FlowGraph) -> KeyRun:
    """The most keys any path from the start can gather in a row (see the module docstring)."""
    edges = _edges(graph)
    if not edges:
        return KeyRun(0)
    successors: dict[str, list[str]] = {}
    for source, target, _ in edges:
        successors.setdefault(source, []).append(target)
    nodes = [graph.start_node_id, *sorted({target for _, target, _ in edges} - {graph.start_node_id})]
    component = _components(nodes, successors)
    members: dict[int, set[str]] = {}
    for node, number in component.items():
        members.setdefault(number, set()).add(node)

    for source, target, keys in edges:
        if keys and component[source] == component[target]:
            back = _route(successors, target, source, members[component[source]])
            return KeyRun(None, (source, *back))

    # No key-gathering edge lies on a cycle: the longest run follows the components' DAG; inside a
    # component only free (0-key) edges remain, so any step of it reaches any other at no cost.
    best: dict[int, tuple[int, tuple[str, str, int] | None]] = {}

    def value(number: int) -> int:
        if number in best:
            return best[number][0]
        choice: tuple[int, tuple[str, str, int] | None] = (0, None)
        for edge in edges:
            source, target, keys = edge
            if component[source] == number and component[target] != number:
                total = keys + value(component[target])
                if total > choice[0]:
                    choice = (total, edge)
        best[number] = choice
        return choice[0]

    # Tarjan numbers components sinks first, so in this order every target is known before its
    # sources and the recursion stays one level deep.
    for number in sorted(members):
        value(number)
    total = value(component[graph.start_node_id])
    if total == 0:
        return KeyRun(0)
    path: list[str] = []
    here = graph.start_node_id
    number = component[here]
    while True:
        edge = best[number][1]
        if edge is None:
            break
        source, target, _ = edge
        path.extend(_route(successors, here, source, members[number]))
        here, number = target, component[target]
    path.append(here)
    return KeyRun(total, _trimmed(graph, tuple(path)))


def _trimmed(graph: FlowGraph, path: tuple[str, ...]) -> tuple[str, ...]:
    """From the first step that gathers keys on this path to the last one: what an admin checks."""
    gathered = []
    for here, after in pairwise(path):
        node = graph.node(here)
        gathered.append(node is not None and any(
            target == after and keys_gathered(node, key) for key, target in node.edges.items()))
    if not any(gathered):
        return path
    first = gathered.index(True)
    last = len(gathered) - 1 - gathered[::-1].index(True)
    return path[first:last + 1]
