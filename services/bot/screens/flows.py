"""IVR flows: the list, a wizard that builds a flow node by node (or takes an AI script's task), the
picture and the text of a flow, editing a node's words or the task, deleting, and the review status
(flow 2). The wizard's last screen, the call options and Save, is in flow_options.

The wizard keeps a draft in the conversation: its nodes and the exits still open (a message's
"next", each key of a menu). It always asks about the first open exit: a new node of some kind, or
an existing node (which makes loops possible). When no exit is open, the draft is checked by the calls
service's own rule (flow_checks.py): only a draft Save will accept is shown as complete; otherwise
each problem names its step, with a button that opens the step to fix it (wizard_steps.py). Save
checks again, and a refusal from the calls service names the step the same way. Words with emoji or
symbols a voice would read aloud are questioned before they are taken.

Each button of the wizard carries its draft's id and is checked before it acts (flow_options.of_open_draft):
pressed after its draft was saved, discarded or replaced, it says the draft is gone and changes nothing.
"""

from __future__ import annotations

from typing import Any

import grpc

from services.bot.destination_check import allowed_destination
from services.bot.flow_checks import DraftProblem, draft_problems, refusal_problems, step_number
from services.bot.flow_drafts import KINDS, graph_of, is_complete, language_id, new_draft, opt_out_key, spec_of
from services.bot.flow_picture import FlowPictureLabels, describe_flow_text, render_flow_png
from services.bot.i18n import Words
from services.bot.outgoing import Keyboard, button
from services.bot.pages import page_to_show, paging_buttons
from services.bot.routing import router
from services.bot.screens.campaign_variables import flow_variables_line
from services.bot.screens.flow_options import (
    MAX_PROMPT,
    draft_button,
    of_open_draft,
    options_text,
    shortened,
    show_save_screen,
    voices_keyboard,
)
from services.bot.screens.saved_flow_options import saved_options_buttons, saved_options_text
from services.bot.spoken_symbols import read_aloud_symbols
from services.bot.turn import Turn
from services.calls.flow_rules import DEFAULT_MENU_REPEATS
from services.runtime.grpc_client import refusal_metadata, refusal_reason
from speechcue.calls.v1 import calls_pb2
from speechcue.common.v1 import common_pb2

MAX_NODES = 30
MAX_TEXT = 500
MAX_FLOW_NAME = 60
KIND_NAMES = {value: name for name, value in KINDS.items()}
MENU_KEYS = "1234567890*#"
# Problems listed on one screen, each with its step's fix button.
SHOWN_PROBLEMS = 5
STATUS_IDS = {calls_pb2.FLOW_STATUS_APPROVED: "flow.status.approved",
              calls_pb2.FLOW_STATUS_PENDING_REVIEW: "flow.status.pending",
              calls_pb2.FLOW_STATUS_REJECTED: "flow.status.rejected"}


def picture_labels(words: Words) -> FlowPictureLabels:
    return FlowPictureLabels(
        kind_names={value: words(f"flow.kind.{name}") for name, value in KINDS.items()},
        start=words("flow.picture.start"), key=words("flow.picture.key"), back=words("flow.picture.back"),
        unreachable=words("flow.picture.unreachable"), missing=words("flow.picture.missing"),
        max_digits=words("flow.picture.max_digits"), ends_with=words("flow.picture.ends_with"),
        empty=words("flow.picture.empty"),
        key_names={"next": words("flow.picture.next"), "timeout": words("flow.picture.timeout"),
                   "no_match": words("flow.picture.no_match")},
    )


async def approved_flows_keyboard(turn: Turn, screen: str) -> tuple[Keyboard, bool]:
    """The customer's flows with an approved version as buttons to `screen:<flow id>` (the call and
    campaign pickers), and whether there is any. A flow whose edit waits for review stays: its
    approved version is what its calls dial."""
    answer = await turn.services.calls.ListFlows(calls_pb2.ListFlowsRequest(
        customer_id=turn.customer_id, page=common_pb2.PageRequest(page_size=50)), timeout=turn.timeout)
    approved = [flow for flow in answer.flows if flow.approved_version > 0]
    keyboard = Keyboard()
    for flow in approved[:12]:
        keyboard.row(button(flow.spec.name[:40], screen, flow.id))
    return keyboard, bool(approved)


