"""Editing a saved flow's structure: its steps in the call's order, and for each step moving it up
or down, inserting a step before or after it, changing where its keys lead, changing its words and
removing it (confirmed first, with what becomes of the steps that lead to it). The call options are
the options screen's (flow_options.py); Save sends the new version with UpdateFlow.

The draft (flow_drafts.draft_of) is kept in the conversation like the wizard's. The structural rules
are flow_edits.py's; whether the result can be saved is check_spec's, the calls service's own rule,
asked the way the wizard asks it (flow_checks.py): the steps screen says what Save would refuse,
naming each step, and Save is not sent until nothing is left.
Every button carries the draft's edit id and revision: a button of an earlier draft (saved, or left
for another) says the draft is gone and changes nothing; a button of an older screen of this draft
shows the steps as they are now, since the step it names may have moved.
"""

from __future__ import annotations

from typing import Any

import grpc

from services.bot.destination_check import allowed_destination
from services.bot.flow_checks import DraftProblem, draft_problems, refusal_problems
from services.bot.flow_drafts import KEYPAD, draft_of, edited_spec, graph_of, opt_out_key
from services.bot.flow_edits import (
    ENDINGS,
    NEXT,
    PASS_THROUGH,
    Refusal,
    Removal,
    add_ending,
    free_id,
    in_call_order,
    insert_step,
    lead_to,
    leading_to,
    move_step,
    node_at,
    removal_of,
    remove_key,
    remove_step,
)
from services.bot.flow_picture import describe_flow_text
from services.bot.i18n import Words
from services.bot.outgoing import Keyboard, button
from services.bot.routing import router
from services.bot.screens.flow_options import draft_button, show_save_screen
from services.bot.screens.flows import (
    MAX_NODES,
    MAX_TEXT,
    SHOWN_PROBLEMS,
    STATUS_IDS,
    edit_notice,
    flow_action,
    picture_labels,
    problem_line,
    versions_line,
)
from services.bot.screens.saved_flow_options import EDITORS
from services.bot.turn import Turn
from services.runtime.grpc_client import refusal_metadata, refusal_reason
from speechcue.calls.v1 import calls_pb2

Draft = dict[str, Any]
REFUSAL_TEXTS = {
    "gone": "edit.refused.gone",
    "insert_after_branch": "edit.refused.insert_after_branch",
    "last_step": "edit.refused.last_step",
    "first_step": "edit.refused.first_step",
    "led_to": "edit.refused.led_to",
    "move_branch": "edit.refused.move_branch",
    "move_down_end": "edit.refused.move_down_end",
    "move_shared": "edit.refused.move_shared",
    "move_up_start": "edit.refused.move_up_start",
    "last_key": "edit.refused.last_key",
}
# Buttons that name no step: pressed on an older screen of the same draft, they still work.
SHOWING = frozenset({"ls", "quit"})
SHOWN_WORDS = 28


def open_edit(turn: Turn, edit_id: str) -> Draft | None:
    draft = turn.conversation.data.get("draft")
    if isinstance(draft, dict) and draft.get("edit_id") and draft.get("edit_id") == edit_id:
        return draft
    return None


def edit_button(label: str, draft: Draft, action: str, *args: str | int) -> Any:
    return button(label, "ed", draft["edit_id"], draft["revision"], action, *args)


def changed(draft: Draft) -> None:
    """A change was made: buttons of the screens before it are out of date."""
    draft["revision"] = int(draft["revision"]) + 1
    draft.pop("pending", None)


def refusal_text(words: Words, refusal: Refusal) -> str:
    return words(REFUSAL_TEXTS[refusal.reason], steps=", ".join(refusal.steps))


def step_label(node: dict[str, Any], number: int) -> str:
    words = node.get("text") or node.get("transfer_number") or ""
    return f"{number}. {node['id']}: {words[:SHOWN_WORDS]}"


