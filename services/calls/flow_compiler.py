"""Compiling a customer's flow into Retell objects: a conversation flow (node graphs) or a Retell
LLM (AI scripts), and the agent that speaks it. Pure: returns the JSON bodies Retell takes.

Every call opens with the platform's disclosure and opt-out notice in the call's language
(call_texts.py), and every voicemail ends with the opt-out line; none of them can be removed by the
customer's script. A graph flow has a global node through which the callee opts out at any moment. An
AI script carries the platform's guardrail ahead of the customer's task: no codes, passwords, PINs,
card, account or identity numbers, and the opt-out honoured at once. The callee's list values reach an
AI script only JSON-quoted inside a data block the guardrail calls data, never instructions: the
customer's own `{{variable}}` references are rewritten so Retell cannot paste a value anywhere else.
Every agent has Retell's DNC detection on, so a spoken "stop calling me" ends the call as
`user_requested_dnc` whatever the script says.

Keys. Retell decides when the callee's key presses make a complete input per agent, not per node
(retell-sdk 6.2.13): `user_dtmf_options` (`digit_limit`, `termination_key`, `timeout_ms`) exists on
agent_create_params (and a call's `agent_override`), and no node type in conversation_flow_create_params
has it; the only key setting a conversation node takes is `allow_dtmf_interruption` ("overrides the
agent-level allow_dtmf_interruption for this node only"). One agent-wide limit cannot serve a menu (one key) and a
six-digit collect step at once: sized for the collect, a menu choice waited for five more keys, `#` or
the timeout. So every agent takes one key per input (`digit_limit` 1, no termination key: "once this
limit is reached, the input is considered complete and a response will be generated immediately"),
which is what a menu needs, and a collect step becomes what one-key inputs can express: a chain of
conversation nodes, one per digit it may take (`pin`, `pin.2`, … `pin.6`; a `.` cannot appear in a
customer's step id). Each link goes on to the next digit on any key, and straight to the step after
the collect on its termination key; the last link goes on after its key. Only the first link speaks;
the others are told to stay silent, and every menu and collect node lets a key interrupt the agent.
The keys still reach the outcome one `dtmf` transcript entry each, as before. (Swapping to a second
agent with other DTMF options, `agent_swap` nodes, would restart that agent's flow at its start node;
a flow cannot resume in the middle, so that is not an option for a step in the middle of a script.)

Menus on a wrong key and on silence (flow_rules.menu_fallbacks). A key no edge of a menu matches
follows the node's `else_edge` ("an unmatched user response follows this edge"). So "go to a step" is
an else edge to it, "end" an else edge to the goodbye, and "repeat N times" is the menu said N more
times: copies `menu.2` … `menu.<N+1>` with the same key edges, each one's else edge to the next, the
last one's to the goodbye (a loop back to the menu itself could not count). Silence is no user
response, so no edge can branch on it; what a conversation node has is Retell's reminder, per node:
`reminder_trigger_ms` ("trigger a reminder to the agent to speak if the user has been silent for the
specified duration") and `reminder_max_count` ("how many times agent would remind user … Set to 0 to
disable"). "Repeat N times" on silence is N reminders MENU_REMINDER_MS apart (the agent is told to say
only the given texts, so a reminder says the menu again); "end" is no reminder. After the last one the
agent's `end_call_after_silence_ms` ends the call either way, so silence cannot lead to another step.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from services.calls.call_texts import CallTexts, texts_for
from services.calls.callbacks import CALLBACK_NODE, CallbackOffer, offered_at_menus
from services.calls.custom_fields import CustomField, analysis_items
from services.calls.flow_rules import DIGIT_KEYS, FlowGraph, FlowNode, MenuFallback, NodeKind, menu_fallbacks

DISCLOSURE_NODE = "sc_disclosure"
OPT_OUT_NODE = "sc_opt_out"
GOODBYE_NODE = "sc_goodbye"
# The one dynamic variable an AI script reads the callee's list values from (placing.py sends it).
CALLEE_DATA_VARIABLE = "sc_callee_data"
CALLEE_DATA_START = "<<<CALLEE DATA"
CALLEE_DATA_END = "CALLEE DATA>>>"
_VARIABLE_REFERENCE = re.compile(r"\{\{\s*(.*?)\s*\}\}", re.DOTALL)
END_CALL_AFTER_SILENCE_MS = 20_000
# retell-sdk, agent_create_params.data_storage_retention_days: "Must be between 1 and 730 days".
MAX_RETELL_RETENTION_DAYS = 730
DTMF_TIMEOUT_MS = 5_000
# A silent callee hears the menu again after this long (well inside END_CALL_AFTER_SILENCE_MS).
MENU_REMINDER_MS = 7_000
# Links after the first of a collect step's chain: the callee is typing, the agent says nothing.
KEY_WAIT_PROMPT = "Say nothing at all: the callee is typing digits on the keypad. Wait for the next key."


def key_condition(key: str) -> dict[str, str]:
    return {"type": "prompt", "prompt": f"User pressed {key} on the keypad"}


def _edge(node_id: str, key: str, target: str) -> dict[str, Any]:
    return {"id": f"{node_id}-{key}", "destination_node_id": target, "transition_condition": key_condition(key)}


def any_key_condition(except_key: str = "") -> dict[str, str]:
    other = f" other than {except_key}" if except_key else ""
    return {"type": "prompt", "prompt": f"User pressed any key{other} on the keypad"}


def _else(node_id: str, target: str) -> dict[str, Any]:
    return {"id": f"{node_id}-else", "destination_node_id": target,
            "transition_condition": {"type": "prompt", "prompt": "Else"}}


def _say(text: str) -> dict[str, str]:
    return {"type": "static_text", "text": text}


def opening(texts: CallTexts, business_name: str, opt_out_key: str) -> str:
    """What every call opens with, before anything the customer wrote: who calls, and how to opt out."""
    business = without_variable_references(business_name)
    return f"{texts.disclosure.format(business=business)} {texts.opt_out_notice.format(key=opt_out_key)}"


def compile_conversation_flow(graph: FlowGraph, *, business_name: str, opt_out_key: str,
                              language: str, callback: CallbackOffer | None = None) -> dict[str, Any]:
    """`callback`: the flow's callback offer, said and taken at every menu (callbacks.py)."""
    texts = texts_for(language)
    nodes: list[dict[str, Any]] = [
        {"id": DISCLOSURE_NODE, "type": "conversation", "name": "Disclosure",
         "instruction": _say(opening(texts, business_name, opt_out_key)),
         "skip_response_edge": {"id": f"{DISCLOSURE_NODE}-next", "destination_node_id": graph.start_node_id,
                                "transition_condition": {"type": "prompt", "prompt": "Skip response"}}},
        {"id": OPT_OUT_NODE, "type": "end", "name": "Opt out", "speak_during_execution": True,
         "instruction": _say(texts.opt_out_words),
         "global_node_setting": {"condition": f"User pressed {opt_out_key} on the keypad, or asked not to be "
                                              "called again"}},
        {"id": GOODBYE_NODE, "type": "end", "name": "Goodbye", "speak_during_execution": True,
         "instruction": _say(texts.goodbye)},
    ]
    if callback is not None and callback.key:
        nodes.append({"id": CALLBACK_NODE, "type": "end", "name": "Callback", "speak_during_execution": True,
                      "instruction": _say(texts.callback_words)})
        graph = offered_at_menus(graph, callback, texts.callback_offer.format(key=callback.key))
    for node in graph.nodes:
        if node.kind == NodeKind.COLLECT_DIGITS:
            nodes.extend(_compile_collect(node))
        elif node.kind == NodeKind.MENU:
            nodes.extend(_compile_menu(node))
        else:
            nodes.append(_compile_node(node))
    return {"start_speaker": "agent", "start_node_id": DISCLOSURE_NODE, "nodes": nodes,
            "global_prompt": f"You are an automated phone assistant for {business_name}. Say only the given texts."}