def versions_line(words: Words, flow: calls_pb2.Flow) -> str:
    """What calls use while an edit waits or was rejected ("" when the latest version is the one in use)."""
    if flow.approved_version <= 0 or flow.status == calls_pb2.FLOW_STATUS_APPROVED:
        return ""
    if flow.status == calls_pb2.FLOW_STATUS_REJECTED:
        return words("flow.draft_rejected", version=flow.approved_version, note=flow.review_note or "—")
    return words("flow.draft_waits", version=flow.approved_version)


def edit_notice(words: Words, flow: calls_pb2.Flow) -> str:
    """Told before an edit of an approved flow: it is checked, and calls keep the approved version."""
    if flow.approved_version <= 0:
        return ""
    return words("flow.edit_review_notice", version=flow.approved_version) + "\n\n"


def flows_keyboard_back(turn: Turn) -> Keyboard:
    return Keyboard().row(button(turn.words("menu.back"), "flows"))


@router.button("flows")
async def list_flows(turn: Turn, args: list[str]) -> None:
    """The customer's flows, a page at a time: `flows:<page>`."""
    words = turn.words
    turn.conversation.reset()  # leaves any wizard
    page, token = page_to_show(turn.conversation, "flows", args[0] if args else "")
    answer = await turn.services.calls.ListFlows(calls_pb2.ListFlowsRequest(
        customer_id=turn.customer_id, page=common_pb2.PageRequest(page_size=turn.settings.bot_page_size,
                                                                  page_token=token)), timeout=turn.timeout)
    keyboard = Keyboard()
    for flow in answer.flows:
        keyboard.row(button(words("flow.line", name=flow.spec.name[:40], status=words(STATUS_IDS.get(
            flow.status, "flow.status.pending"))), "flow", "view", flow.id))
    keyboard.row(*paging_buttons(turn.conversation, words, "flows", page, answer.next_page_token, "flows"))
    keyboard.row(button(words("flow.new"), "fnew")).row(button(words("flow.new_ai"), "fnew", "ai"))
    keyboard.row(button(words("menu.back_home"), "home"))
    turn.show(words("flow.list_title") if answer.flows or page else words("flow.list_empty"), keyboard)


