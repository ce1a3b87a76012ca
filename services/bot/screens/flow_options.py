"""The last screen of the flow wizard, before saving: the flow's task (an AI script's, typed here) and
its call options — the opt-out key, the language the call speaks, what to do on an answering
machine, and the voice (those for the call's language first). Each option is a button that asks and
comes back here; Save and Discard are on this screen. Editing a saved flow (flow_editing.py) uses
the same screen, with Save sending the flow's new version.

Every button of the wizard's and the options' screens carries its draft's id (draft_button), and
one check (pressed_draft) runs before its handler: a button of a draft that was saved, discarded or
replaced by a newer one says the draft is gone and changes nothing.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

from services.bot.callback_drafts import callback_line
from services.bot.flow_drafts import (
    CALL_LANGUAGES,
    KEYPAD,
    id_of,
    is_complete,
    menu_keys,
    opt_out_key,
    voices_for_language,
)
from services.bot.i18n import Words
from services.bot.outgoing import Button, Keyboard, button
from services.bot.routing import ButtonHandler, router
from services.bot.turn import Turn
from speechcue.calls.v1 import calls_pb2

# Telegram's messages hold 4,096 characters; the task must fit in one, with room for the screen.
MAX_PROMPT = 3000
MAX_VOICEMAIL_MESSAGE = 500
SHOWN_PROMPT = 1200
MAX_VOICES_SHOWN = 10


def draft_button(label: str, draft: dict[str, Any], screen: str, *parts: str | int) -> Button:
    """A button of the draft's screens: `screen:<draft id>:<parts>` (of_open_draft checks the id)."""
    return button(label, screen, id_of(draft), *parts)


def pressed_draft(turn: Turn, args: list[str]) -> dict[str, Any] | None:
    """The draft a pressed button names by its id (`args[0]`) while it is still the open one; else
    the draft is gone (saved, discarded or replaced): that is said, and nothing else changes — no
    answer is awaited, nothing is stored."""
    draft = turn.conversation.data.get("draft")
    if isinstance(draft, dict) and args and id_of(draft) and args[0] == id_of(draft):
        return draft
    turn.toast(turn.words("flow.draft_gone"))
    turn.show(turn.words("flow.draft_gone"), Keyboard().row(button(turn.words("menu.back"), "flows")))
    return None


def of_open_draft(handler: ButtonHandler) -> ButtonHandler:
    """A wizard's or options' button handler, run with the arguments after the draft's id only when
    the button is of the open draft."""
    @functools.wraps(handler)
    async def checked(turn: Turn, args: list[str]) -> None:
        if pressed_draft(turn, args) is not None:
            await handler(turn, args[1:])

    return checked


def show_save_screen(turn: Turn) -> None:
    """The options and the Save button, or a way back when the draft is gone. A saved flow's draft
    (flow_editing.py) saves as the flow's new version and goes back to its steps or its view."""
    words = turn.words
    draft = turn.conversation.data.get("draft")
    turn.conversation.state = ""
    if not draft or not is_complete(draft):
        turn.show(words("flow.draft_gone"), Keyboard().row(button(words("menu.back"), "flows")))
        return
    options = options_text(words, key=opt_out_key(draft), language=draft["language"],
                           leave_message=draft.get("voicemail_message", "") if draft.get("voicemail") == "leave"
                           else None)
    editing = bool(draft.get("edit_id"))
    if draft.get("kind") == "ai":
        text = f"{words('flow.ai_summary', name=draft['name'])}\n{shortened(draft['prompt'])}\n\n{options}"
    else:
        title = words("edit.options_title", name=draft["name"]) if editing else words("flow.complete_options",
                                                                                      name=draft["name"])
        text = f"{title}\n\n{options}\n{callback_line(words, draft)}"  # the callback (flow_callbacks.py)
    keyboard = (Keyboard().row(draft_button(words("flow.option_key"), draft, "fopt"),
                               draft_button(words("flow.option_language"), draft, "flang"))
                .row(draft_button(words("flow.option_voicemail"), draft, "fvm"),
                     draft_button(words("edit.option_voice"), draft, "fvc"))
                # The custom outcomes Retell's analysis answers after each call (flow_fields.py).
                .row(draft_button(words("fields.option", fields=len(draft.get("fields") or [])), draft, "ffld")))
    if draft.get("kind") != "ai":
        keyboard.row(draft_button(words("callback.option"), draft, "fcb"))
    if not editing:
        keyboard.row(draft_button(words("flow.save"), draft, "fsave"),
                     draft_button(words("flow.discard"), draft, "fdisc"))
    elif draft.get("kind") == "ai":
        keyboard.row(button(words("flow.save"), "edsave", draft["edit_id"]),
                     button(words("edit.leave"), "ed", draft["edit_id"], draft["revision"], "quit"))
    else:
        keyboard.row(button(words("flow.save"), "edsave", draft["edit_id"]),
                     button(words("edit.back_to_steps"), "ed", draft["edit_id"], draft["revision"], "ls"))
    turn.show(text, keyboard)


