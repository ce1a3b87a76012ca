"""IVR flows as pure data and the rules a flow must follow. No I/O: the servicer converts protobuf
to these types and back. Which flows wait for a person is review_policy.py's to decide.

A flow is a graph of nodes (message, menu, collect digits, transfer, end) with edges on keys.
Messages a customer reads are plain sentences naming the node, so the bot can show them as is.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from enum import StrEnum

from services.calls.destinations import DEFAULT_ALLOWED_COUNTRIES, destination_refusal, parse_country_list
from services.calls.phone_numbers import is_e164


class NodeKind(StrEnum):
    MESSAGE = "message"
    MENU = "menu"
    COLLECT_DIGITS = "collect_digits"
    TRANSFER = "transfer"
    END = "end"


DIGIT_KEYS = tuple("0123456789*#")
SPECIAL_KEYS = ("timeout", "no_match")
NEXT = "next"
TERMINAL_KINDS = frozenset({NodeKind.TRANSFER, NodeKind.END})
NODE_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")  # with fullmatch: "$" would let a trailing newline in
MAX_NODES = 50
MAX_TEXT = 1000
MAX_NAME = 80
MAX_PROMPT = 4000
MAX_COLLECT_DIGITS = 20
DEFAULT_OPT_OUT_KEY = "9"
NO_MATCH = "no_match"
MAX_MENU_REPEATS = 3
DEFAULT_MENU_REPEATS = 2


class MenuFallback(StrEnum):
    """What a menu does on a wrong key or on silence (see menu_fallbacks for the defaults)."""

    DEFAULT = "default"
    REPEAT = "repeat"  # the menu again, up to `repeats` times, then the call ends
    GO_TO = "go_to"  # a wrong key only: the step the menu's "no_match" edge names
    END = "end"


@dataclass(frozen=True)
class FlowNode:
    id: str
    kind: NodeKind
    text: str = ""
    max_digits: int = 0
    termination_key: str = ""
    transfer_number: str = ""
    edges: dict[str, str] = field(default_factory=dict)
    # Menus only.
    on_wrong_key: MenuFallback = MenuFallback.DEFAULT
    on_silence: MenuFallback = MenuFallback.DEFAULT
    repeats: int = 0


@dataclass(frozen=True)
class MenuFallbacks:
    """A menu's robustness settings with the defaults filled in. `wrong_key_target` is the step a
    wrong key leads to when `on_wrong_key` is GO_TO."""

    on_wrong_key: MenuFallback
    on_silence: MenuFallback
    repeats: int
    wrong_key_target: str = ""


def menu_fallbacks(node: FlowNode) -> MenuFallbacks:
    """The settings a menu runs with. Worked examples: nothing set → repeat twice on a wrong key and
    on silence, then end · a "no_match" edge and nothing set → a wrong key goes there (so does a
    "timeout" edge, which before these settings was where any unmatched answer went) · repeats 0 → 2.
    Silence never goes to a step: Retell's conversation nodes have no silence transition, only the
    reminder (say it again) and the agent's end-after-silence."""
    legacy_target = node.edges.get(NO_MATCH) or node.edges.get("timeout", "")
    wrong_key = node.on_wrong_key
    if wrong_key == MenuFallback.DEFAULT:
        wrong_key = MenuFallback.GO_TO if legacy_target else MenuFallback.REPEAT
    silence = MenuFallback.REPEAT if node.on_silence == MenuFallback.DEFAULT else node.on_silence
    target = (node.edges.get(NO_MATCH, "") if node.on_wrong_key == MenuFallback.GO_TO else legacy_target)
    return MenuFallbacks(wrong_key, silence, node.repeats or DEFAULT_MENU_REPEATS,
                         target if wrong_key == MenuFallback.GO_TO else "")


@dataclass(frozen=True)
class FlowGraph:
    start_node_id: str
    nodes: tuple[FlowNode, ...]

    def node(self, node_id: str) -> FlowNode | None:
        return next((node for node in self.nodes if node.id == node_id), None)


@dataclass(frozen=True)
class FlowProblem:
    node_id: str
    code: str
    message: str


def validate_graph(graph: FlowGraph, *, opt_out_key: str = DEFAULT_OPT_OUT_KEY,
                   allowed_countries: frozenset[str] = parse_country_list(DEFAULT_ALLOWED_COUNTRIES),
                   ) -> list[FlowProblem]:
    """Every rule a flow breaks, each with the node it concerns and a sentence a customer reads."""
    problems: list[FlowProblem] = []

    def problem(node_id: str, code: str, message: str) -> None:
        problems.append(FlowProblem(node_id, code, message))

    if not graph.nodes:
        return [FlowProblem("", "EMPTY", "the flow has no steps; add at least a message and an end")]
    if len(graph.nodes) > MAX_NODES:
        problem("", "TOO_MANY_NODES", f"a flow has at most {MAX_NODES} steps")
    ids = [node.id for node in graph.nodes]
    for node_id in sorted({node_id for node_id in ids if ids.count(node_id) > 1}):
        problem(node_id, "DUPLICATE_NODE", f"two steps are called '{node_id}'; give each its own name")
    for node in graph.nodes:
        if not NODE_ID.fullmatch(node.id):
            problem(node.id, "BAD_NODE_ID", f"step name '{node.id[:40]}' may use a-z, 0-9, - and _ (32 at most)")
    if graph.node(graph.start_node_id) is None:
        problem("", "NO_START", "the flow needs one start step that exists")
    for node in graph.nodes:
        problems.extend(_node_problems(node, opt_out_key, allowed_countries))
        for key, target in node.edges.items():
            if graph.node(target) is None:
                problem(node.id, "UNKNOWN_TARGET",
                        f"step '{node.id}' goes on {key} to '{target}', which does not exist")
    if problems:
        return problems
    reachable = _reachable(graph, graph.start_node_id)
    for node in graph.nodes:
        if node.id not in reachable:
            problem(node.id, "UNREACHABLE", f"no path from the start leads to step '{node.id}'")
    finishing = _can_finish(graph)
    for node in graph.nodes:
        if node.id in reachable and node.id not in finishing:
            problem(node.id, "NO_END", f"from step '{node.id}' the call can never reach an end or a transfer")
    return problems