@router.button("flow")
async def flow_action(turn: Turn, args: list[str]) -> None:
    """A flow: view (picture and text), edit a node, delete."""
    action, flow_id = ([*args, "", ""])[:2]
    words = turn.words
    flow = await turn.services.calls.GetFlow(calls_pb2.GetFlowRequest(customer_id=turn.customer_id, flow_id=flow_id),
                                             timeout=turn.timeout)
    if action == "del":
        turn.show(words("flow.delete_confirm", name=flow.spec.name),
                  Keyboard().row(button(words("flow.delete_yes"), "flow", "delok", flow.id),
                                 button(words("menu.back"), "flow", "view", flow.id)))
        return
    if action == "delok":
        await turn.services.calls.DeleteFlow(calls_pb2.DeleteFlowRequest(
            idempotency_key=turn.key("delete-flow"), customer_id=turn.customer_id, flow_id=flow.id),
            timeout=turn.timeout)
        turn.toast(words("toast.deleted"))
        turn.show(words("flow.deleted", name=flow.spec.name), flows_keyboard_back(turn))
        return
    if action == "edit" and flow.spec.kind == calls_pb2.FLOW_KIND_AI_SCRIPT:
        turn.conversation.expect("flow.edit_text", edit_flow=flow.id, edit_node="")
        turn.show(edit_notice(words, flow) + words("flow.ask_new_prompt", max=MAX_PROMPT),
                  Keyboard().row(button(words("menu.back"), "flow", "view", flow.id)))
        return
    if action == "edit":
        keyboard = Keyboard()
        for node in flow.spec.graph.nodes[:MAX_NODES]:
            if node.kind != calls_pb2.NODE_KIND_TRANSFER:
                keyboard.row(button(f"{node.id}: {node.text[:30]}", "fedit", flow.id, node.id))
        keyboard.row(button(words("menu.back"), "flow", "view", flow.id))
        turn.show(edit_notice(words, flow) + words("flow.edit_pick"), keyboard)
        return
    labels = picture_labels(words)
    status = words(STATUS_IDS.get(flow.status, "flow.status.pending"))
    text = words("flow.view", name=flow.spec.name, status=status,
                 reasons="; ".join(flow.review_reasons) or "—", note=flow.review_note or "—")
    if versions := versions_line(words, flow):
        text = f"{text}\n{versions}"
    if variables := flow_variables_line(words, flow):  # {{first_name}}, … filled from a campaign list
        text = f"{text}\n{variables}"
    leaves = flow.spec.voicemail_action == calls_pb2.VOICEMAIL_ACTION_LEAVE_MESSAGE
    options = options_text(words, key=flow.spec.opt_out_key or "9", language=language_id(flow.spec.language),
                           leave_message=(flow.spec.voicemail_message or "…") if leaves else None)
    # Its custom outcomes and callback offer, each with a button into its editor (saved_flow_options.py).
    options = f"{options}\n{saved_options_text(words, flow)}"
    is_ai_script = flow.spec.kind == calls_pb2.FLOW_KIND_AI_SCRIPT
    edit_label = words("flow.edit_task") if is_ai_script else words("flow.edit")
    keyboard = (Keyboard().row(button(edit_label, "flow", "edit", flow.id),
                               button(words("flow.delete"), "flow", "del", flow.id))
                .row(button(words("edit.open_options" if is_ai_script else "edit.open"), "edopen", flow.id))
                .row(*saved_options_buttons(words, flow))
                .row(button(words("menu.call"), "call", "flow", flow.id))
                .row(button(words("menu.back"), "flows")))
    if is_ai_script:
        turn.show(f"{text}\n\n{words('flow.ai_task', prompt=shortened(flow.spec.ai_prompt))}\n\n{options}", keyboard)
        return
    turn.pressed_message_id = None
    turn.send_file("sendPhoto", render_flow_png(flow.spec.graph, title=flow.spec.name, labels=labels),
                   "flow.png", words("flow.picture_caption", name=flow.spec.name)[:1024])
    turn.send(f"{text}\n\n{describe_flow_text(flow.spec.graph, labels)}\n\n{options}", keyboard)


@router.button("fedit")
async def ask_new_text(turn: Turn, args: list[str]) -> None:
    """Editing one node's words: ask for them."""
    if len(args) < 2:
        await list_flows(turn, [])
        return
    # The flow is the customer's own, or this is NOT_FOUND before anything is asked.
    flow = await turn.services.calls.GetFlow(calls_pb2.GetFlowRequest(customer_id=turn.customer_id,
                                                                      flow_id=args[0]), timeout=turn.timeout)
    turn.conversation.expect("flow.edit_text", edit_flow=args[0], edit_node=args[1])
    turn.show(edit_notice(turn.words, flow) + turn.words("flow.ask_new_text", node=args[1], max=MAX_TEXT),
              Keyboard().row(button(turn.words("menu.back"), "flow", "view", args[0])))


@router.text("flow.edit_text")
async def save_new_text(turn: Turn, text: str) -> None:
    """Editing one node's words, or an AI script's task: the new version of the flow (a draft if it
    waits for review; calls keep the approved version until it is approved)."""
    await edit_saved_text(turn, text)


