"""Whether a call ended in the callee's opt-out: the one rule every path that records a call's end
shares (the batched `call_ended` statement in ended_calls.py, and call_updates.py for the recovery
tick, which asks Retell for calls whose webhooks never came). Pure.

A callee opts out in three ways, each enough on its own:
- pressing the flow's opt-out key at any moment: Retell reports every key press as a `dtmf` entry of
  `transcript_with_tool_calls`, in graph flows and AI scripts alike, whatever the agent did with it;
- asking not to be called again, which Retell's DNC detection (on for every agent we create) confirms
  and reports as `disconnection_reason: user_requested_dnc`;
- a graph flow's global opt-out node being entered (Retell reports `node_transition` entries for
  conversation flows), which also catches a spoken request the flow's own condition recognised.

The opt-out key is the flow's, recorded on the call row when the call is admitted, because a webhook
does not say which flow it belongs to. A row without a key ('', a call admitted before keys were
recorded) opts out only by the other two.

When the keys cannot be known the callee is protected: a connected call whose transcript Retell did
not keep (a call placed without recording stores basic attributes only, and get-call, which the
recovery tick reads when no webhook came, then has no key presses) counts as an opt-out of a flow
that offered a key. Such a call is rare (its webhooks, which do carry the keys, never arrived), and
a lost opt-out would call someone who asked us to stop.

A key press counts even inside a collect-digits step: every call tells the callee "press 9 at any
time", so a 9 is taken at its word. A flow that collects numbers should choose * or # as its
opt-out key (docs/trust-and-safety.md, "Every opt-out holds").
"""

from __future__ import annotations

from services.calls.flow_compiler import OPT_OUT_NODE
from services.calls.flow_rules import DIGIT_KEYS
from services.calls.retell_events import RetellCallFacts

SPOKEN_OPT_OUT_REASON = "user_requested_dnc"
NO_KEY = ""
# Every value a call row's opt_out_key can take.
POSSIBLE_KEYS = (NO_KEY, *DIGIT_KEYS)


def asked_not_to_be_called(facts: RetellCallFacts) -> bool:
    """Retell's DNC detection ended the call, or the flow went into its opt-out node."""
    return facts.disconnection_reason == SPOKEN_OPT_OUT_REASON or OPT_OUT_NODE in facts.nodes_entered


def keys_unknown(facts: RetellCallFacts) -> bool:
    """A connected call whose key presses Retell did not keep."""
    return facts.connected and not facts.keys_kept


def is_opt_out(facts: RetellCallFacts, opt_out_key: str) -> bool:
    """Examples, for a flow whose key is 9:
    keys 1, 9 → yes; keys 1, 2 → no; no keys and user_requested_dnc → yes;
    no keys, user_hangup, entered sc_opt_out → yes; key 9 with no key recorded ('') → no;
    connected, no transcript kept → yes; not connected, no transcript → no."""
    if asked_not_to_be_called(facts):
        return True
    return opt_out_key != NO_KEY and (opt_out_key in facts.digits or keys_unknown(facts))


def keys_that_opt_out(facts: RetellCallFacts) -> list[str]:
    """The opt-out keys under which this call is an opt-out, for a set-based statement: it looks the
    call row's own key up in this list instead of restating the rule in SQL."""
    return [key for key in POSSIBLE_KEYS if is_opt_out(facts, key)]


def opt_out_reason(facts: RetellCallFacts) -> str:
    """What the do-not-call entry says, for an operator reading the list."""
    if asked_not_to_be_called(facts):
        return "opted out by asking not to be called"
    if keys_unknown(facts):
        return "may have opted out: the call's key presses were not kept (an unrecorded call whose events never came)"
    return "opted out by key press"
