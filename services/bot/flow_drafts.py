"""A flow being built in the chat (the wizard's draft, kept in the conversation) and the FlowSpec it
becomes on saving. Pure.

A draft is a dict, since the conversation stores JSON:
    {"kind": "graph" | "ai", "name", "voice", "nodes", "open", "prompt",
     "opt_out_key", "language", "voicemail": "hang_up" | "leave", "voicemail_message",
     "fields" (custom outcomes, field_drafts.py), "callback" (callback_drafts.py)}
and, for an edit of a saved flow (draft_of), "flow_id", "version", "edit_id" and "revision".
Every draft has an "id" of its own (a new flow's, or its edit id), which the buttons of its screens
carry: a button of an older draft (saved, discarded or replaced) never changes this one.
"""

from __future__ import annotations

import re
from typing import Any

from services.bot.field_drafts import field_entries, field_messages
from speechcue.calls.v1 import calls_pb2

KINDS = {"msg": calls_pb2.NODE_KIND_MESSAGE, "menu": calls_pb2.NODE_KIND_MENU,
         "digits": calls_pb2.NODE_KIND_COLLECT_DIGITS, "xfer": calls_pb2.NODE_KIND_TRANSFER,
         "end": calls_pb2.NODE_KIND_END}
DEFAULT_OPT_OUT_KEY = "9"
KEYPAD = "1234567890*#"
# The languages the calls service accepts for a call, as message ids name them (`flow.language.<id>`).
CALL_LANGUAGES = {"en_US": "en-US", "en_GB": "en-GB", "en_IN": "en-IN", "fr_FR": "fr-FR", "hi_IN": "hi-IN",
                  "zh_CN": "zh-CN", "es_ES": "es-ES", "de_DE": "de-DE"}
# A new flow speaks the chat's language unless the customer picks another.
CALL_LANGUAGE_OF_CHAT = {"en": "en_US", "fr": "fr_FR", "hi": "hi_IN", "zh": "zh_CN"}
VOICEMAIL_ACTIONS = {"hang_up": calls_pb2.VOICEMAIL_ACTION_HANG_UP,
                     "leave": calls_pb2.VOICEMAIL_ACTION_LEAVE_MESSAGE}
# A menu's "wrong_key" and "silence" (absent: the default, repeat) and "repeats" (1-3; absent: 2);
# "go_to" leads where the menu's "no_match" edge does (screens/flows.py asks them).
MENU_FALLBACKS = {"repeat": calls_pb2.MENU_FALLBACK_REPEAT, "go_to": calls_pb2.MENU_FALLBACK_GO_TO,
                  "end": calls_pb2.MENU_FALLBACK_END}


def new_draft(name: str, *, kind: str, chat_language: str, draft_id: str) -> dict[str, Any]:
    return {"id": draft_id, "kind": "ai" if kind == "ai" else "graph", "name": name, "voice": "", "nodes": [],
            "open": [], "prompt": "", "opt_out_key": DEFAULT_OPT_OUT_KEY, "voicemail": "hang_up",
            "voicemail_message": "", "language": CALL_LANGUAGE_OF_CHAT.get(chat_language, "en_US")}


def id_of(draft: dict[str, Any]) -> str:
    """The draft's id, as its screens' buttons carry it ("" for a draft kept before drafts had ids)."""
    return str(draft.get("id") or draft.get("edit_id") or "")


def is_complete(draft: dict[str, Any]) -> bool:
    """Ready to save: an AI script with its task, or a graph with steps and no open exit."""
    if draft.get("kind") == "ai":
        return bool(draft.get("prompt"))
    return bool(draft.get("nodes")) and not draft.get("open")


def opt_out_key(draft: dict[str, Any]) -> str:
    return str(draft.get("opt_out_key") or DEFAULT_OPT_OUT_KEY)


def menu_keys(draft: dict[str, Any]) -> set[str]:
    """The keys the draft's menus offer, open or linked (the opt-out key must not be one of them)."""
    keys = {str(key) for node in draft.get("nodes", []) for key, _ in node.get("edges", []) if key in KEYPAD}
    return keys | {str(key) for _, key in draft.get("open", []) if key in KEYPAD}


def graph_of(draft: dict[str, Any]) -> calls_pb2.FlowGraph:
    graph = calls_pb2.FlowGraph(start_node_id=draft["nodes"][0]["id"] if draft["nodes"] else "")
    for node in draft["nodes"]:
        graph.nodes.append(calls_pb2.FlowNode(
            id=node["id"], kind=KINDS[node["kind"]], text=node.get("text", ""),
            max_digits=node.get("max_digits", 0), transfer_number=node.get("transfer_number", ""),
            edges=[calls_pb2.FlowEdge(key=key, target_node_id=target) for key, target in node.get("edges", [])],
            on_wrong_key=MENU_FALLBACKS.get(node.get("wrong_key", ""), calls_pb2.MENU_FALLBACK_UNSPECIFIED),
            on_silence=MENU_FALLBACKS.get(node.get("silence", ""), calls_pb2.MENU_FALLBACK_UNSPECIFIED),
            repeats=int(node.get("repeats", 0))))
    return graph


