"""One step of the flow wizard's draft, opened to be fixed or tuned before saving: its words, a
transfer's number, where its exits lead, and a menu's robustness settings (on a wrong key and on
silence: say it again up to 1-3 times, go to a step, or end the call). Reached from the problems that
keep a draft from being complete (flows.show_problems), from a menu just added, and from the
complete flow. Also the answer to the question about emoji and symbols: keep the words as they are,
and the test call.

A test call is an ordinary call to the customer's own phone (asked once, kept on the customer): the
calls service dials only a saved flow's approved version, so "📞 Test call to my phone" saves
the draft (CreateFlow, with its review) and, when it is approved, goes the normal call path with the
own number filled in: caller ID, quote, confirm, billed as any call (calling.py). A flow that waits
for review is not dialled, test or not. Retell's voice previews are offered where the voice is chosen.

Every screen goes back to the wizard (flows.ask_next_node), which checks the draft again: a fixed
draft is shown complete, a draft with problems left lists them again. Every button carries the
draft's id (flow_options.of_open_draft): one of a saved, discarded or replaced draft changes nothing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from services.bot.destination_check import allowed_destination
from services.bot.flow_checks import draft_problems, step_number
from services.bot.outgoing import Keyboard, button
from services.bot.routing import router
from services.bot.screens.calling import call_number_with
from services.bot.screens.flow_options import draft_button, of_open_draft, pressed_draft
from services.bot.screens.flows import (
    MAX_TEXT,
    STATUS_IDS,
    accept_text,
    ask_next_node,
    ask_next_node_as_message,
    create_from_draft,
    edit_saved_text,
    problem_line,
    questioned_symbols,
    start_wizard,
    step_title,
)
from services.bot.tables import telegram_users
from services.bot.turn import Turn
from services.calls.flow_rules import DEFAULT_MENU_REPEATS, MAX_MENU_REPEATS
from speechcue.calls.v1 import calls_pb2

# Exits a step leads through to the next step (re-opened by "choose again"); the fallbacks stay.
FALLBACK_KEYS = ("no_match", "timeout")
SHOWN_TARGETS = 12


def open_draft(turn: Turn) -> dict[str, Any] | None:
    draft = turn.conversation.data.get("draft")
    return draft if isinstance(draft, dict) and draft.get("kind") == "graph" else None


def node_of(draft: dict[str, Any], node_id: str) -> dict[str, Any] | None:
    return next((node for node in draft["nodes"] if node["id"] == node_id), None)


@router.button("wfix")
@of_open_draft
async def step_button(turn: Turn, args: list[str]) -> None:
    await open_step(turn, args)


async def open_step(turn: Turn, args: list[str]) -> None:
    """`wfix:<step>` the step's screen; `wfix:<step>:text|number|relink` fixes it; `wfix:-` goes back
    to the wizard."""
    draft = open_draft(turn)
    if draft is None:
        await start_wizard(turn, [])
        return
    node = node_of(draft, args[0]) if args else None
    if node is None:
        ask_next_node(turn, draft)
        return
    action = args[1] if len(args) > 1 else ""
    words = turn.words
    number = step_number(draft, node["id"])
    back = Keyboard().row(draft_button(words("menu.back"), draft, "wfix", node["id"]))
    if action == "text" and node["kind"] != "xfer":
        turn.conversation.expect("wizard.step_text", fix_node=node["id"])
        turn.show(words("wizard.ask_step_text", number=number, max=MAX_TEXT), back)
        return
    if action == "number" and node["kind"] == "xfer":
        turn.conversation.expect("wizard.step_number", fix_node=node["id"])
        turn.show(words("flow.ask_transfer"), back)
        return
    if action == "relink":
        reopen_exits(draft, node)
        ask_next_node(turn, draft)
        return
    turn.conversation.state = ""
    problems = [problem_line(words, draft, problem)
                for problem in draft_problems(draft, business_name=turn.customer.name) if problem.node_id == node["id"]]
    text = "\n".join([words("wizard.step_screen", number=number, title=step_title(words, node)), *problems])
    keyboard = Keyboard()
    if node["kind"] == "xfer":
        keyboard.row(draft_button(words("wizard.change_number"), draft, "wfix", node["id"], "number"))
    else:
        keyboard.row(draft_button(words("wizard.change_words"), draft, "wfix", node["id"], "text"))
    if any(key not in FALLBACK_KEYS for key, _ in node.get("edges", [])):
        keyboard.row(draft_button(words("wizard.relink"), draft, "wfix", node["id"], "relink"))
    if node["kind"] == "menu":
        keyboard.row(draft_button(words("wizard.menu_settings_button", number=number), draft, "wmenu", node["id"]))
    keyboard.row(draft_button(words("menu.back"), draft, "wfix", "-"))
    turn.show(text, keyboard)


def reopen_exits(draft: dict[str, Any], node: dict[str, Any]) -> None:
    """The step's exits are asked about again, first: where each key or its "next" leads."""
    exits = [[node["id"], key] for key, _ in node.get("edges", []) if key not in FALLBACK_KEYS]
    node["edges"] = [[key, target] for key, target in node.get("edges", []) if key in FALLBACK_KEYS]
    draft["open"][0:0] = exits