async def edit_saved_text(turn: Turn, text: str, *, symbols_kept: bool = False) -> None:
    """save_new_text; a step's words with emoji or symbols are questioned first, unless the customer
    kept them (`symbols_kept`, the `wkeep` button)."""
    flow_id = str(turn.conversation.data.get("edit_flow", ""))
    node_id = str(turn.conversation.data.get("edit_node", ""))
    flow = await turn.services.calls.GetFlow(calls_pb2.GetFlowRequest(customer_id=turn.customer_id, flow_id=flow_id),
                                             timeout=turn.timeout)
    is_ai_script = flow.spec.kind == calls_pb2.FLOW_KIND_AI_SCRIPT
    limit = MAX_PROMPT if is_ai_script else MAX_TEXT
    if not text.strip() or len(text) > limit:
        turn.send(turn.words("flow.bad_prompt" if is_ai_script else "flow.bad_text", max=limit))
        return
    if not is_ai_script and not symbols_kept and questioned_symbols(turn, text):
        return
    spec = calls_pb2.FlowSpec()
    spec.CopyFrom(flow.spec)
    if is_ai_script:
        spec.ai_prompt = text.strip()
    for node in spec.graph.nodes:
        if node.id == node_id:
            node.text = text
    updated = await turn.services.calls.UpdateFlow(calls_pb2.UpdateFlowRequest(
        idempotency_key=turn.key("update-flow"), customer_id=turn.customer_id, flow_id=flow.id, spec=spec,
        expected_version=flow.version), timeout=turn.timeout)
    turn.conversation.reset()
    text = turn.words("flow.updated", name=updated.spec.name,
                      status=turn.words(STATUS_IDS.get(updated.status, "flow.status.pending")))
    if versions := versions_line(turn.words, updated):
        text = f"{text}\n{versions}"
    turn.send(text, Keyboard().row(button(turn.words("flow.open"), "flow", "view", updated.id)))


# The wizard.

@router.button("fnew")
async def start_wizard(turn: Turn, args: list[str]) -> None:
    """New flow, step 1: its name. `fnew:ai` starts an AI script, `fnew` a graph of steps."""
    turn.conversation.reset()
    turn.conversation.expect("flow.name", flow_kind="ai" if args[:1] == ["ai"] else "graph")
    turn.show(turn.words("flow.ask_name", max=MAX_FLOW_NAME), flows_keyboard_back(turn))


@router.text("flow.name")
async def receive_flow_name(turn: Turn, text: str) -> None:
    """New flow, step 2: the voice, with a preview of each."""
    if not text or len(text) > MAX_FLOW_NAME:
        turn.send(turn.words("flow.bad_name", max=MAX_FLOW_NAME))
        return
    turn.conversation.data["draft"] = new_draft(text, kind=str(turn.conversation.data.get("flow_kind", "")),
                                                chat_language=turn.words.language,
                                                draft_id=format(turn.update_id, "x"))
    turn.conversation.state = ""
    keyboard = await voices_keyboard(turn, turn.conversation.data["draft"], "fvoice")
    turn.send(turn.words("flow.ask_voice"), keyboard)


@router.button("fvoice")
@of_open_draft
async def receive_voice(turn: Turn, args: list[str]) -> None:
    draft = turn.conversation.data["draft"]
    draft["voice"] = "" if not args or args[0] == "-" else args[0]
    if draft.get("kind") == "ai":
        turn.conversation.state = "flow.prompt"
        turn.show(turn.words("flow.ask_prompt", max=MAX_PROMPT), flows_keyboard_back(turn))
        return
    ask_next_node(turn, draft)


def describe_exit(words: Words, draft: dict[str, Any], exit_: list[str]) -> str:
    node_id, key = exit_
    return words("flow.exit_next", node=node_id) if key == "next" else words("flow.exit_key", node=node_id, key=key)


def ask_next_node(turn: Turn, draft: dict[str, Any]) -> None:
    """Asks about the first open exit, or shows the finished flow."""
    words = turn.words
    turn.conversation.state = ""
    if not draft["nodes"]:
        question = words("flow.ask_first_node")
    elif draft["open"]:
        question = words("flow.ask_exit", exit=describe_exit(words, draft, draft["open"][0]))
    else:
        problems = draft_problems(draft, business_name=turn.customer.name)
        if problems:
            show_problems(turn, draft, problems)
        else:
            show_draft(turn, draft)
        return
    last = draft["nodes"][-1] if draft["nodes"] else {}
    if last.get("kind") == "menu":
        question = f"{menu_defaults_line(words, last)}\n\n{question}"
    keyboard = (Keyboard().row(draft_button(words("flow.kind.msg"), draft, "fkind", "msg"),
                               draft_button(words("flow.kind.menu"), draft, "fkind", "menu"))
                .row(draft_button(words("flow.kind.digits"), draft, "fkind", "digits"),
                     draft_button(words("flow.kind.xfer"), draft, "fkind", "xfer"))
                .row(draft_button(words("flow.kind.end"), draft, "fkind", "end")))
    if draft["nodes"] and draft["open"]:
        for node in draft["nodes"][:8]:
            keyboard.row(draft_button(words("flow.link_to", node=node["id"], text=node.get("text", "")[:24]),
                                      draft, "flink", node["id"]))
    if last.get("kind") == "menu":
        keyboard.row(draft_button(words("wizard.menu_settings_button", number=len(draft["nodes"])), draft, "wmenu",
                                  last["id"]))
    keyboard.row(draft_button(words("flow.discard"), draft, "fdisc"))
    turn.show(f"{progress_line(words, draft)}\n\n{question}", keyboard)