def show_gone(turn: Turn, *, pressed: bool = False) -> None:
    """The edit is no longer open. A typed answer's question is over; a pressed button of an older
    draft leaves the open draft's question, if any, as it is."""
    if pressed:
        turn.toast(turn.words("edit.gone"))
    else:
        turn.conversation.state = ""
    turn.show(turn.words("edit.gone"), Keyboard().row(button(turn.words("menu.back"), "flows")))


@router.button("edopen")
async def open_editor(turn: Turn, args: list[str]) -> None:
    """A saved flow into a draft: a graph's steps, or an AI script's options (it has no steps);
    `edopen:<flow id>:fields` or `:callback` opens that option's screen (from the flow's view)."""
    flow = await turn.services.calls.GetFlow(calls_pb2.GetFlowRequest(
        customer_id=turn.customer_id, flow_id=args[0] if args else ""), timeout=turn.timeout)
    turn.conversation.reset()
    draft = draft_of(flow, edit_id=format(turn.update_id, "x"))
    in_call_order(draft)  # numbered as the picture and the text number them
    turn.conversation.data["draft"] = draft
    if len(args) > 1 and args[1] in EDITORS:
        EDITORS[args[1]](turn, draft)
        return
    if draft["kind"] == "ai":
        show_save_screen(turn)
        return
    show_steps(turn, draft, note=edit_notice(turn.words, flow).strip())


def problems_of(draft: Draft) -> list[DraftProblem]:
    return draft_problems(draft, business_name=str(draft.get("business_name") or "-"))


def show_steps(turn: Turn, draft: Draft, note: str = "", problems: list[DraftProblem] | None = None) -> None:
    """The steps in the call's order (as the picture numbers them), each a button, and what Save would
    refuse (`problems`: a refusal's; else the draft's own)."""
    words = turn.words
    turn.conversation.state = ""
    draft.pop("pending", None)
    problems = problems_of(draft) if problems is None else problems
    lines = [problem_line(words, draft, problem) for problem in problems[:SHOWN_PROBLEMS]]
    check = "\n".join([words("edit.problems_title"), *lines]) if lines else words("edit.ready")
    text = "\n\n".join(part for part in (
        note, words("edit.steps_title", name=draft["name"]),
        describe_flow_text(graph_of(draft), picture_labels(words)), check, words("edit.steps_hint")) if part)
    keyboard = Keyboard()
    buttons = [edit_button(step_label(node, number), draft, "st", number - 1)
               for number, node in enumerate(draft["nodes"], start=1)]
    for first in range(0, len(buttons), 2):
        keyboard.row(*buttons[first:first + 2])
    keyboard.row(draft_button(words("edit.options"), draft, "fopts"),
                 button(words("flow.save"), "edsave", draft["edit_id"]))
    keyboard.row(edit_button(words("edit.leave"), draft, "quit"))
    turn.show(text[:4000], keyboard)


def show_step(turn: Turn, draft: Draft, index: int, note: str = "") -> None:
    words = turn.words
    turn.conversation.state = ""
    draft.pop("pending", None)
    node = draft["nodes"][index]
    labels = picture_labels(words)
    goes = ", ".join(f"{labels.key_name(key)} → {target}" for key, target in node.get("edges", []))
    coming = ", ".join(source if key == NEXT else f"{source} ({labels.key_name(key)})"
                       for source, key in leading_to(draft, node["id"]))
    lines = [note, words("edit.step", number=index + 1, node=node["id"], kind=words(f"flow.kind.{node['kind']}")),
             f"“{node.get('text') or node.get('transfer_number', '')}”",
             words("edit.step_goes", steps=goes) if goes else "",
             words("edit.step_reached", steps=coming) if coming else words("edit.step_first") if index == 0 else ""]
    keyboard = Keyboard()
    if node["kind"] in PASS_THROUGH:
        keyboard.row(edit_button(words("edit.move_up"), draft, "up", index),
                     edit_button(words("edit.move_down"), draft, "dn", index))
    keyboard.row(edit_button(words("edit.insert_before"), draft, "ib", index),
                 *([edit_button(words("edit.insert_after"), draft, "ia", index)] if node["kind"] in PASS_THROUGH
                   else []))
    if node["kind"] == "menu":
        keyboard.row(edit_button(words("edit.keys"), draft, "ky", index))
    elif node["kind"] in PASS_THROUGH:
        keyboard.row(edit_button(words("edit.leads_to"), draft, "kt", index, NEXT))
    if node["kind"] != "xfer":
        keyboard.row(edit_button(words("edit.words"), draft, "tx", index))
    keyboard.row(edit_button(words("edit.remove"), draft, "rm", index))
    keyboard.row(edit_button(words("menu.back"), draft, "ls"))
    turn.show("\n".join(line for line in lines if line), keyboard)


