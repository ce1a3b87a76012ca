"""A flow being built in the chat (the wizard's draft, kept in the conversation) and the FlowSpec it
becomes on saving. Pure.

A draft is a dict, since the conversation stores JSON:
    {"kind": "graph" | "ai", "name", "voice", "nodes", "open", "prompt",
     "opt_out_key", "language", "voicemail": "hang_up" | "leave", "voicemail_message"}
"""

from __future__ import annotations

from typing import Any

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


def new_draft(name: str, *, kind: str, chat_language: str) -> dict[str, Any]:
    return {"kind": "ai" if kind == "ai" else "graph", "name": name, "voice": "", "nodes": [], "open": [],
            "prompt": "", "opt_out_key": DEFAULT_OPT_OUT_KEY, "voicemail": "hang_up", "voicemail_message": "",
            "language": CALL_LANGUAGE_OF_CHAT.get(chat_language, "en_US")}


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
    return spec


def language_id(language: str) -> str:
    """`flow.language.<id>` of a call language such as "en-US" (an unknown one reads as en-US)."""
    return next((key for key, value in CALL_LANGUAGES.items() if value == language), "en_US")