def _compile_node(node: FlowNode) -> dict[str, Any]:
    base = {"id": node.id, "name": node.id}
    if node.kind == NodeKind.MESSAGE:
        return {**base, "type": "conversation", "instruction": _say(node.text),
                "skip_response_edge": {"id": f"{node.id}-next", "destination_node_id": node.edges["next"],
                                       "transition_condition": {"type": "prompt", "prompt": "Skip response"}}}
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


def _compile_menu(node: FlowNode) -> list[dict[str, Any]]:
    """A menu, said again on a wrong key and on silence as its settings say (see the module docstring)."""
    settings = menu_fallbacks(node)
    sayings = settings.repeats + 1 if settings.on_wrong_key == MenuFallback.REPEAT else 1
    last_fallback = settings.wrong_key_target or GOODBYE_NODE
    silence = ({"reminder_trigger_ms": MENU_REMINDER_MS, "reminder_max_count": settings.repeats}
               if settings.on_silence == MenuFallback.REPEAT else {"reminder_max_count": 0})
    copies: list[dict[str, Any]] = []
    for saying in range(1, sayings + 1):
        copy_id = digit_node_id(node.id, saying)
        fallback = digit_node_id(node.id, saying + 1) if saying < sayings else last_fallback
        copies.append({
            "id": copy_id, "name": copy_id, "type": "conversation", "instruction": _say(node.text),
            "allow_dtmf_interruption": True, **silence,
            "edges": [_edge(copy_id, key, target) for key, target in node.edges.items() if key in DIGIT_KEYS],
            "else_edge": _else(copy_id, fallback)})
    return copies