def _node_problems(node: FlowNode, opt_out_key: str, allowed_countries: frozenset[str]) -> list[FlowProblem]:
    found: list[FlowProblem] = []

    def problem(code: str, message: str) -> None:
        found.append(FlowProblem(node.id, code, message))

    if len(node.text) > MAX_TEXT:
        problem("TEXT_TOO_LONG", f"the text of step '{node.id}' is longer than {MAX_TEXT} characters")
    if node.kind in (NodeKind.MESSAGE, NodeKind.MENU, NodeKind.COLLECT_DIGITS) and not node.text.strip():
        problem("TEXT_MISSING", f"step '{node.id}' needs the words the callee will hear")
    if node.kind in TERMINAL_KINDS and node.edges:
        problem("EDGES_ON_TERMINAL", f"step '{node.id}' ends the call and cannot lead anywhere")
    if node.kind == NodeKind.MESSAGE and set(node.edges) != {NEXT}:
        problem("MESSAGE_NEEDS_NEXT", f"after message '{node.id}' the flow needs exactly one next step")
    if node.kind == NodeKind.COLLECT_DIGITS:
        if not 1 <= node.max_digits <= MAX_COLLECT_DIGITS:
            problem("DIGITS_OUT_OF_RANGE", f"step '{node.id}' may collect 1 to {MAX_COLLECT_DIGITS} digits")
        if node.termination_key not in ("", "#", "*"):
            problem("BAD_TERMINATION_KEY", f"step '{node.id}' may end input with # or * only")
        if not set(node.edges) <= {NEXT, "timeout"} or NEXT not in node.edges:
            problem("COLLECT_NEEDS_NEXT", f"after collecting digits in '{node.id}' the flow needs a next step")
    if node.kind == NodeKind.MENU:
        allowed = set(DIGIT_KEYS) | set(SPECIAL_KEYS)
        wrong = sorted(set(node.edges) - allowed)
        if wrong:
            problem("BAD_KEY", f"menu '{node.id}' uses keys that a phone does not have: {', '.join(wrong)}")
        if not any(key in DIGIT_KEYS for key in node.edges):
            problem("MENU_WITHOUT_KEYS", f"menu '{node.id}' needs at least one key to press")
        if opt_out_key in node.edges:
            problem("OPT_OUT_KEY_TAKEN", f"key {opt_out_key} is reserved for opting out; use another key in "
                                         f"menu '{node.id}'")
        if not 0 <= node.repeats <= MAX_MENU_REPEATS:
            problem("BAD_REPEATS", f"menu '{node.id}' may be said again 1 to {MAX_MENU_REPEATS} times")
        if node.on_wrong_key == MenuFallback.GO_TO and NO_MATCH not in node.edges:
            problem("WRONG_KEY_NEEDS_STEP", f"menu '{node.id}' goes to another step on a wrong key; say which")
        if node.on_silence == MenuFallback.GO_TO:
            problem("SILENCE_CANNOT_GO_TO", f"menu '{node.id}' can repeat itself or end the call on silence, "
                                            "not go to another step")
    if node.kind == NodeKind.TRANSFER:
        if not is_e164(node.transfer_number):
            problem("BAD_TRANSFER_NUMBER", f"transfer step '{node.id}' needs a valid number like +14155550123")
        elif (refusal := destination_refusal(node.transfer_number, allowed_countries)) is not None:
            # The same rule as a call's callee: a transfer is a call the platform pays for.
            problem("BAD_TRANSFER_NUMBER", f"transfer step '{node.id}': {refusal.message}")
    return found


def _reachable(graph: FlowGraph, start: str) -> set[str]:
    seen = {start}
    queue = deque([start])
    while queue:
        node = graph.node(queue.popleft())
        for target in (node.edges.values() if node else ()):
            if target not in seen:
                seen.add(target)
                queue.append(target)
    return seen


def _can_finish(graph: FlowGraph) -> set[str]:
    """Nodes from which some path reaches an end or a transfer (loops back are allowed)."""
    finishing = {node.id for node in graph.nodes if node.kind in TERMINAL_KINDS}
    changed = True
    while changed:
        changed = False
        for node in graph.nodes:
            if node.id not in finishing and any(target in finishing for target in node.edges.values()):
                finishing.add(node.id)
                changed = True
    return finishing