def options_text(words: Words, *, key: str, language: str, leave_message: str | None) -> str:
    """The three options in words; `language` is a `flow.language.<id>` id."""
    voicemail = (words("flow.voicemail.hang_up") if leave_message is None
                 else words("flow.voicemail.leave_with", message=shortened(leave_message, 80)))
    return words("flow.options", key=key, language=words(f"flow.language.{language}"), voicemail=voicemail)


def shortened(text: str, limit: int = SHOWN_PROMPT) -> str:
    return text if len(text) <= limit else f"{text[:limit - 1]}…"


OptionHandler = Callable[[Turn, Any, dict[str, Any]], Awaitable[None]]


def with_open_draft(handler: OptionHandler) -> Callable[[Turn, Any], Awaitable[None]]:
    """Runs an option's handler on the open, complete draft; an older screen's button pressed after
    the draft was saved or discarded gets the options screen, which says the draft is gone."""
    @functools.wraps(handler)
    async def on_open_draft(turn: Turn, answer: Any) -> None:
        draft = turn.conversation.data.get("draft")
        if not isinstance(draft, dict) or not is_complete(draft):
            show_save_screen(turn)
            return
        await handler(turn, answer, draft)

    return on_open_draft


@router.text("flow.prompt")
async def receive_prompt(turn: Turn, text: str) -> None:
    """An AI script's task, in the customer's words; the calls service wraps it in the disclosure and
    the opt-out and screens it like any flow."""
    draft = turn.conversation.data.get("draft")
    if not draft or draft.get("kind") != "ai":
        show_save_screen(turn)
        return
    if not text.strip() or len(text) > MAX_PROMPT:
        turn.send(turn.words("flow.bad_prompt", max=MAX_PROMPT))
        return
    draft["prompt"] = text.strip()
    show_save_screen(turn)


@router.button("fopt")
@of_open_draft
@with_open_draft
async def ask_opt_out_key(turn: Turn, args: list[str], draft: dict[str, Any]) -> None:
    turn.conversation.state = "flow.opt_out"
    turn.show(turn.words("flow.ask_opt_out", key=opt_out_key(draft)), Keyboard().row(
        draft_button(turn.words("menu.back"), draft, "fopts")))


@router.text("flow.opt_out")
@with_open_draft
async def receive_opt_out_key(turn: Turn, text: str, draft: dict[str, Any]) -> None:
    key = text.strip()
    if len(key) != 1 or key not in KEYPAD:
        turn.send(turn.words("flow.bad_opt_out"))
        return
    if key in menu_keys(draft):
        turn.send(turn.words("flow.opt_out_taken", key=key))
        return
    draft["opt_out_key"] = key
    show_save_screen(turn)