def digit_node_id(node_id: str, position: int) -> str:
    """The chain link of collect step `node_id` that takes its `position`-th digit (1 is the step itself)."""
    return node_id if position == 1 else f"{node_id}.{position}"


def _compile_collect(node: FlowNode) -> list[dict[str, Any]]:
    """A collect step as one-key inputs (see the module docstring): `pin` takes the first digit, `pin.2`
    the second, and so on; the termination key leaves from any link, the last digit from the last one.
    Words instead of a key go to the step's timeout target, or back to its start."""
    after, instead = node.edges["next"], node.edges.get("timeout", node.id)
    links = max(node.max_digits, 1)
    chain: list[dict[str, Any]] = []
    for position in range(1, links + 1):
        link = digit_node_id(node.id, position)
        edges = [_edge(link, node.termination_key, after)] if node.termination_key else []
        edges.append({"id": f"{link}-digit", "transition_condition": any_key_condition(node.termination_key),
                      "destination_node_id": after if position == links else digit_node_id(node.id, position + 1)})
        instruction = _say(node.text) if position == 1 else {"type": "prompt", "text": KEY_WAIT_PROMPT}
        chain.append({"id": link, "name": link, "type": "conversation", "instruction": instruction,
                      "allow_dtmf_interruption": True, "edges": edges, "else_edge": _else(link, instead)})
    return chain


def dtmf_options(graph: FlowGraph | None) -> dict[str, Any]:
    """The agent's `user_dtmf_options`, the same whatever the graph: every key press is one complete
    input, so a menu choice goes on at once; collect steps count their digits node by node
    (_compile_collect). No termination key: a collect step's `#` is a key its own edge matches."""
    return {"digit_limit": 1, "timeout_ms": DTMF_TIMEOUT_MS}


def without_variable_references(text: str) -> str:
    """`{{name}}` becomes `⟨name⟩`: Retell pastes a dynamic variable wherever `{{…}}` stands, and in an AI
    script a list value may stand only inside the data block."""
    text = _VARIABLE_REFERENCE.sub(lambda match: f"⟨{match.group(1)}⟩", text)
    return text.replace("{{", "{ {").replace("}}", "} }")


def callee_data_value(variables: dict[str, str]) -> str:
    """The callee's list values as the data block holds them: one line of JSON, with `<` and `>`
    escaped, so no value can end the block or start a line of its own."""
    encoded = json.dumps(dict(sorted(variables.items())), ensure_ascii=False)
    return encoded.replace("<", "\\u003c").replace(">", "\\u003e")