def menu_defaults_line(words: Words, node: dict[str, Any]) -> str:
    """What a menu does on a wrong key and on silence, said when it is added."""
    return words("wizard.menu_defaults", repeats=int(node.get("repeats") or DEFAULT_MENU_REPEATS))


def step_title(words: Words, node: dict[str, Any]) -> str:
    """A step as the customer knows it: its kind and the start of its words (a transfer's number)."""
    said = node.get("text") or node.get("transfer_number", "")
    return words("wizard.step_title", kind=words(f"flow.kind.{node['kind']}"), text=shortened(said, 40))


def problem_line(words: Words, draft: dict[str, Any], problem: DraftProblem) -> str:
    what = words(problem.message_id, key=opt_out_key(draft))
    node = next((n for n in draft["nodes"] if n["id"] == problem.node_id), None)
    if node is None:
        return f"• {what}"
    return "• " + words("wizard.problem_step", number=problem.step, title=step_title(words, node), problem=what)


def show_problems(turn: Turn, draft: dict[str, Any], problems: list[DraftProblem], *, refused: bool = False) -> None:
    """Why Save will not (or did not) take the draft, each problem naming its step, with a button per
    step that opens it to be fixed (wizard_steps.py)."""
    words = turn.words
    header = words("wizard.save_refused" if refused else "wizard.not_complete", name=draft["name"])
    lines = [problem_line(words, draft, problem) for problem in problems[:SHOWN_PROBLEMS]]
    keyboard = Keyboard()
    steps = list(dict.fromkeys(problem.node_id for problem in problems[:SHOWN_PROBLEMS] if problem.step))
    for node_id in steps:
        keyboard.row(draft_button(words("wizard.fix_step", number=step_number(draft, node_id)), draft, "wfix",
                                  node_id))
    if any(problem.code == "OPT_OUT_KEY_TAKEN" for problem in problems):
        keyboard.row(draft_button(words("flow.option_key"), draft, "fopt"))
    keyboard.row(draft_button(words("flow.discard"), draft, "fdisc"))
    turn.pressed_message_id = None
    turn.send("\n".join([header, "", *lines]), keyboard)


def progress_line(words: Words, draft: dict[str, Any]) -> str:
    return words("flow.draft_progress", name=draft["name"], nodes=words.plural("count.steps", len(draft["nodes"])),
                 open=words.plural("count.open_ends", len(draft["open"])))


@router.button("fkind")
@of_open_draft
async def receive_kind(turn: Turn, args: list[str]) -> None:
    draft = turn.conversation.data["draft"]
    if not args or args[0] not in KINDS:
        ask_next_node(turn, draft)
        return
    if len(draft["nodes"]) >= MAX_NODES:
        turn.show(turn.words("flow.too_many_nodes", max=MAX_NODES))
        return
    kind = args[0]
    draft["pending_kind"] = kind
    if kind == "xfer":
        turn.conversation.state = "flow.transfer"
        turn.show(turn.words("flow.ask_transfer"))
    else:
        turn.conversation.state = "flow.text"
        turn.show(turn.words(f"flow.ask_text.{kind}", max=MAX_TEXT))


def add_node(draft: dict[str, Any], node: dict[str, Any]) -> None:
    node["id"] = f"n{len(draft['nodes']) + 1}"
    node.setdefault("edges", [])
    if draft["open"]:
        source_id, key = draft["open"].pop(0)
        source = next(n for n in draft["nodes"] if n["id"] == source_id)
        source["edges"].append([key, node["id"]])
    draft["nodes"].append(node)


