"""A flow that needs both kinds of key handling: a one-key menu, then a six-digit collect step ended
early by `#`, compiled as the calls service compiles it for Retell."""

from __future__ import annotations

from typing import Any

from services.calls.flow_compiler import compile_agent, compile_conversation_flow, dtmf_options
from services.calls.flow_rules import FlowGraph, FlowNode, NodeKind

MENU_AND_PIN = FlowGraph("menu", (
    FlowNode("menu", NodeKind.MENU, "Press 1 to confirm your order with its PIN, or 2 to leave.",
             edges={"1": "pin", "2": "bye"}),
    FlowNode("pin", NodeKind.COLLECT_DIGITS, "Enter the six-digit order PIN, then the pound key.", max_digits=6,
             termination_key="#", edges={"next": "thanks"}),
    FlowNode("thanks", NodeKind.MESSAGE, "Thank you, your order is confirmed.", edges={"next": "bye"}),
    FlowNode("bye", NodeKind.END, "Goodbye."),
))


def compiled_flow(graph: FlowGraph = MENU_AND_PIN) -> dict[str, Any]:
    return compile_conversation_flow(graph, business_name="Acme Parcels", opt_out_key="9", language="en-US")


def compiled_agent(response_engine: dict[str, Any], *, graph: FlowGraph = MENU_AND_PIN,
                   webhook_url: str = "https://calls.example.com/webhooks/retell") -> dict[str, Any]:
    return compile_agent(name="Order confirmation", response_engine=response_engine, voice_id="11labs-Adrian",
                         language="en-US", webhook_url=webhook_url, dtmf=dtmf_options(graph),
                         voicemail_message="", business_name="Acme Parcels", opt_out_key="9",
                         max_call_duration_ms=600_000, retention_days=30)