def show_keys(turn: Turn, draft: Draft, index: int, note: str = "") -> None:
    """A menu's keys, each with where it leads: change its target or remove it, or add a key."""
    words = turn.words
    node = draft["nodes"][index]
    labels = picture_labels(words)
    keyboard = Keyboard()
    for key, target in node["edges"]:
        keyboard.row(edit_button(f"{labels.key_name(key)} → {target}", draft, "kt", index, key),
                     edit_button(words("edit.key_remove", key=labels.key_name(key)), draft, "kx", index, key))
    keyboard.row(edit_button(words("edit.key_add"), draft, "ka", index))
    keyboard.row(edit_button(words("menu.back"), draft, "st", index))
    text = words("edit.keys_title", node=node["id"], text=node.get("text", "")[:200])
    turn.show(f"{note}\n\n{text}" if note else text, keyboard)


def show_targets(turn: Turn, draft: Draft, index: int, key: str) -> None:
    """Where the step's key (or its "next") should lead: a step, or a new ending."""
    words = turn.words
    node = draft["nodes"][index]
    keyboard = Keyboard()
    for number, target in enumerate(draft["nodes"], start=1):
        if key == NEXT and target["id"] == node["id"]:
            continue  # a message that leads to itself never ends
        keyboard.row(edit_button(step_label(target, number), draft, "kg", index, key, number - 1))
    keyboard.row(edit_button(words("flow.kind.end"), draft, "kn", index, key, "end"),
                 edit_button(words("flow.kind.xfer"), draft, "kn", index, key, "xfer"))
    keyboard.row(edit_button(words("menu.back"), draft, "ky" if node["kind"] == "menu" else "st", index))
    what = (words("edit.target_next", node=node["id"]) if key == NEXT
            else words("edit.target_key", node=node["id"], key=picture_labels(words).key_name(key)))
    turn.show(what, keyboard)


@router.button("ed")
async def edit_action(turn: Turn, args: list[str]) -> None:
    """`ed:<edit id>:<revision>:<action>[:<step number>[:…]]`, the editor's buttons."""
    draft = open_edit(turn, args[0] if args else "")
    if draft is None:
        show_gone(turn, pressed=True)
        return
    revision, action, rest = (args[1:2] or [""])[0], (args[2:3] or [""])[0], args[3:]
    index = int(rest[0]) if rest and rest[0].isdigit() else -1
    if action == "quit":  # the draft is dropped: its Save buttons say so from now on
        turn.conversation.reset()
        await flow_action(turn, ["view", draft["flow_id"]])
        return
    if action in SHOWING or revision != str(draft["revision"]) or not 0 <= index < len(draft["nodes"]):
        show_steps(turn, draft, note="" if action in SHOWING or revision == str(draft["revision"])
                   else turn.words("edit.outdated"))
        return
    handler = ACTIONS.get(action)
    if handler is None:
        show_steps(turn, draft)
        return
    await handler(turn, draft, index, rest[1:])


async def step_screen(turn: Turn, draft: Draft, index: int, args: list[str]) -> None:
    show_step(turn, draft, index)