@router.text("flow.text")
async def receive_text(turn: Turn, text: str) -> None:
    draft = turn.conversation.data.get("draft")
    if not draft:
        await start_wizard(turn, [])
        return
    if not text or len(text) > MAX_TEXT:
        turn.send(turn.words("flow.bad_text", max=MAX_TEXT))
        return
    if questioned_symbols(turn, text):
        return
    await accept_text(turn, draft, text)


def questioned_symbols(turn: Turn, text: str) -> bool:
    """Whether the words have emoji or symbols a voice reads aloud: then the customer is told which,
    and either sends the words again or keeps them (`wkeep`, wizard_steps.py), and this is True."""
    symbols = read_aloud_symbols(text)
    if not symbols:
        return False
    turn.conversation.data["unsaid"] = {"text": text, "state": turn.conversation.state}
    draft = turn.conversation.data.get("draft")
    keep = (draft_button(turn.words("wizard.keep_words"), draft, "wkeep") if isinstance(draft, dict)
            else button(turn.words("wizard.keep_words"), "wkeep"))
    turn.send(turn.words("wizard.symbols_warning", symbols=" ".join(symbols)), Keyboard().row(keep))
    return True


async def accept_text(turn: Turn, draft: dict[str, Any], text: str) -> None:
    """A new step's words, taken: a message or an end is added; a menu asks its keys, digits their count."""
    kind = draft.get("pending_kind", "msg")
    if kind == "menu":
        draft["pending_text"] = text
        turn.conversation.state = "flow.keys"
        turn.send(turn.words("flow.ask_keys"))
        return
    if kind == "digits":
        draft["pending_text"] = text
        turn.conversation.state = "flow.digits"
        turn.send(turn.words("flow.ask_digits"))
        return
    node = {"kind": kind, "text": text}
    add_node(draft, node)
    if kind == "msg":
        draft["open"].insert(0, [node["id"], "next"])
    ask_next_node_as_message(turn, draft)


def ask_next_node_as_message(turn: Turn, draft: dict[str, Any]) -> None:
    turn.pressed_message_id = None
    ask_next_node(turn, draft)


@router.text("flow.keys")
async def receive_keys(turn: Turn, text: str) -> None:
    draft = turn.conversation.data.get("draft")
    if not draft:
        await start_wizard(turn, [])
        return
    keys = [character for character in text if not character.isspace() and character != ","]
    if not keys or any(key not in MENU_KEYS for key in keys) or len(set(keys)) != len(keys) or len(keys) > 9:
        turn.send(turn.words("flow.bad_keys"))
        return
    if opt_out_key(draft) in keys:
        turn.send(turn.words("flow.keys_opt_out", key=opt_out_key(draft)))
        return
    node = {"kind": "menu", "text": draft.pop("pending_text", "")}
    add_node(draft, node)
    draft["open"][0:0] = [[node["id"], key] for key in keys]
    ask_next_node_as_message(turn, draft)


@router.text("flow.digits")
async def receive_digits(turn: Turn, text: str) -> None:
    draft = turn.conversation.data.get("draft")
    if not draft:
        await start_wizard(turn, [])
        return
    if not text.isdigit() or not 1 <= int(text) <= 20:
        turn.send(turn.words("flow.bad_digits"))
        return
    node = {"kind": "digits", "text": draft.pop("pending_text", ""), "max_digits": int(text)}
    add_node(draft, node)
    draft["open"].insert(0, [node["id"], "next"])
    ask_next_node_as_message(turn, draft)


@router.text("flow.transfer")
async def receive_transfer(turn: Turn, text: str) -> None:
    draft = turn.conversation.data.get("draft")
    if not draft:
        await start_wizard(turn, [])
        return
    # The same check as a call's number: a premium-rate, shared-cost or not-allowed number is refused
    # here, with its reason, not only when the flow is saved.
    number = await allowed_destination(turn, text, bad_form_text="flow.bad_transfer")
    if number is None:
        return
    add_node(draft, {"kind": "xfer", "transfer_number": number, "text": ""})
    ask_next_node_as_message(turn, draft)


