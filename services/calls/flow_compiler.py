"""Compiling a customer's flow into Retell objects: a conversation flow (node graphs) or a Retell
LLM (AI scripts), and the agent that speaks it. Pure: returns the JSON bodies Retell takes.

Every call opens with the platform's disclosure and opt-out notice, and a global node lets the
callee opt out at any moment; neither can be removed by the customer's script.
"""

from __future__ import annotations

from typing import Any

from services.calls.flow_rules import FlowGraph, FlowNode, NodeKind, disclosure, opt_out_notice

DISCLOSURE_NODE = "sc_disclosure"
OPT_OUT_NODE = "sc_opt_out"
GOODBYE_NODE = "sc_goodbye"
OPT_OUT_WORDS = "You will not be called again. Goodbye."
END_CALL_AFTER_SILENCE_MS = 20_000
DTMF_TIMEOUT_MS = 5_000


def key_condition(key: str) -> dict[str, str]:
    return {"type": "prompt", "prompt": f"User pressed {key} on the keypad"}


def _edge(node_id: str, key: str, target: str) -> dict[str, Any]:
    return {"id": f"{node_id}-{key}", "destination_node_id": target, "transition_condition": key_condition(key)}


def _else(node_id: str, target: str) -> dict[str, Any]:
    return {"id": f"{node_id}-else", "destination_node_id": target,
            "transition_condition": {"type": "prompt", "prompt": "Else"}}


def _say(text: str) -> dict[str, str]:
    return {"type": "static_text", "text": text}


def compile_conversation_flow(graph: FlowGraph, *, business_name: str, opt_out_key: str) -> dict[str, Any]:
    nodes: list[dict[str, Any]] = [
        {"id": DISCLOSURE_NODE, "type": "conversation", "name": "Disclosure",
         "instruction": _say(f"{disclosure(business_name)} {opt_out_notice(opt_out_key)}"),
         "skip_response_edge": {"id": f"{DISCLOSURE_NODE}-next", "destination_node_id": graph.start_node_id,
                                "transition_condition": {"type": "prompt", "prompt": "Skip response"}}},
        {"id": OPT_OUT_NODE, "type": "end", "name": "Opt out", "speak_during_execution": True,
         "instruction": _say(OPT_OUT_WORDS),
         "global_node_setting": {"condition": f"User pressed {opt_out_key} on the keypad, or asked not to be "
                                              "called again"}},
        {"id": GOODBYE_NODE, "type": "end", "name": "Goodbye", "speak_during_execution": True,
         "instruction": _say("Goodbye.")},
    ]
    for node in graph.nodes:
        nodes.append(_compile_node(node))
    return {"start_speaker": "agent", "start_node_id": DISCLOSURE_NODE, "nodes": nodes,
            "global_prompt": f"You are an automated phone assistant for {business_name}. Say only the given texts."}


def _compile_node(node: FlowNode) -> dict[str, Any]:
    base = {"id": node.id, "name": node.id}
    if node.kind == NodeKind.MESSAGE:
        return {**base, "type": "conversation", "instruction": _say(node.text),
                "skip_response_edge": {"id": f"{node.id}-next", "destination_node_id": node.edges["next"],
                                       "transition_condition": {"type": "prompt", "prompt": "Skip response"}}}
    if node.kind == NodeKind.MENU:
        keyed = [_edge(node.id, key, target) for key, target in node.edges.items()
                 if key not in ("timeout", "no_match")]
        fallback = node.edges.get("no_match") or node.edges.get("timeout") or node.id
        return {**base, "type": "conversation", "instruction": _say(node.text), "edges": keyed,
                "else_edge": _else(node.id, fallback)}
    if node.kind == NodeKind.COLLECT_DIGITS:
        collected = {"id": f"{node.id}-next", "destination_node_id": node.edges["next"],
                     "transition_condition": {"type": "prompt", "prompt": "User entered digits on the keypad"}}
        return {**base, "type": "conversation", "instruction": _say(node.text), "edges": [collected],
                "else_edge": _else(node.id, node.edges.get("timeout", node.id))}
    if node.kind == NodeKind.TRANSFER:
        transfer: dict[str, Any] = {
            **base, "type": "transfer_call",
            "transfer_destination": {"type": "predefined", "number": node.transfer_number},
            "transfer_option": {"type": "cold_transfer"},
            "edge": {"id": f"{node.id}-failed", "destination_node_id": GOODBYE_NODE,
                     "transition_condition": {"type": "prompt", "prompt": "Transfer failed"}},
        }
        if node.text:
            transfer.update(speak_during_execution=True, instruction=_say(node.text))
        return transfer
    end: dict[str, Any] = {**base, "type": "end"}
    if node.text:
        end.update(speak_during_execution=True, instruction=_say(node.text))
    return end


def dtmf_options(graph: FlowGraph | None) -> dict[str, Any]:
    """One key ends a menu choice; a collect step takes up to its own limit, ended by its key."""
    collecting = [node for node in (graph.nodes if graph else ()) if node.kind == NodeKind.COLLECT_DIGITS]
    if not collecting:
        return {"digit_limit": 1, "timeout_ms": DTMF_TIMEOUT_MS}
    longest = max(collecting, key=lambda node: node.max_digits)
    options: dict[str, Any] = {"digit_limit": longest.max_digits, "timeout_ms": DTMF_TIMEOUT_MS}
    if longest.termination_key:
        options["termination_key"] = longest.termination_key
    return options


def compile_ai_script(prompt: str, *, business_name: str, opt_out_key: str) -> dict[str, Any]:
    opening = f"{disclosure(business_name)} {opt_out_notice(opt_out_key)}"
    return {
        "start_speaker": "agent",
        "begin_message": opening,
        "general_prompt": (
            f"You are an automated phone assistant calling on behalf of {business_name}. You have already said: "
            f"'{opening}'. If the callee presses {opt_out_key} or asks not to be called again, say "
            f"'{OPT_OUT_WORDS}' and end the call. Never ask for passwords, PINs, one-time codes, card or account "
            f"numbers. Keep the call short and polite.\n\nThe task, in the business's words:\n{prompt}"
        ),
        "general_tools": [{"type": "end_call", "name": "end_call", "description": "End the call when done."}],
    }


def compile_agent(*, name: str, response_engine: dict[str, Any], voice_id: str, language: str, webhook_url: str,
                  dtmf: dict[str, Any], voicemail_message: str | None, business_name: str,
                  max_call_duration_ms: int) -> dict[str, Any]:
    if voicemail_message is None:
        voicemail: dict[str, Any] = {"action": {"type": "hangup"}}
    else:
        voicemail = {"action": {"type": "static_text",
                                "text": f"{disclosure(business_name)} {voicemail_message}".strip()}}
    return {
        "agent_name": name[:80], "response_engine": response_engine, "voice_id": voice_id, "language": language,
        "webhook_url": webhook_url, "webhook_events": ["call_started", "call_ended", "call_analyzed"],
        "allow_user_dtmf": True, "user_dtmf_options": dtmf, "voicemail_option": voicemail,
        "end_call_after_silence_ms": END_CALL_AFTER_SILENCE_MS, "max_call_duration_ms": max_call_duration_ms,
    }