async def move(turn: Turn, draft: Draft, index: int, args: list[str], *, up: bool) -> None:
    node_id = draft["nodes"][index]["id"]
    refusal = move_step(draft, node_id, up=up)
    if refusal is not None:
        show_step(turn, draft, index, note=refusal_text(turn.words, refusal))
        return
    changed(draft)
    show_steps(turn, draft, note=turn.words("edit.moved", node=node_id))


async def move_up(turn: Turn, draft: Draft, index: int, args: list[str]) -> None:
    await move(turn, draft, index, args, up=True)


async def move_down(turn: Turn, draft: Draft, index: int, args: list[str]) -> None:
    await move(turn, draft, index, args, up=False)


async def ask_insert_kind(turn: Turn, draft: Draft, index: int, args: list[str], *, where: str) -> None:
    words = turn.words
    if len(draft["nodes"]) >= MAX_NODES:
        show_step(turn, draft, index, note=words("flow.too_many_nodes", max=MAX_NODES))
        return
    node_id = draft["nodes"][index]["id"]
    keyboard = Keyboard().row(*(edit_button(words(f"flow.kind.{kind}"), draft, "ik", index, where, kind)
                                for kind in ("msg", "menu", "digits")))
    keyboard.row(edit_button(words("menu.back"), draft, "st", index))
    turn.show(words("edit.ask_insert_before" if where == "b" else "edit.ask_insert_after", node=node_id), keyboard)


async def insert_before(turn: Turn, draft: Draft, index: int, args: list[str]) -> None:
    await ask_insert_kind(turn, draft, index, args, where="b")


async def insert_after(turn: Turn, draft: Draft, index: int, args: list[str]) -> None:
    await ask_insert_kind(turn, draft, index, args, where="a")


async def ask_inserted_words(turn: Turn, draft: Draft, index: int, args: list[str]) -> None:
    where, kind = [*args, "", ""][:2]
    if where not in ("b", "a") or kind not in ("msg", "menu", "digits"):
        show_steps(turn, draft)
        return
    draft["pending"] = {"op": "insert", "where": where, "anchor": draft["nodes"][index]["id"], "kind": kind}
    turn.conversation.state = "edit.text"
    turn.show(turn.words(f"flow.ask_text.{kind}", max=MAX_TEXT),
              Keyboard().row(edit_button(turn.words("menu.back"), draft, "st", index)))


async def keys_screen(turn: Turn, draft: Draft, index: int, args: list[str]) -> None:
    if draft["nodes"][index]["kind"] != "menu":
        show_step(turn, draft, index)
        return
    show_keys(turn, draft, index)


async def targets_screen(turn: Turn, draft: Draft, index: int, args: list[str]) -> None:
    key = args[0] if args else ""
    if not may_lead(draft, draft["nodes"][index], key):
        show_step(turn, draft, index)
        return
    show_targets(turn, draft, index, key)


def may_lead(draft: Draft, node: dict[str, Any], key: str) -> bool:
    """A key the step has, its "next", or (a menu) a key of the keypad other than the opt-out key."""
    return (key in {k for k, _ in node.get("edges", [])} or (key == NEXT and node["kind"] in PASS_THROUGH)
            or (node["kind"] == "menu" and key in KEYPAD and key != opt_out_key(draft)))


async def set_target(turn: Turn, draft: Draft, index: int, args: list[str]) -> None:
    key, target = [*args, "", ""][:2]
    node = draft["nodes"][index]
    if not target.isdigit() or int(target) >= len(draft["nodes"]) or not may_lead(draft, node, key):
        show_step(turn, draft, index)
        return
    target_id = draft["nodes"][int(target)]["id"]
    refusal = lead_to(draft, node["id"], key, target_id)
    if refusal is not None:
        show_step(turn, draft, index, note=refusal_text(turn.words, refusal))
        return
    changed(draft)
    after = draft["nodes"].index(node)
    note = turn.words("edit.now_leads", node=node["id"], key=picture_labels(turn.words).key_name(key),
                      target=target_id)
    if node["kind"] == "menu":
        show_keys(turn, draft, after, note=note)
    else:
        show_steps(turn, draft, note=note)


