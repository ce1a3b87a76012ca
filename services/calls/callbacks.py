"""Callbacks the callee asks for: "to be called back later, press 8". Pure: no I/O.

Why at the menus, as a key edge: a flow's callback key (FlowSpec.callback, a flow option like the
opt-out key) is offered at every menu of a node flow, where the callee is already choosing with a
key, and not as a global node like the opt-out: a global key would be taken at a collect step too,
where an 8 is a digit of the callee's answer. So the compiled flow (flow_compiler.py) gives every
menu one more key edge, to the platform's end node `sc_callback`, which says `callback_words` in the
call's language (call_texts.py) and ends the call, and every menu says `callback_offer` after the
customer's words. The key must be free at every menu and must not be the opt-out key
(`offer_problems`, checked with the rest of the flow by flow_specs.check_spec).

Whether the callee asked (`requested_callback`): a kept key of the call (call_end.py keeps the menus'
keys, the callback key among them: flow_specs.menu_keys_of) that is the callback key and after which
the call entered `sc_callback` (its place, key_inputs.key_places). Without the places of the keys
nothing is guessed: no callback (a wrongly placed call costs the customer and bothers the callee).
An opted-out callee is never called back.

When (`callback_time`): the delay the customer chose after the call's end, or "tomorrow": the same
local time on the next calendar day in the callee's (first) zone, so a DST change overnight keeps
the wall-clock time, not the 24 hours; then moved into the callee's calling window in all its zones
(calling_window.next_allowed). Examples (window 08:00–21:00, New York, call ended 15:00 local):
    1 h → 16:00 · 3 h at 19:30 → 08:00 next day · tomorrow → 15:00 next day ·
    tomorrow after a call at 20:45 the day before the clocks change → 20:45 (not 19:45 or 21:45) ·
    a number whose zones never share an open hour → asked, but no time (at None).

What the callback says: the same flow, from its start (disclosure and opt-out notice included): the
callee hears the whole message again, and the menu offers the callback again, but a campaign calls
each callee back at most once (campaign_progress.py), so a second press ends the call and nothing more.

A callback refused before its dial (the number on the do-not-call list by then: callback_refusals.py)
leaves its callee answered, with the refusal's cause as the callee's outcome (`refused_outcome`:
"DO_NOT_CALL" → `callback_refused:do_not_call`), which the report's callback column says as
`not_placed:do_not_call` (`not_placed_cell`) and the bot in words ("not placed: on the do-not-call list").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from services.calls.call_outcomes import CAUSES, FailureCause
from services.calls.calling_window import DEFAULT_END, DEFAULT_START, next_allowed
from services.calls.flow_rules import DIGIT_KEYS, FlowGraph, FlowProblem, NodeKind

if TYPE_CHECKING:
    from services.calls.key_inputs import KeyPlace

CALLBACK_NODE = "sc_callback"
TOMORROW = 0
# The delays the bot offers (minutes; 0 is tomorrow), and what a FlowSpec may carry.
OFFERED_DELAYS = (60, 180, TOMORROW)
MIN_DELAY_MINUTES = 15
MAX_DELAY_MINUTES = 7 * 24 * 60
# How a call row keeps the offer of the flow version it dialled: "<key>:<delay minutes>", '' for none.
OFFER_SEPARATOR = ":"
# A campaign callee's outcome when its callback was refused before the dial, and the report's callback
# cell then: each followed by the refusal's cause (call_outcomes.FailureCause).
REFUSED_PREFIX = "callback_refused:"
NOT_PLACED_PREFIX = "not_placed:"


@dataclass(frozen=True)
class CallbackOffer:
    key: str
    delay_minutes: int = TOMORROW


@dataclass(frozen=True)
class CallbackRequest:
    """The callee asked to be called back; `at` is when (UTC, inside the callee's calling window), None
    when the callee's calling window has no time for it (zones that never share an open hour)."""

    at: datetime | None


def offer_text(offer: CallbackOffer | None) -> str:
    """The offer as a call row keeps it: CallbackOffer("8", 60) → "8:60", None → ''."""
    return f"{offer.key}{OFFER_SEPARATOR}{offer.delay_minutes}" if offer is not None and offer.key else ""


def offer_of(text: str) -> CallbackOffer | None:
    """offer_text read back; None for '' or anything unreadable."""
    key, _, delay = (text or "").partition(OFFER_SEPARATOR)
    if key not in DIGIT_KEYS or not delay.isdigit():
        return None
    return CallbackOffer(key, int(delay))


def offer_problems(offer: CallbackOffer | None, graph: FlowGraph | None, *, opt_out_key: str) -> list[FlowProblem]:
    """Why a flow cannot offer this callback; [] when it can (or offers none). `graph` None: an AI script."""
    if offer is None or not offer.key:
        return []
    found: list[FlowProblem] = []
    if len(offer.key) != 1 or offer.key not in DIGIT_KEYS:
        found.append(FlowProblem("", "BAD_CALLBACK_KEY", "the callback key must be one key: 0-9, * or #"))
    if offer.delay_minutes != TOMORROW and not MIN_DELAY_MINUTES <= offer.delay_minutes <= MAX_DELAY_MINUTES:
        found.append(FlowProblem("", "BAD_CALLBACK_DELAY", f"a callback comes tomorrow, or {MIN_DELAY_MINUTES} "
                                                           f"minutes to {MAX_DELAY_MINUTES // 1440} days later"))
    if offer.key == opt_out_key:
        found.append(FlowProblem("", "CALLBACK_KEY_IS_OPT_OUT", f"key {offer.key} is the opt-out key; choose "
                                                                "another key for callbacks"))
    menus = [node for node in graph.nodes if node.kind == NodeKind.MENU] if graph is not None else []
    if not menus:
        found.append(FlowProblem("", "CALLBACK_NEEDS_MENU", "a callback is offered at the flow's menus; add a "
                                                            "menu, or turn callbacks off"))
    for menu in menus:
        if offer.key in menu.edges:
            found.append(FlowProblem(menu.id, "CALLBACK_KEY_TAKEN", f"key {offer.key} asks for a callback at every "
                                                                    f"menu; use another key in menu '{menu.id}'"))
    return found


def offered_at_menus(graph: FlowGraph, offer: CallbackOffer | None, offer_line: str = "") -> FlowGraph:
    """The graph with the callback at every menu: the key's edge to CALLBACK_NODE, and `offer_line` said
    after the menu's words. Unchanged without an offer."""
    if offer is None or not offer.key:
        return graph
    nodes = tuple(
        replace(node, edges={**node.edges, offer.key: CALLBACK_NODE},
                text=f"{node.text} {offer_line}" if offer_line else node.text)
        if node.kind == NodeKind.MENU else node for node in graph.nodes)
    return replace(graph, nodes=nodes)


def asked_for_callback(keys: Sequence[str], places: Sequence[KeyPlace], offer: CallbackOffer | None) -> bool:
    """A kept key that is the callback key, after which the call entered the callback node."""
    if offer is None or len(places) != len(keys):
        return False
    return any(key == offer.key and place.entered_after == CALLBACK_NODE
               for key, place in zip(keys, places, strict=True))


def callback_time(offer: CallbackOffer, ended_at: datetime, zones: tuple[str, ...], *,
                  window_start: time = DEFAULT_START, window_end: time = DEFAULT_END) -> datetime | None:
    """When to call back (see the module's examples); None when the window has no time for it."""
    if not zones:
        return None
    if offer.delay_minutes != TOMORROW:
        asked = ended_at + timedelta(minutes=offer.delay_minutes)
    else:
        zone = ZoneInfo(zones[0])
        local = ended_at.astimezone(zone)
        # The wall-clock time on the next day (not +24 h): over a DST change the hour stays.
        asked = datetime.combine(local.date() + timedelta(days=1), local.time().replace(tzinfo=None), tzinfo=zone)
    allowed = next_allowed(asked, zones, window_start, window_end)
    return allowed.astimezone(UTC) if allowed is not None else None


def requested_callback(*, offer: CallbackOffer | None, keys: Sequence[str], places: Sequence[KeyPlace],
                       ended_at: datetime, zones: tuple[str, ...], opted_out: bool = False,
                       window_start: time = DEFAULT_START, window_end: time = DEFAULT_END) -> CallbackRequest | None:
    """The callback a call's callee asked for, and when; None when none was asked (or the callee opted
    out). The one rule the campaign, the single call's outcome and the report read."""
    if opted_out or offer is None or not asked_for_callback(keys, places, offer):
        return None
    return CallbackRequest(callback_time(offer, ended_at, zones, window_start=window_start, window_end=window_end))


def refused_outcome(reason: str) -> str:
    """A callback's refusal (placing.py's reason) as its callee's outcome: "DO_NOT_CALL" →
    "callback_refused:do_not_call"; a reason the outcome rule does not know → "callback_refused:unknown"."""
    return f"{REFUSED_PREFIX}{CAUSES.get(reason, FailureCause.UNKNOWN).value}"


def _cause_after(prefix: str, text: str) -> FailureCause | None:
    if not (text or "").startswith(prefix):
        return None
    try:
        return FailureCause(text[len(prefix):])
    except ValueError:
        return FailureCause.UNKNOWN


def refusal_of(outcome: str) -> FailureCause | None:
    """Why a callee's callback was not placed, from its outcome (refused_outcome); None when it was not
    refused: "callback_refused:do_not_call" → DO_NOT_CALL, "agent_hangup" → None."""
    return _cause_after(REFUSED_PREFIX, outcome)


def not_placed_cell(cause: FailureCause) -> str:
    """The report's callback cell of a refused callback: DO_NOT_CALL → "not_placed:do_not_call"."""
    return f"{NOT_PLACED_PREFIX}{cause.value}"


def not_placed_cause(cell: str) -> FailureCause | None:
    """not_placed_cell read back; None for a callback's time or an empty cell."""
    return _cause_after(NOT_PLACED_PREFIX, cell)
