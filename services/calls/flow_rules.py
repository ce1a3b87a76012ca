"""IVR flows as pure data, the rules a flow must follow, and the screening that sends risky flows
to admin review. No I/O: the servicer converts protobuf to these types and back.

A flow is a graph of nodes (message, menu, collect digits, transfer, end) with edges on keys.
Messages a customer reads are plain sentences naming the node, so the bot can show them as is.
"""

from __future__ import annotations

import re
import unicodedata
from collections import deque
from dataclasses import dataclass, field
from enum import StrEnum

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
REVIEW_DIGITS = 4
DEFAULT_OPT_OUT_KEY = "9"

# Words that suggest phishing: asking for codes, PINs, passwords, verification, or naming banks
# and brands a caller could impersonate. A match does not refuse the flow; an admin reads it first.
SENSITIVE_PATTERNS = tuple(re.compile(pattern, re.IGNORECASE) for pattern in (
    r"\bcodes?\b", r"\bpin(s|codes?)?\b", r"\bpass[ ._-]?words?\b", r"\bpasscodes?\b", r"\bverif(y|ication|ied)\b",
    r"\botp\b", r"\bone[- ]time\b", r"\bsecurity (question|number)\b", r"\bcvv\b", r"\bcard number\b",
    r"\bsocial security\b", r"\bssn\b", r"\baccount number\b", r"\brouting number\b", r"\bbank(s|ing)?\b",
    r"\bpaypal\b", r"\bapple\b", r"\bamazon\b", r"\bgoogle\b", r"\bmicrosoft\b", r"\bnetflix\b",
    r"\bvisa\b", r"\bmastercard\b", r"\bchase\b", r"\bwells fargo\b", r"\bcitibank\b", r"\bhsbc\b",
    r"\birs\b", r"\bcrypto\b", r"\bwallet seed\b", r"\bseed phrase\b", r"\bgift cards?\b",
))
# Disguises that would slip a word past the patterns: letters of other alphabets that look Latin,
# full-width forms, invisible characters, and words spelt out letter by letter ("P.I.N.", "P I N").
_LOOKALIKES = str.maketrans("АВЕКМНОРСТХаеорсхуіІѕјΑΒΕΗΙΚΜΝΟΡΤΧΥΖον",
                            "ABEKMHOPCTXaeopcxyiIsjABEHIKMNOPTXYZov")
_SPELT_OUT = re.compile(r"\b(?:[A-Za-z][ ._*-]){2,}[A-Za-z]\b")


def _undisguised(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = "".join(char for char in text if unicodedata.category(char) != "Cf").translate(_LOOKALIKES)
    return _SPELT_OUT.sub(lambda match: re.sub(r"[^A-Za-z]", "", match.group(0)), text)


@dataclass(frozen=True)
class FlowNode:
    id: str
    kind: NodeKind
    text: str = ""
    max_digits: int = 0
    termination_key: str = ""
    transfer_number: str = ""
    edges: dict[str, str] = field(default_factory=dict)


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


def validate_graph(graph: FlowGraph, *, opt_out_key: str = DEFAULT_OPT_OUT_KEY) -> list[FlowProblem]:
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
        problems.extend(_node_problems(node, opt_out_key))
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


def _node_problems(node: FlowNode, opt_out_key: str) -> list[FlowProblem]:
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
    if node.kind == NodeKind.TRANSFER and not is_e164(node.transfer_number):
        problem("BAD_TRANSFER_NUMBER", f"transfer step '{node.id}' needs a valid number like +14155550123")
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


def review_reasons(texts: list[str], graph: FlowGraph | None) -> list[str]:
    """Why a flow must wait for an admin: sensitive wording, or collecting 4 or more digits."""
    reasons = []
    for text in map(_undisguised, texts):
        for pattern in SENSITIVE_PATTERNS:
            match = pattern.search(text)
            if match:
                reasons.append(f"mentions '{match.group(0)}'")
    if graph is not None:
        for node in graph.nodes:
            if node.kind == NodeKind.COLLECT_DIGITS and node.max_digits >= REVIEW_DIGITS:
                reasons.append(f"collects {node.max_digits} digits in '{node.id}'")
    return sorted(set(reasons))


def disclosure(business_name: str) -> str:
    """What every call opens with, before anything the customer wrote."""
    return f"This is an automated call from {business_name}."


def opt_out_notice(opt_out_key: str) -> str:
    return f"To stop receiving these calls, press {opt_out_key} at any time."
