"""The words of a flow's variables in the chat: which `{{variables}}` a flow says (the flow screen, the
campaign's list step), why a list was refused for them (naming its lines), a single call refused
for them, and the preview of what the first callee hears, on the confirm screen before the start.
The rules are the calls service's (services/calls/flow_variables.py); this module only words them.

What a callee hears is the disclosure first, then the flow's first texts with their values filled in
as Retell fills them; an AI script's own words cannot be known before the call, so its preview is
the disclosure and the values the agent reads.
"""

from __future__ import annotations

import grpc

from services.bot.i18n import Words
from services.bot.turn import Turn
from services.calls.call_texts import texts_for
from services.calls.flow_compiler import opening
from services.calls.flow_variables import LIST_LACKS_VARIABLES, first_words, list_variables
from services.runtime.grpc_client import refusal_metadata, refusal_reason
from speechcue.calls.v1 import calls_pb2

DEFAULT_LANGUAGE = "en-US"
DEFAULT_OPT_OUT_KEY = "9"
SHOWN_VALUE = 40  # characters of a value shown in the AI script's preview


def dialled_spec(flow: calls_pb2.Flow) -> calls_pb2.FlowSpec:
    """The version calls dial: the approved one, or the latest while none was approved."""
    return flow.approved_spec if flow.approved_version else flow.spec


def braced(names: list[str]) -> str:
    return ", ".join(f"{{{{{name}}}}}" for name in names)


def flow_variables_line(words: Words, flow: calls_pb2.Flow) -> str:
    """The flow screen's line naming the variables the flow says ("" when it says none)."""
    names = list_variables(dialled_spec(flow))
    return words("variables.flow_uses", variables=braced(names)) if names else ""


def list_step_line(words: Words, names: list[str]) -> str:
    """The campaign's list step: the columns the list needs for the flow's variables ("" for none)."""
    if not names:
        return ""
    return words("variables.list_needs", variables=braced(names), example=",".join(["phone", *names]))


def single_call_refusal(words: Words, flow: calls_pb2.Flow) -> str:
    """Why "Call now" cannot use this flow ("" when it can): a single call has no list to fill its variables."""
    names = list_variables(dialled_spec(flow))
    return words("variables.single_call", variables=braced(names)) if names else ""


def lacking_list_text(words: Words, error: grpc.aio.AioRpcError) -> str | None:
    """A list refused for the flow's variables, in words naming the variables and lines; None for any
    other refusal (the error is then the caller's to answer)."""
    if refusal_reason(error) != LIST_LACKS_VARIABLES:
        return None
    metadata = refusal_metadata(error)
    if missing := [name for name in metadata.get("missing", "").split(",") if name]:
        return words("variables.missing_columns", variables=braced(missing), example=",".join(["phone", *missing]))
    lines = []
    for entry in metadata.get("lines", "").split(";"):
        line, _, names = entry.partition(":")
        if line.isdigit():
            lines.append(words("variables.lacking_line", line=line, variables=braced(names.split(","))))
    lacking = int(metadata.get("lacking", "0") or 0)
    return words.plural("variables.lacking_lines", lacking, lines="\n".join(f"• {line}" for line in lines))


async def preview_lines(turn: Turn, campaign: calls_pb2.Campaign) -> list[str]:
    """The confirm screen's preview: what the list's first callee hears first, with their values
    filled in, the disclosure first; nothing for a flow that says no variables."""
    values = dict(campaign.import_report.first_callee)
    if not values:
        return []
    flow = await turn.services.calls.GetFlow(calls_pb2.GetFlowRequest(
        customer_id=turn.customer_id, flow_id=campaign.flow_id), timeout=turn.timeout)
    spec = dialled_spec(flow)
    if not list_variables(spec):
        return []
    words = turn.words
    said = [opening(texts_for(spec.language or DEFAULT_LANGUAGE), spec.business_name,
                    spec.opt_out_key or DEFAULT_OPT_OUT_KEY), *first_words(spec, values)]
    lines = ["", words("variables.preview_title"), *(f"« {text} »" for text in said)]
    if spec.kind == calls_pb2.FLOW_KIND_AI_SCRIPT:
        lines.append(words("variables.preview_ai", values=", ".join(
            f"{name}: {value[:SHOWN_VALUE]}" for name, value in values.items() if name in list_variables(spec))))
    return lines