async def ask_ending(turn: Turn, draft: Draft, index: int, args: list[str]) -> None:
    key, kind = [*args, "", ""][:2]
    if kind not in ENDINGS or len(draft["nodes"]) >= MAX_NODES or not may_lead(draft, draft["nodes"][index], key):
        show_step(turn, draft, index, note=turn.words("flow.too_many_nodes", max=MAX_NODES) if kind in ENDINGS
                  else "")
        return
    draft["pending"] = {"op": "ending", "anchor": draft["nodes"][index]["id"], "key": key, "kind": kind}
    back = Keyboard().row(edit_button(turn.words("menu.back"), draft, "st", index))
    if kind == "xfer":
        turn.conversation.state = "edit.transfer"
        turn.show(turn.words("flow.ask_transfer"), back)
    else:
        turn.conversation.state = "edit.text"
        turn.show(turn.words("flow.ask_text.end", max=MAX_TEXT), back)


async def drop_key(turn: Turn, draft: Draft, index: int, args: list[str]) -> None:
    node = draft["nodes"][index]
    refusal = remove_key(draft, node["id"], args[0] if args else "")
    if refusal is not None:
        show_keys(turn, draft, index, note=refusal_text(turn.words, refusal))
        return
    changed(draft)
    show_keys(turn, draft, draft["nodes"].index(node), note=turn.words("edit.key_removed", key=args[0]))


async def ask_new_key(turn: Turn, draft: Draft, index: int, args: list[str]) -> None:
    draft["pending"] = {"op": "key", "anchor": draft["nodes"][index]["id"]}
    turn.conversation.state = "edit.key"
    turn.show(turn.words("edit.ask_key", key=opt_out_key(draft)),
              Keyboard().row(edit_button(turn.words("menu.back"), draft, "ky", index)))


async def ask_words(turn: Turn, draft: Draft, index: int, args: list[str]) -> None:
    node = draft["nodes"][index]
    draft["pending"] = {"op": "words", "anchor": node["id"]}
    turn.conversation.state = "edit.text"
    turn.show(turn.words("flow.ask_new_text", node=node["id"], max=MAX_TEXT),
              Keyboard().row(edit_button(turn.words("menu.back"), draft, "st", index)))


async def confirm_removal(turn: Turn, draft: Draft, index: int, args: list[str]) -> None:
    """Says what removing the step does to the steps that lead to it, or why it cannot go."""
    words = turn.words
    node = draft["nodes"][index]
    plan = removal_of(draft, node["id"])
    back = edit_button(words("menu.back"), draft, "st", index)
    if isinstance(plan, Refusal):
        turn.show(refusal_text(words, plan), Keyboard().row(back))
        return
    turn.show("\n".join([words("edit.remove_confirm", node=node["id"],
                                text=(node.get("text") or node.get("transfer_number", ""))[:80]),
                         *removal_lines(words, plan)]),
              Keyboard().row(edit_button(words("edit.remove_yes"), draft, "rmok", index), back))


def removal_lines(words: Words, plan: Removal) -> list[str]:
    labels = picture_labels(words)
    lines = []
    if plan.redirected:
        steps = ", ".join(source if key == NEXT else f"{source} ({labels.key_name(key)})"
                          for source, key in plan.redirected)
        lines.append(words("edit.remove_redirects", steps=steps, target=plan.new_target))
    for menu, key in plan.dropped_keys:
        lines.append(words("edit.remove_drops_key", menu=menu, key=labels.key_name(key)))
    if plan.new_start:
        lines.append(words("edit.remove_new_start", target=plan.new_start))
    return lines


async def remove(turn: Turn, draft: Draft, index: int, args: list[str]) -> None:
    node_id = draft["nodes"][index]["id"]
    plan = removal_of(draft, node_id)
    if isinstance(plan, Refusal):
        show_step(turn, draft, index, note=refusal_text(turn.words, plan))
        return
    remove_step(draft, plan)
    changed(draft)
    show_steps(turn, draft, note=turn.words("edit.removed", node=node_id))