@router.text("wizard.step_text")
async def receive_step_text(turn: Turn, text: str) -> None:
    """A step's new words (questioned first when a voice would read symbols aloud)."""
    draft = open_draft(turn)
    if draft is None:
        await start_wizard(turn, [])
        return
    if not text.strip() or len(text) > MAX_TEXT:
        turn.send(turn.words("flow.bad_text", max=MAX_TEXT))
        return
    if questioned_symbols(turn, text):
        return
    set_step_text(turn, draft, text)


def set_step_text(turn: Turn, draft: dict[str, Any], text: str) -> None:
    node = node_of(draft, str(turn.conversation.data.get("fix_node", "")))
    if node is not None:
        node["text"] = text
    ask_next_node_as_message(turn, draft)


@router.text("wizard.step_number")
async def receive_step_number(turn: Turn, text: str) -> None:
    """A transfer step's new number, checked like a call's."""
    draft = open_draft(turn)
    if draft is None:
        await start_wizard(turn, [])
        return
    number = await allowed_destination(turn, text, bad_form_text="flow.bad_transfer")
    if number is None:
        return
    node = node_of(draft, str(turn.conversation.data.get("fix_node", "")))
    if node is not None:
        node["transfer_number"] = number
    ask_next_node_as_message(turn, draft)


@router.button("wkeep")
async def keep_words(turn: Turn, args: list[str]) -> None:
    """The words questioned for their emoji or symbols are kept as they are (a new step's, a step's
    new words in the wizard, or a saved flow's step edited with `fedit`)."""
    unsaid = turn.conversation.data.get("unsaid")
    if isinstance(unsaid, dict) and unsaid.get("state") == "flow.edit_text" == turn.conversation.state:
        turn.conversation.data.pop("unsaid", None)
        await edit_saved_text(turn, str(unsaid["text"]), symbols_kept=True)
        return
    if pressed_draft(turn, args) is None:  # a button of a saved, discarded or replaced draft
        return
    turn.conversation.data.pop("unsaid", None)
    draft = open_draft(turn)
    if draft is None or not isinstance(unsaid, dict) or unsaid.get("state") != turn.conversation.state:
        # An older question's button: the wizard goes on where it is.
        if draft is None:
            await start_wizard(turn, [])
        else:
            ask_next_node(turn, draft)
        return
    if unsaid["state"] == "wizard.step_text":
        set_step_text(turn, draft, str(unsaid["text"]))
    else:
        await accept_text(turn, draft, str(unsaid["text"]))


@router.button("wmenu")
@of_open_draft
async def menu_settings(turn: Turn, args: list[str]) -> None:
    """A menu's robustness: `wmenu:<step>` shows it; `:w:<repeat|go|end>` on a wrong key, `:g:<step>`
    the step a wrong key goes to, `:s:<repeat|end>` on silence, `:r:<1-3>` how many times it is said again."""
    draft = open_draft(turn)
    node = node_of(draft, args[0]) if draft is not None and args else None
    if draft is None or node is None or node["kind"] != "menu":
        await open_step(turn, args[:1])
        return
    setting, value = [*args[1:3], "", ""][:2]
    if setting == "w" and value in ("repeat", "end"):
        node["wrong_key"] = value
        node["edges"] = [edge for edge in node["edges"] if edge[0] != "no_match"]
    elif setting == "w" and value == "go":
        show_wrong_key_targets(turn, draft, node)
        return
    elif setting == "g" and node_of(draft, value) is not None:
        node["wrong_key"] = "go_to"
        node["edges"] = [edge for edge in node["edges"] if edge[0] != "no_match"] + [["no_match", value]]
    elif setting == "s" and value in ("repeat", "end"):
        node["silence"] = value
    elif setting == "r" and value.isdigit() and 1 <= int(value) <= MAX_MENU_REPEATS:
        node["repeats"] = int(value)
    show_menu_settings(turn, draft, node)