def compile_ai_script(prompt: str, *, business_name: str, opt_out_key: str, language: str) -> dict[str, Any]:
    texts = texts_for(language)
    business = without_variable_references(business_name)
    said = opening(texts, business, opt_out_key)
    general_prompt = "\n\n".join((
        texts.role.format(business=business, opening=said),
        "\n".join((
            texts.rules_heading,
            f"1. {texts.guardrail}",
            f"2. {texts.opt_out_rule.format(key=opt_out_key, opt_out_words=texts.opt_out_words)}",
            f"3. {texts.data_rule.format(start=CALLEE_DATA_START, end=CALLEE_DATA_END)}",
        )),
        f"{CALLEE_DATA_START}\n{{{{{CALLEE_DATA_VARIABLE}}}}}\n{CALLEE_DATA_END}",
        f"{texts.task_heading}\n\"\"\"\n{without_variable_references(prompt)}\n\"\"\"",
        texts.rules_heading + " 1, 2, 3.",
    ))
    return {
        "start_speaker": "agent",
        "begin_message": said,
        "general_prompt": general_prompt,
        "general_tools": [{"type": "end_call", "name": "end_call", "description": "End the call when done."}],
    }


def summary_preset(texts: CallTexts) -> dict[str, Any]:
    """Retell's call_summary preset with the call language's summary prompt."""
    return {"type": "system-presets", "name": "call_summary", "description": texts.summary_instruction}


def compile_agent(*, name: str, response_engine: dict[str, Any], voice_id: str, language: str, webhook_url: str,
                  dtmf: dict[str, Any], voicemail_message: str | None, business_name: str, opt_out_key: str,
                  max_call_duration_ms: int, retention_days: int | None = None,
                  custom_fields: Sequence[CustomField] = ()) -> dict[str, Any]:
    """`voicemail_message` None hangs up on a voicemail; '' leaves the platform's default message.
    `retention_days` is how long Retell keeps the call's transcript and recording (its limit: 730).
    `custom_fields` are the questions Retell's post-call model answers (custom_fields.py)."""
    texts = texts_for(language)
    if voicemail_message is None:
        voicemail: dict[str, Any] = {"action": {"type": "hangup"}}
    else:
        words = (texts.disclosure.format(business=without_variable_references(business_name)),
                 voicemail_message.strip() or
                 texts.voicemail_default, texts.voicemail_opt_out.format(key=opt_out_key))
        voicemail = {"action": {"type": "static_text", "text": " ".join(words)}}
    return {
        "agent_name": name[:80], "response_engine": response_engine, "voice_id": voice_id, "language": language,
        "webhook_url": webhook_url, "webhook_events": ["call_started", "call_ended", "call_analyzed"],
        "allow_user_dtmf": True, "user_dtmf_options": dtmf, "voicemail_option": voicemail,
        "end_call_after_silence_ms": END_CALL_AFTER_SILENCE_MS, "max_call_duration_ms": max_call_duration_ms,
        # Retell confirms a spoken "stop calling me", ends the call as user_requested_dnc and marks
        # the contact do-not-call (the mark is what create-phone-call's honor_internal_dnc reads).
        "enable_dnc_detection": True,
        # Retell writes call_analysis.call_summary after the call; its system preset takes our prompt
        # (retell-sdk agent_create_params, PostCallAnalysisDataCallPresetAnalysisData), so the summary
        # is in the call's language, not Retell's default English.
        "post_call_analysis_data": [summary_preset(texts), *analysis_items(custom_fields)],
        # Without it Retell keeps every transcript and recording for ever: ours go after
        # CALLS_RETENTION_DAYS (retention.py), so Retell's copy goes no later (or after 730 days,
        # the most Retell accepts).
        **({"data_storage_retention_days": min(retention_days, MAX_RETELL_RETENTION_DAYS)}
           if retention_days is not None else {}),
    }