ACTIONS = {"st": step_screen, "up": move_up, "dn": move_down, "ib": insert_before, "ia": insert_after,
           "ik": ask_inserted_words, "ky": keys_screen, "kt": targets_screen, "kg": set_target, "kn": ask_ending,
           "kx": drop_key, "ka": ask_new_key, "tx": ask_words, "rm": confirm_removal, "rmok": remove}


def pending_of(turn: Turn) -> tuple[Draft, dict[str, Any]] | None:
    draft = turn.conversation.data.get("draft")
    if not isinstance(draft, dict) or not draft.get("edit_id") or not isinstance(draft.get("pending"), dict):
        return None
    return draft, draft["pending"]


def after_typed_change(turn: Turn, draft: Draft, note: str) -> None:
    """The steps again, as a new message below the customer's answer."""
    changed(draft)
    turn.pressed_message_id = None
    show_steps(turn, draft, note=note)


@router.text("edit.text")
async def receive_words(turn: Turn, text: str) -> None:
    """The words of a step being inserted, of a new ending, or a step's new words."""
    found = pending_of(turn)
    if found is None:
        show_gone(turn)
        return
    draft, pending = found
    if not text.strip() or len(text) > MAX_TEXT:
        turn.send(turn.words("flow.bad_text", max=MAX_TEXT))
        return
    anchor = node_at(draft, pending.get("anchor", ""))
    if anchor is None:
        show_gone(turn)
        return
    if pending["op"] == "words":
        anchor["text"] = text
        after_typed_change(turn, draft, turn.words("edit.words_changed", node=anchor["id"]))
    elif pending["op"] == "ending":
        add_typed_ending(turn, draft, pending, {"kind": "end", "text": text})
    elif pending["kind"] in ("menu", "digits"):
        pending["text"] = text
        turn.conversation.state = "edit.keys" if pending["kind"] == "menu" else "edit.digits"
        turn.send(turn.words("flow.ask_keys" if pending["kind"] == "menu" else "flow.ask_digits"),
                  Keyboard().row(edit_button(turn.words("menu.back"), draft, "st", draft["nodes"].index(anchor))))
    else:
        insert_typed(turn, draft, pending, {"kind": "msg", "text": text})


def add_typed_ending(turn: Turn, draft: Draft, pending: dict[str, Any], ending: dict[str, Any]) -> None:
    new_id = free_id(draft)  # the id add_ending gives it
    refusal = add_ending(draft, pending["anchor"], pending["key"], ending)
    after_typed_change(turn, draft, refusal_text(turn.words, refusal) if refusal else
                       turn.words("edit.inserted", node=new_id))


def insert_typed(turn: Turn, draft: Draft, pending: dict[str, Any], node: dict[str, Any],
                 keys: tuple[str, ...] = ()) -> None:
    where = {"before": pending["anchor"]} if pending["where"] == "b" else {"after": pending["anchor"]}
    before_ids = {n["id"] for n in draft["nodes"]}
    refusal = insert_step(draft, node, keys=keys, **where)
    new_id = next((n["id"] for n in draft["nodes"] if n["id"] not in before_ids), "")
    after_typed_change(turn, draft, refusal_text(turn.words, refusal) if refusal else
                       turn.words("edit.inserted", node=new_id))


@router.text("edit.keys")
async def receive_menu_keys(turn: Turn, text: str) -> None:
    """A new menu's keys: each leads on to the step it was inserted before (or after) until changed."""
    found = pending_of(turn)
    if found is None:
        show_gone(turn)
        return
    draft, pending = found
    keys = [character for character in text if not character.isspace() and character != ","]
    if not keys or any(key not in KEYPAD for key in keys) or len(set(keys)) != len(keys) or len(keys) > 9:
        turn.send(turn.words("flow.bad_keys"))
        return
    if opt_out_key(draft) in keys:
        turn.send(turn.words("flow.keys_opt_out", key=opt_out_key(draft)))
        return
    insert_typed(turn, draft, pending, {"kind": "menu", "text": pending.get("text", "")}, tuple(keys))