@router.button("flang")
@of_open_draft
@with_open_draft
async def choose_language(turn: Turn, args: list[str], draft: dict[str, Any]) -> None:
    """The language the call speaks: a list, then back to the options."""
    if args and args[0] in CALL_LANGUAGES:
        draft["language"] = args[0]
        show_save_screen(turn)
        return
    keyboard = Keyboard()
    for language in CALL_LANGUAGES:
        keyboard.row(draft_button(turn.words(f"flow.language.{language}"), draft, "flang", language))
    keyboard.row(draft_button(turn.words("menu.back"), draft, "fopts"))
    turn.show(turn.words("flow.ask_language"), keyboard)


@router.button("fvm")
@of_open_draft
@with_open_draft
async def choose_voicemail(turn: Turn, args: list[str], draft: dict[str, Any]) -> None:
    """On an answering machine: hang up, or leave a short message (asked for next)."""
    choice = args[0] if args else ""
    if choice == "hang_up":
        draft["voicemail"], draft["voicemail_message"] = "hang_up", ""
        show_save_screen(turn)
        return
    if choice == "leave":
        turn.conversation.state = "flow.voicemail"
        turn.show(turn.words("flow.ask_voicemail_message", max=MAX_VOICEMAIL_MESSAGE),
                  Keyboard().row(draft_button(turn.words("menu.back"), draft, "fopts")))
        return
    turn.show(turn.words("flow.ask_voicemail"),
              Keyboard().row(draft_button(turn.words("flow.voicemail.hang_up"), draft, "fvm", "hang_up"))
              .row(draft_button(turn.words("flow.voicemail.leave"), draft, "fvm", "leave"))
              .row(draft_button(turn.words("menu.back"), draft, "fopts")))


@router.text("flow.voicemail")
@with_open_draft
async def receive_voicemail_message(turn: Turn, text: str, draft: dict[str, Any]) -> None:
    if not text.strip() or len(text) > MAX_VOICEMAIL_MESSAGE:
        turn.send(turn.words("flow.bad_voicemail_message", max=MAX_VOICEMAIL_MESSAGE))
        return
    draft["voicemail"], draft["voicemail_message"] = "leave", text.strip()
    show_save_screen(turn)


@router.button("fvc")
@of_open_draft
@with_open_draft
async def choose_voice(turn: Turn, args: list[str], draft: dict[str, Any]) -> None:
    """The voice: those for the call's language first, each with its preview; then the options."""
    if args:
        draft["voice"] = "" if args[0] == "-" else args[0]
        show_save_screen(turn)
        return
    keyboard = await voices_keyboard(turn, draft, "fvc", chosen=draft.get("voice", ""))
    turn.show(turn.words("flow.ask_voice"), keyboard.row(draft_button(turn.words("menu.back"), draft, "fopts")))


async def voices_keyboard(turn: Turn, draft: dict[str, Any], screen: str, *, chosen: str = "") -> Keyboard:
    """Retell's voices as buttons `screen:<draft id>:<voice id>` (at most 10, those of the draft's
    language first, each with a preview link) and the default voice, `screen:<draft id>:-`."""
    language = draft["language"]
    answer = await turn.services.calls.ListVoices(calls_pb2.ListVoicesRequest(), timeout=turn.timeout)
    keyboard = Keyboard()
    offered = [voice for voice in voices_for_language(list(answer.voices), language) if len(voice.voice_id) <= 40]
    for voice in offered[:MAX_VOICES_SHOWN]:
        gender = turn.words.name_of(f"voice.gender.{voice.gender.lower()}", voice.gender)
        label = f"{'✓ ' if voice.voice_id == chosen else ''}{voice.name} ({gender})"
        row = [draft_button(label, draft, screen, voice.voice_id)]
        if voice.preview_audio_url:
            row.append(Button(turn.words("flow.voice_preview"), url=voice.preview_audio_url))
        keyboard.row(*row)
    keyboard.row(draft_button(turn.words("flow.voice_default"), draft, screen, "-"))
    return keyboard


@router.button("fopts")
@of_open_draft
async def back_to_options(turn: Turn, args: list[str]) -> None:
    show_save_screen(turn)
