"""The callback option of a node flow, from its options screen: "📞 Callback" asks when the callee
is called back (in 1 hour, in 3 hours, tomorrow at the same time, or no callback), then which key
asks for it (typed: one key that is neither the opt-out key nor a key of the flow's menus), and comes
back to the options; a saved flow's view opens the same questions (saved_flow_options.py). Every
menu of the flow then says, in the call's language, "to be called back later, press <key>"
(services/calls/callbacks.py).

The offer lives in the wizard's draft (callback_drafts.py) until Save sends it in the FlowSpec, where
the calls service checks it again with the whole flow. Every button carries the draft's id
(flow_options.draft_button), so a button of a saved, discarded or replaced draft changes nothing.
"""

from __future__ import annotations

from typing import Any

from services.bot.callback_drafts import DELAY_IDS, draft_callback, key_refusal
from services.bot.flow_drafts import KEYPAD, menu_keys, opt_out_key
from services.bot.outgoing import Keyboard
from services.bot.routing import router
from services.bot.screens.flow_options import draft_button, of_open_draft, show_save_screen, with_open_draft
from services.bot.turn import Turn

# The delay chosen, kept in the conversation while its key is asked.
DELAY_KEY = "callback_delay"
OFF = "off"


def suggested_key(draft: dict[str, Any]) -> str:
    """The offer's key, or the first key from 8 down that is free (shown as an example)."""
    offer = draft_callback(draft)
    if offer is not None:
        return offer[0]
    taken = menu_keys(draft) | {opt_out_key(draft)}
    return next((key for key in "87654321#*0" if key not in taken), "8")


@router.button("fcb")
@of_open_draft
@with_open_draft
async def choose_callback(turn: Turn, args: list[str], draft: dict[str, Any]) -> None:
    """`fcb:<draft id>` asks when; `fcb:<draft id>:<minutes>` asks the key next; `fcb:<draft id>:off` removes it."""
    words = turn.words
    if draft.get("kind") == "ai":
        show_save_screen(turn)
        return
    choice = args[0] if args else ""
    if choice == OFF:
        draft.pop("callback", None)
        show_save_screen(turn)
        return
    if choice.isdigit() and int(choice) in DELAY_IDS:
        turn.conversation.data[DELAY_KEY] = int(choice)
        turn.conversation.state = "flow.callback_key"
        turn.show(words("callback.ask_key", key=suggested_key(draft), opt_out=opt_out_key(draft)),
                  Keyboard().row(draft_button(words("menu.back"), draft, "fcb")))
        return
    ask_delay(turn, draft)


def ask_delay(turn: Turn, draft: dict[str, Any]) -> None:
    """The callback's first question, when (or no callback); also opened from a saved flow's view
    (saved_flow_options.py). An AI script offers no callback: its options instead."""
    if draft.get("kind") == "ai":
        show_save_screen(turn)
        return
    words = turn.words
    turn.conversation.state = ""
    keyboard = Keyboard()
    for delay, message_id in DELAY_IDS.items():
        keyboard.row(draft_button(words(message_id), draft, "fcb", delay))
    keyboard.row(draft_button(words("callback.off"), draft, "fcb", OFF))
    keyboard.row(draft_button(words("menu.back"), draft, "fopts"))
    turn.show(words("callback.ask_delay"), keyboard)


@router.text("flow.callback_key")
@with_open_draft
async def receive_callback_key(turn: Turn, text: str, draft: dict[str, Any]) -> None:
    key = text.strip()
    refusal = key_refusal(draft, key)
    if refusal is not None:
        turn.send(turn.words(refusal, key=key if key in KEYPAD else "—"))
        return
    delay = turn.conversation.data.pop(DELAY_KEY, None)
    if not isinstance(delay, int) or delay not in DELAY_IDS:
        show_save_screen(turn)
        return
    draft["callback"] = {"key": key, "delay": delay}
    show_save_screen(turn)