@router.text("edit.digits")
async def receive_digit_count(turn: Turn, text: str) -> None:
    found = pending_of(turn)
    if found is None:
        show_gone(turn)
        return
    draft, pending = found
    if not text.isdigit() or not 1 <= int(text) <= 20:
        turn.send(turn.words("flow.bad_digits"))
        return
    insert_typed(turn, draft, pending, {"kind": "digits", "text": pending.get("text", ""), "max_digits": int(text)})


@router.text("edit.transfer")
async def receive_transfer_number(turn: Turn, text: str) -> None:
    """A new transfer step's number, checked like a call's."""
    found = pending_of(turn)
    if found is None:
        show_gone(turn)
        return
    draft, pending = found
    number = await allowed_destination(turn, text, bad_form_text="flow.bad_transfer")
    if number is None:
        return
    add_typed_ending(turn, draft, pending, {"kind": "xfer", "text": "", "transfer_number": number})


@router.text("edit.key")
async def receive_new_key(turn: Turn, text: str) -> None:
    """A key the menu does not offer yet; then where it leads."""
    found = pending_of(turn)
    if found is None:
        show_gone(turn)
        return
    draft, pending = found
    menu = node_at(draft, pending.get("anchor", ""))
    if menu is None:
        show_gone(turn)
        return
    key = text.strip()
    if len(key) != 1 or key not in KEYPAD:
        turn.send(turn.words("flow.bad_opt_out"))
        return
    if key == opt_out_key(draft):
        turn.send(turn.words("flow.keys_opt_out", key=key))
        return
    if key in {k for k, _ in menu["edges"]}:
        turn.send(turn.words("edit.key_taken", key=key, node=menu["id"]))
        return
    turn.conversation.state = ""
    turn.pressed_message_id = None
    show_targets(turn, draft, draft["nodes"].index(menu), key)


@router.button("edsave")
async def save_edit(turn: Turn, args: list[str]) -> None:
    """The edited flow as the flow's new version: the calls service checks it again, keeps the
    approved version for calls while the new one waits for review, and refuses a stale edit."""
    words = turn.words
    draft = open_edit(turn, args[0] if args else "")
    if draft is None:
        show_gone(turn, pressed=True)
        return
    if draft["kind"] == "graph" and (problems := problems_of(draft)):
        show_steps(turn, draft, note=words("edit.not_saved"), problems=problems)
        return
    saved = await turn.services.calls.GetFlow(calls_pb2.GetFlowRequest(
        customer_id=turn.customer_id, flow_id=draft["flow_id"]), timeout=turn.timeout)
    try:
        updated = await turn.services.calls.UpdateFlow(calls_pb2.UpdateFlowRequest(
            idempotency_key=turn.key("update-flow"), customer_id=turn.customer_id, flow_id=draft["flow_id"],
            spec=edited_spec(draft, saved.spec), expected_version=int(draft["version"])), timeout=turn.timeout)
    except grpc.aio.AioRpcError as error:
        # What the bot cannot check itself (the countries a transfer may reach) comes back naming its step.
        if draft["kind"] != "graph" or refusal_reason(error) != "FLOW_INVALID":
            raise
        show_steps(turn, draft, note=words("edit.not_saved"),
                   problems=refusal_problems(draft, refusal_metadata(error).get("problems", "")))
        return
    turn.conversation.reset()
    turn.toast(words("toast.saved"))
    text = words("flow.updated", name=updated.spec.name,
                 status=words(STATUS_IDS.get(updated.status, "flow.status.pending")))
    if versions := versions_line(words, updated):
        text = f"{text}\n{versions}"
    turn.show(text, Keyboard().row(button(words("flow.open"), "flow", "view", updated.id))
              .row(button(words("menu.back"), "flows")))