@router.button("flink")
@of_open_draft
async def link_existing(turn: Turn, args: list[str]) -> None:
    """The open exit goes to a node that exists already (a loop back, or a shared ending)."""
    draft = turn.conversation.data["draft"]
    if draft.get("kind") != "graph" or not draft["open"] or not args:
        ask_next_node(turn, draft)
        return
    target = next((n for n in draft["nodes"] if n["id"] == args[0]), None)
    if target is None:
        ask_next_node(turn, draft)
        return
    source_id, key = draft["open"].pop(0)
    source = next(n for n in draft["nodes"] if n["id"] == source_id)
    source["edges"].append([key, target["id"]])
    ask_next_node(turn, draft)


def show_draft(turn: Turn, draft: dict[str, Any]) -> None:
    """The finished graph as a picture and as text, then the options and Save."""
    words = turn.words
    labels = picture_labels(words)
    graph = graph_of(draft)
    turn.pressed_message_id = None
    turn.send_file("sendPhoto", render_flow_png(graph, title=draft["name"], labels=labels), "flow.png",
                   words("flow.picture_caption", name=draft["name"])[:1024])
    # Each menu's wrong-key and silence settings stay one tap away on the complete flow, and a test
    # call to the customer's own phone (wizard_steps.py).
    keyboard = Keyboard()
    for number, node in enumerate(draft["nodes"], start=1):
        if node["kind"] == "menu" and len(keyboard.rows) < SHOWN_PROBLEMS:
            keyboard.row(draft_button(words("wizard.menu_settings_button", number=number), draft, "wmenu",
                                      node["id"]))
    keyboard.row(draft_button(words("wizard.test_call"), draft, "wtest"))
    turn.send(f"{words('flow.complete', name=draft['name'])}\n\n{describe_flow_text(graph, labels)}", keyboard)
    show_save_screen(turn)


@router.button("fdisc")
@of_open_draft
async def discard_draft(turn: Turn, args: list[str]) -> None:
    """The wizard's Discard: the open draft is dropped, and the flows are listed."""
    await list_flows(turn, [])


@router.button("fsave")
@of_open_draft
async def save_flow(turn: Turn, args: list[str]) -> None:
    """Saving: the calls service validates, compiles and screens it (four digits or more, or words
    about codes, PINs or banks → review)."""
    words = turn.words
    draft = turn.conversation.data["draft"]
    if not is_complete(draft) or draft.get("edit_id"):  # a saved flow's edit saves with edsave
        show_save_screen(turn)
        return
    flow = await create_from_draft(turn, draft)
    if flow is None:
        return
    status = words(STATUS_IDS.get(flow.status, "flow.status.pending"))
    keyboard = Keyboard().row(button(words("flow.open"), "flow", "view", flow.id))
    if flow.status == calls_pb2.FLOW_STATUS_APPROVED:
        keyboard.row(button(words("menu.call"), "call", "flow", flow.id))
    keyboard.row(button(words("menu.back_home"), "home"))
    turn.toast(words("toast.saved"))
    turn.show(words("flow.saved", name=flow.spec.name, status=status), keyboard)


async def create_from_draft(turn: Turn, draft: dict[str, Any]) -> calls_pb2.Flow | None:
    """The draft saved as a new flow (the wizard's conversation then ends), or None when the draft's
    problems, or the calls service's refusal, were shown instead."""
    if problems := draft_problems(draft, business_name=turn.customer.name):
        show_problems(turn, draft, problems, refused=True)
        return None
    spec = spec_of(draft, business_name=turn.customer.name)
    try:
        flow = await turn.services.calls.CreateFlow(calls_pb2.CreateFlowRequest(
            idempotency_key=turn.key("create-flow"), customer_id=turn.customer_id, spec=spec), timeout=turn.timeout)
    except grpc.aio.AioRpcError as error:
        # What only the calls service knows (its allow-list of countries) can still refuse the draft.
        if refusal_reason(error) != "FLOW_INVALID":
            raise
        show_problems(turn, draft, refusal_problems(draft, refusal_metadata(error).get("problems", "")),
                      refused=True)
        return None
    turn.conversation.reset()
    return flow