def spec_of(draft: dict[str, Any], *, business_name: str) -> calls_pb2.FlowSpec:
    spec = calls_pb2.FlowSpec(
        name=draft["name"], business_name=business_name, voice_id=draft.get("voice", ""),
        opt_out_key=opt_out_key(draft), language=CALL_LANGUAGES.get(draft.get("language", ""), "en-US"),
        voicemail_action=VOICEMAIL_ACTIONS.get(draft.get("voicemail", ""), calls_pb2.VOICEMAIL_ACTION_HANG_UP),
        voicemail_message=draft.get("voicemail_message", "") if draft.get("voicemail") == "leave" else "")
    if draft.get("kind") == "ai":
        spec.kind = calls_pb2.FLOW_KIND_AI_SCRIPT
        spec.ai_prompt = draft.get("prompt", "")
    else:
        spec.kind = calls_pb2.FLOW_KIND_GRAPH
        spec.graph.CopyFrom(graph_of(draft))
    spec.custom_fields.extend(field_messages(draft))
    if isinstance(callback := draft.get("callback"), dict) and spec.kind == calls_pb2.FLOW_KIND_GRAPH:
        spec.callback.key, spec.callback.delay_minutes = callback["key"], int(callback.get("delay", 0))
    return spec


def language_id(language: str) -> str:
    """`flow.language.<id>` of a call language such as "en-US" (an unknown one reads as en-US)."""
    return next((key for key, value in CALL_LANGUAGES.items() if value == language), "en_US")


# Editing a saved flow: its draft carries the flow's id and version, and a short id of its own that
# the editor's buttons carry, so a button of an earlier draft never changes this one.
NODE_KIND_NAMES = {value: name for name, value in KINDS.items()}
VOICEMAIL_NAMES = {value: name for name, value in VOICEMAIL_ACTIONS.items()}


def draft_of(flow: calls_pb2.Flow, *, edit_id: str) -> dict[str, Any]:
    """A saved flow's latest version as a draft to edit; `edit_id` names this editing."""
    spec = flow.spec
    nodes = [{"id": node.id, "kind": NODE_KIND_NAMES.get(node.kind, "end"), "text": node.text,
              "max_digits": node.max_digits, "transfer_number": node.transfer_number,
              "edges": [[edge.key, edge.target_node_id] for edge in node.edges], **menu_settings(node)}
             for node in spec.graph.nodes]
    start = next((node for node in nodes if node["id"] == spec.graph.start_node_id), None)
    if start is not None:  # the first step is the start (graph_of)
        nodes.remove(start)
        nodes.insert(0, start)
    return {"kind": "ai" if spec.kind == calls_pb2.FLOW_KIND_AI_SCRIPT else "graph", "name": spec.name,
            "voice": spec.voice_id, "nodes": nodes, "open": [], "prompt": spec.ai_prompt,
            "opt_out_key": spec.opt_out_key or DEFAULT_OPT_OUT_KEY, "language": language_id(spec.language),
            "voicemail": VOICEMAIL_NAMES.get(spec.voicemail_action, "hang_up"),
            "voicemail_message": spec.voicemail_message,
            "id": edit_id, "flow_id": flow.id, "version": flow.version, "edit_id": edit_id, "revision": 0,
            "business_name": spec.business_name, "fields": field_entries(spec),
            # The callback offer (callback_drafts.py): {"key", "delay"}, absent when none.
            **({"callback": {"key": spec.callback.key, "delay": spec.callback.delay_minutes}}
               if spec.callback.key else {})}


def menu_settings(node: calls_pb2.FlowNode) -> dict[str, Any]:
    """A saved menu's wrong-key and silence settings, as the wizard's draft keeps them."""
    names = {value: name for name, value in MENU_FALLBACKS.items()}
    settings: dict[str, Any] = {"wrong_key": names.get(node.on_wrong_key), "silence": names.get(node.on_silence),
                                "repeats": node.repeats or None}
    return {key: value for key, value in settings.items() if value}


def edited_spec(draft: dict[str, Any], saved: calls_pb2.FlowSpec) -> calls_pb2.FlowSpec:
    """The saved spec with the draft's structure, words and options: what the editor does not show
    (a step's settings it has no screen for, the business name) stays as saved."""
    spec = spec_of(draft, business_name=saved.business_name)
    saved_nodes = {node.id: node for node in saved.graph.nodes}
    for node in spec.graph.nodes:
        if (old := saved_nodes.get(node.id)) is not None and old.kind == node.kind:
            merged = calls_pb2.FlowNode()
            merged.CopyFrom(old)
            merged.text, merged.max_digits, merged.transfer_number = node.text, node.max_digits, node.transfer_number
            del merged.edges[:]
            merged.edges.extend(node.edges)
            node.CopyFrom(merged)
    return spec


# Retell names a voice's accent ("American", "British", "Indian"); the voices whose accent speaks the
# call's language are offered first, then the other voices of that language, then the rest.
VOICE_ACCENTS = {"en_US": {"american"}, "en_GB": {"british", "english"}, "en_IN": {"indian"},
                 "fr_FR": {"french"}, "hi_IN": {"indian", "hindi"}, "zh_CN": {"chinese", "mandarin"},
                 "es_ES": {"spanish"}, "de_DE": {"german"}}
ENGLISH_ACCENTS = {"american", "british", "english", "australian", "indian", "irish", "scottish", "canadian",
                   "african", "zealand"}


def voices_for_language(voices: list[calls_pb2.Voice], language: str) -> list[calls_pb2.Voice]:
    """The voices, those for the call's `language` (a `flow.language.<id>` id) first, else in
    Retell's order. Worked examples: en_GB → British, then American and the other English accents,
    then the rest · hi_IN → Indian and Hindi first · an accent nobody named → after the matches."""
    own = VOICE_ACCENTS.get(language, set())
    related = ENGLISH_ACCENTS if language.startswith("en_") else set()

    def rank(voice: calls_pb2.Voice) -> int:
        words = set(re.findall(r"[a-z]+", voice.accent.lower()))
        return 0 if words & own else 1 if words & related else 2

    return sorted(voices, key=rank)
