"""The key-press inbox's answer (ListKeyPresses): each call where the callee pressed keys, with its
flow's and campaign's names and its keys cut into a menu choice, digits typed, the opt-out key
(key_inputs.py). Reading only: a page is at most a page of calls, so three small indexed reads follow
the page's own (the flows, the campaigns and, for calls ended before a row kept its keys' places,
Retell's `call_ended` bodies of those calls).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from services.calls.flow_rules import FlowGraph
from services.calls.flow_specs import graph_of
from services.calls.key_inputs import KeyInputKind, KeyPlace, key_inputs, key_places, place_of
from services.calls.messages import stamp
from services.calls.tables import call_events, campaigns, flows
from services.runtime.database import UnitOfWork
from speechcue.calls.v1 import calls_pb2

KIND_MESSAGES = {KeyInputKind.MENU_CHOICE: calls_pb2.KEY_INPUT_KIND_MENU_CHOICE,
                 KeyInputKind.DIGITS: calls_pb2.KEY_INPUT_KIND_DIGITS,
                 KeyInputKind.OPT_OUT: calls_pb2.KEY_INPUT_KIND_OPT_OUT,
                 KeyInputKind.UNKNOWN: calls_pb2.KEY_INPUT_KIND_UNSPECIFIED}


@dataclass(frozen=True)
class InboxContext:
    """What the inbox names beside a page of calls: by flow id, campaign id and Retell call id."""

    flow_names: dict[str, str] = field(default_factory=dict)
    graphs: dict[str, FlowGraph | None] = field(default_factory=dict)
    campaign_names: dict[str, str] = field(default_factory=dict)
    places: dict[str, list[KeyPlace] | None] = field(default_factory=dict)


def _graph(serialized_spec: bytes | None) -> FlowGraph | None:
    """The graph calls dial (an AI script has none)."""
    if not serialized_spec:
        return None
    spec = calls_pb2.FlowSpec.FromString(serialized_spec)
    return graph_of(spec) if spec.kind == calls_pb2.FLOW_KIND_GRAPH else None


async def inbox_context(uow: UnitOfWork, customer_id: str, rows: Sequence[Any]) -> InboxContext:
    """The names and key places for these call rows (the customer's own, read by list_calls)."""
    flow_ids = sorted({row.flow_id for row in rows if row.flow_id})
    campaign_ids = sorted({row.campaign_id for row in rows if row.campaign_id})
    retell_ids = sorted({row.retell_call_id for row in rows if row.retell_call_id and not row.key_places})
    context = InboxContext()
    if flow_ids:
        for flow in await uow.connection.execute(
                select(flows.c.id, flows.c.name, flows.c.spec, flows.c.approved_spec)
                .where(flows.c.customer_id == customer_id, flows.c.id.in_(flow_ids))):
            context.flow_names[flow.id] = flow.name
            # The approved version is the one calls dial; its step ids are where their keys were pressed.
            context.graphs[flow.id] = _graph(flow.approved_spec or flow.spec)
    if campaign_ids:
        for campaign in await uow.connection.execute(
                select(campaigns.c.id, campaigns.c.name)
                .where(campaigns.c.customer_id == customer_id, campaigns.c.id.in_(campaign_ids))):
            context.campaign_names[campaign.id] = campaign.name
    if retell_ids:
        transcript = call_events.c.payload["call"]["transcript_with_tool_calls"]
        for event in await uow.connection.execute(
                select(call_events.c.retell_call_id, transcript.label("entries"))
                .where(call_events.c.retell_call_id.in_(retell_ids), call_events.c.event == "call_ended")):
            context.places[event.retell_call_id] = key_places(event.entries)
    return context


def key_presses_message(row: Any, context: InboxContext) -> calls_pb2.KeyPresses:
    keys = list(row.digits)
    # The row's own places (kept with its keys since migration 0014), else Retell's record of the call.
    places = ([place_of(text) for text in row.key_places] if row.key_places
              else context.places.get(row.retell_call_id or ""))
    inputs = key_inputs(keys, places, context.graphs.get(row.flow_id))
    return calls_pb2.KeyPresses(
        call_id=row.id, to_number=row.to_number, flow_id=row.flow_id, digits=keys, ended_at=stamp(row.ended_at),
        flow_name=context.flow_names.get(row.flow_id, ""), campaign_id=row.campaign_id,
        campaign_name=context.campaign_names.get(row.campaign_id, ""),
        inputs=[calls_pb2.KeyInput(kind=KIND_MESSAGES[item.kind], keys=item.keys, step_id=item.step_id)
                for item in inputs])
