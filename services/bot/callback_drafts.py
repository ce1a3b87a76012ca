"""A flow's callback offer in the wizard's draft and in the FlowSpec it becomes. Pure.

The draft keeps it as `"callback": {"key": "8", "delay": 60}` (delay in minutes, 0 for tomorrow;
absent: no callback), and Save sends it as FlowSpec.callback (flow_drafts.spec_of). What the offer
does in a call and in a campaign is the calls service's rule (services/calls/callbacks.py); the key
is checked here against the opt-out key and the menus' keys before it is kept, and again with the
whole flow on Save.
"""

from __future__ import annotations

from typing import Any

from services.bot.flow_drafts import KEYPAD, menu_keys, opt_out_key
from services.bot.i18n import Words
from services.calls.callbacks import OFFERED_DELAYS, TOMORROW

# The delays the options screen offers, in words.
DELAY_IDS = {60: "callback.delay.hour", 180: "callback.delay.three_hours", TOMORROW: "callback.delay.tomorrow"}
assert set(DELAY_IDS) == set(OFFERED_DELAYS)


def draft_callback(draft: dict[str, Any]) -> tuple[str, int] | None:
    """(key, delay minutes) of the draft's offer; None when it offers no callback."""
    entry = draft.get("callback")
    if not isinstance(entry, dict) or not entry.get("key"):
        return None
    return str(entry["key"]), int(entry.get("delay", TOMORROW))


def key_refusal(draft: dict[str, Any], key: str) -> str | None:
    """Why `key` cannot ask for the callback (a message id taking {key}); None when it can."""
    if len(key) != 1 or key not in KEYPAD:
        return "callback.bad_key"
    if key == opt_out_key(draft):
        return "callback.key_is_opt_out"
    if key in menu_keys(draft):
        return "callback.key_taken"
    return None


def delay_words(words: Words, delay: int) -> str:
    """"in 1 hour", "tomorrow"; another delay (a flow saved elsewhere) in minutes."""
    return words(DELAY_IDS[delay]) if delay in DELAY_IDS else words.plural("callback.delay.minutes", delay)


def callback_line(words: Words, draft: dict[str, Any]) -> str:
    """The options screen's line: the offer's key and delay, or that none is offered."""
    offer = draft_callback(draft)
    if offer is None:
        return words("callback.line_off")
    return words("callback.line", key=offer[0], delay=delay_words(words, offer[1]))