def show_menu_settings(turn: Turn, draft: dict[str, Any], node: dict[str, Any]) -> None:
    words = turn.words
    repeats = int(node.get("repeats") or DEFAULT_MENU_REPEATS)
    target = next((target for key, target in node["edges"] if key == "no_match"), "")
    wrong_key = node.get("wrong_key") or ("go_to" if target else "repeat")
    fallback_words = {"repeat": words("wizard.fallback.repeat", repeats=repeats),
                      "go_to": words("wizard.fallback.go_to", number=step_number(draft, target)),
                      "end": words("wizard.fallback.end")}
    text = words("wizard.menu_settings", number=step_number(draft, node["id"]), title=step_title(words, node),
                 wrong_key=fallback_words.get(wrong_key, fallback_words["repeat"]),
                 silence=fallback_words["end" if node.get("silence") == "end" else "repeat"])
    step = node["id"]
    keyboard = (Keyboard()
                .row(draft_button(words("wizard.wrong_key.repeat"), draft, "wmenu", step, "w", "repeat"),
                     draft_button(words("wizard.wrong_key.go"), draft, "wmenu", step, "w", "go"),
                     draft_button(words("wizard.wrong_key.end"), draft, "wmenu", step, "w", "end"))
                .row(draft_button(words("wizard.silence.repeat"), draft, "wmenu", step, "s", "repeat"),
                     draft_button(words("wizard.silence.end"), draft, "wmenu", step, "s", "end"))
                .row(*(draft_button(words("wizard.repeats_choice", times=count) + (" ✓" if count == repeats else ""),
                                    draft, "wmenu", step, "r", count) for count in range(1, MAX_MENU_REPEATS + 1)))
                .row(draft_button(words("menu.back"), draft, "wfix", "-")))
    turn.show(text, keyboard)


def show_wrong_key_targets(turn: Turn, draft: dict[str, Any], node: dict[str, Any]) -> None:
    keyboard = Keyboard()
    for number, target in enumerate(draft["nodes"][:SHOWN_TARGETS], start=1):
        if target["id"] != node["id"]:
            keyboard.row(draft_button(f"{number}. {step_title(turn.words, target)}"[:60], draft, "wmenu", node["id"],
                                      "g", target["id"]))
    keyboard.row(draft_button(turn.words("menu.back"), draft, "wmenu", node["id"]))
    turn.show(turn.words("wizard.pick_wrong_key_step"), keyboard)


@router.button("wtest")
@of_open_draft
async def test_call(turn: Turn, args: list[str]) -> None:
    """📞 Test call to my phone: the own number is asked the first time only."""
    draft = open_draft(turn)
    if draft is None or draft.get("open") or draft.get("edit_id"):
        await start_wizard(turn, [])
        return
    number = await own_number(turn)
    if number is None:
        turn.conversation.state = "wizard.own_number"
        turn.show(turn.words("wizard.ask_own_number"),
                  Keyboard().row(draft_button(turn.words("menu.back"), draft, "wfix", "-")))
        return
    await save_and_call(turn, draft, number)


@router.text("wizard.own_number")
async def receive_own_number(turn: Turn, text: str) -> None:
    """The customer's own phone, checked like any callee's, kept for the next test calls."""
    draft = open_draft(turn)
    if draft is None:
        await start_wizard(turn, [])
        return
    number = await allowed_destination(turn, text)
    if number is None:
        return
    await turn.uow.connection.execute(update(telegram_users).where(
        telegram_users.c.telegram_user_id == turn.telegram_user_id).values(own_number=number))
    turn.conversation.state = ""
    await save_and_call(turn, draft, number)


async def own_number(turn: Turn) -> str | None:
    return (await turn.uow.connection.execute(select(telegram_users.c.own_number).where(
        telegram_users.c.telegram_user_id == turn.telegram_user_id))).scalar_one_or_none()


async def save_and_call(turn: Turn, draft: dict[str, Any], number: str) -> None:
    flow = await create_from_draft(turn, draft)
    if flow is None:
        return
    words = turn.words
    turn.toast(words("toast.saved"))
    if flow.status != calls_pb2.FLOW_STATUS_APPROVED:
        turn.send(words("wizard.test_call_waits", name=flow.spec.name,
                        status=words(STATUS_IDS.get(flow.status, "flow.status.pending"))),
                  Keyboard().row(button(words("flow.open"), "flow", "view", flow.id)))
        return
    turn.send(words("wizard.test_call_saved", name=flow.spec.name, number=number),
              Keyboard().row(button(words("wizard.test_call_other_number"), "wtestn", flow.id)))
    turn.pressed_message_id = None
    await call_number_with(turn, flow, number)


@router.button("wtestn")
async def test_call_other_number(turn: Turn, args: list[str]) -> None:
    """A saved flow's test call to another own number: asked, kept, then the normal call path."""
    flow = await turn.services.calls.GetFlow(calls_pb2.GetFlowRequest(
        customer_id=turn.customer_id, flow_id=args[0] if args else ""), timeout=turn.timeout)
    turn.conversation.reset()
    turn.conversation.expect("wizard.own_number_again", test_flow=flow.id)
    turn.show(turn.words("wizard.ask_own_number"), Keyboard().row(button(turn.words("menu.back_home"), "home")))


@router.text("wizard.own_number_again")
async def receive_other_own_number(turn: Turn, text: str) -> None:
    number = await allowed_destination(turn, text)
    if number is None:
        return
    await turn.uow.connection.execute(update(telegram_users).where(
        telegram_users.c.telegram_user_id == turn.telegram_user_id).values(own_number=number))
    flow = await turn.services.calls.GetFlow(calls_pb2.GetFlowRequest(
        customer_id=turn.customer_id, flow_id=str(turn.conversation.data.get("test_flow", ""))), timeout=turn.timeout)
    await call_number_with(turn, flow, number)
