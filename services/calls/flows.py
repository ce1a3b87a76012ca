"""IVR flows: creation, edits, deletion and review, each kept in step with its Retell objects.

The Retell objects are created before the row is committed; if the transaction then fails they are
deleted again, so no agent is left behind for a flow that does not exist.

A flow has its latest version (spec, status, review, Retell objects: what the customer last saved
and a review decides on) and, once a version was approved, its approved version (approved_*), the
only one calls dial (flow_approval.py). An edit is a draft: it gets Retell objects of its own and
the approved version keeps serving calls until the draft is approved (then it is promoted and the
replaced version retired, retired_agents.py) or rejected (then nothing changes for calls). An edit of
a draft replaces the draft; an edit the policy approves at once is promoted at once.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from services.calls.call_texts import DEFAULT_LANGUAGE
from services.calls.custom_fields import fields_of
from services.calls.flow_approval import APPROVED, PENDING_REVIEW, REJECTED
from services.calls.flow_compiler import compile_agent, compile_ai_script, compile_conversation_flow, dtmf_options
from services.calls.flow_specs import LANGUAGE_PATTERN, callback_of, check_spec, flow_for_review, graph_of, opt_out_key
from services.calls.retell_client import RetellClient, RetellNotFound
from services.calls.retired_agents import retire_approved_version
from services.calls.review_policy import review_reasons
from services.calls.settings import CallsSettings
from services.calls.tables import flows
from services.calls.trust import tier_of
from services.runtime.database import UnitOfWork
from services.runtime.errors import ConflictingRetry, FailedPrecondition, InvalidArgument, NotFound
from speechcue.calls.v1 import calls_pb2

log = logging.getLogger(__name__)

# Re-exported: callers name statuses, the languages and the spec check through this module.
__all__ = ["APPROVED", "LANGUAGE_PATTERN", "PENDING_REVIEW", "REJECTED", "check_spec"]


class FlowNotFound(NotFound):
    default_reason = "FLOW_NOT_FOUND"


class FlowInvalid(InvalidArgument):
    default_reason = "FLOW_INVALID"


def _engine_body(spec: calls_pb2.FlowSpec) -> dict[str, Any]:
    language = spec.language or DEFAULT_LANGUAGE
    if spec.kind == calls_pb2.FLOW_KIND_AI_SCRIPT:
        return compile_ai_script(spec.ai_prompt, business_name=spec.business_name, opt_out_key=opt_out_key(spec),
                                 language=language)
    return compile_conversation_flow(graph_of(spec), business_name=spec.business_name,
                                     opt_out_key=opt_out_key(spec), language=language, callback=callback_of(spec))


def _agent_body(spec: calls_pb2.FlowSpec, engine: dict[str, Any], settings: CallsSettings) -> dict[str, Any]:
    graph = graph_of(spec) if spec.kind == calls_pb2.FLOW_KIND_GRAPH else None
    # '' leaves the platform's default message, in the call's language.
    voicemail = (spec.voicemail_message
                 if spec.voicemail_action == calls_pb2.VOICEMAIL_ACTION_LEAVE_MESSAGE else None)
    return compile_agent(
        name=spec.name, response_engine=engine, voice_id=spec.voice_id or settings.calls_default_voice_id,
        language=spec.language or DEFAULT_LANGUAGE, webhook_url=settings.retell_webhook_url,
        dtmf=dtmf_options(graph), voicemail_message=voicemail, business_name=spec.business_name,
        opt_out_key=opt_out_key(spec),
        max_call_duration_ms=settings.calls_default_max_minutes * 60_000,
        retention_days=settings.calls_retention_days, custom_fields=fields_of(spec),
    )


async def _create_retell_objects(retell: RetellClient, spec: calls_pb2.FlowSpec,
                                 settings: CallsSettings) -> dict[str, str | None]:
    ids: dict[str, str | None] = {"retell_flow_id": None, "retell_llm_id": None, "retell_agent_id": None}
    try:
        if spec.kind == calls_pb2.FLOW_KIND_AI_SCRIPT:
            ids["retell_llm_id"] = await retell.create_retell_llm(_engine_body(spec))
            engine = {"type": "retell-llm", "llm_id": ids["retell_llm_id"]}
        else:
            ids["retell_flow_id"] = await retell.create_conversation_flow(_engine_body(spec))
            engine = {"type": "conversation-flow", "conversation_flow_id": ids["retell_flow_id"]}
        ids["retell_agent_id"] = await retell.create_agent(_agent_body(spec, engine, settings))
    except Exception:
        await delete_retell_objects(retell, ids)
        raise
    return ids


async def delete_retell_objects(retell: RetellClient, ids: dict[str, str | None] | Any) -> None:
    """Best effort: an object Retell no longer has is already gone."""
    get = ids.get if isinstance(ids, dict) else lambda name: getattr(ids, name)
    for name, remove in (("retell_agent_id", retell.delete_agent), ("retell_flow_id", retell.delete_conversation_flow),
                         ("retell_llm_id", retell.delete_retell_llm)):
        object_id = get(name)
        if object_id:
            try:
                await remove(object_id)
            except RetellNotFound:
                pass
            except Exception as error:
                log.warning("could not delete Retell %s (%s); it is orphaned", name, type(error).__name__)


async def _status_for(uow: UnitOfWork, customer_id: str, spec: calls_pb2.FlowSpec,
                      now: datetime) -> tuple[str, list[str]]:
    """Approved at once, or waiting for review with the reasons (review_policy.py), by the customer's
    tier as it stands in this unit of work."""
    tier = await tier_of(uow, customer_id, now)
    reasons = review_reasons(flow_for_review(spec), tier.tier)
    return (PENDING_REVIEW if reasons else APPROVED), reasons


def _refuse_if_invalid(spec: calls_pb2.FlowSpec, settings: CallsSettings) -> None:
    problems = check_spec(spec, allowed_countries=settings.allowed_countries)
    if problems:
        first = problems[0]
        raise FlowInvalid(f"{first.message} ({len(problems)} problem{'s' if len(problems) > 1 else ''} in all)",
                          problems="; ".join(f"{p.node_id}:{p.code}" for p in problems)[:1000])


async def create_flow(uow: UnitOfWork, retell: RetellClient, settings: CallsSettings, *, customer_id: str,
                      spec: calls_pb2.FlowSpec, now: datetime) -> Any:
    _refuse_if_invalid(spec, settings)
    status, reasons = await _status_for(uow, customer_id, spec, now)
    ids = await _create_retell_objects(retell, spec, settings)
    uow.on_rollback(lambda: delete_retell_objects(retell, ids))
    serialized = spec.SerializeToString()
    approval = _approved_version(ids, serialized, version=1, now=now) if status == APPROVED else {}
    return (await uow.connection.execute(flows.insert().values(
        id=str(uuid.uuid4()), customer_id=customer_id, name=spec.name, spec=serialized,
        status=status, review_reasons=reasons, created_at=now, updated_at=now, **ids, **approval,
    ).returning(*flows.c))).one()


def _approved_version(ids: dict[str, str | None] | Any, spec: bytes, *, version: int,
                      now: datetime) -> dict[str, Any]:
    """The approved_* columns that make a version (its Retell objects and spec) the one calls dial."""
    get = ids.get if isinstance(ids, dict) else lambda name: getattr(ids, name)
    return {"approved_version": version, "approved_spec": spec, "approved_at": now,
            "approved_retell_agent_id": get("retell_agent_id"), "approved_retell_flow_id": get("retell_flow_id"),
            "approved_retell_llm_id": get("retell_llm_id")}


def _latest_is_a_draft(flow: Any) -> bool:
    """Whether the latest version's Retell objects are not the approved ones (never dialled)."""
    return flow.retell_agent_id != flow.approved_retell_agent_id


async def get_flow(uow: UnitOfWork, flow_id: str, *, customer_id: str | None, for_update: bool = False) -> Any:
    query = select(flows).where(flows.c.id == flow_id, flows.c.deleted_at.is_(None))
    if customer_id is not None:
        query = query.where(flows.c.customer_id == customer_id)
    if for_update:
        query = query.with_for_update()
    row = (await uow.connection.execute(query)).first()
    if row is None:
        raise FlowNotFound("no such flow for this customer")
    return row


async def flow_to_dial(uow: UnitOfWork, flow_id: str, *, customer_id: str) -> Any | None:
    """The flow as a dial sees it, deleted or not (the rule refuses a deleted one), locked FOR SHARE
    so an approval cannot retire the agent between this read and the call row naming it."""
    return (await uow.connection.execute(select(flows).where(
        flows.c.id == flow_id, flows.c.customer_id == customer_id).with_for_update(read=True))).first()


async def update_flow(uow: UnitOfWork, retell: RetellClient, settings: CallsSettings, *, customer_id: str,
                      flow_id: str, spec: calls_pb2.FlowSpec, expected_version: int, now: datetime) -> Any:
    current = await get_flow(uow, flow_id, customer_id=customer_id, for_update=True)
    if expected_version and expected_version != current.version:
        raise ConflictingRetry("the flow was changed meanwhile; reload it and edit again",
                               reason="FLOW_VERSION_CONFLICT")
    _refuse_if_invalid(spec, settings)
    status, reasons = await _status_for(uow, customer_id, spec, now)
    ids = await _create_retell_objects(retell, spec, settings)
    uow.on_rollback(lambda: delete_retell_objects(retell, ids))
    serialized, version = spec.SerializeToString(), current.version + 1
    approval: dict[str, Any] = {}
    if status == APPROVED:  # promoted at once; the version it replaces is retired
        approval = _approved_version(ids, serialized, version=version, now=now)
        await retire_approved_version(uow, current, now)
    if _latest_is_a_draft(current):
        # A replaced draft was never dialled: it goes once the edit is committed. The approved
        # version's objects are never deleted here; they keep serving calls.
        uow.after_commit_async(lambda: delete_retell_objects(retell, current))
    return (await uow.connection.execute(update(flows).where(flows.c.id == flow_id).values(
        name=spec.name, spec=serialized, status=status, review_reasons=reasons, review_note="",
        updated_at=now, version=version, **ids, **approval,
    ).returning(*flows.c))).one()


async def delete_flow(uow: UnitOfWork, retell: RetellClient, *, customer_id: str, flow_id: str,
                      now: datetime) -> None:
    current = await get_flow(uow, flow_id, customer_id=customer_id, for_update=True)
    await uow.connection.execute(update(flows).where(flows.c.id == flow_id).values(deleted_at=now, updated_at=now))
    # Calls placed with the approved agent may still be live: it is retired, not deleted at once.
    await retire_approved_version(uow, current, now)
    if _latest_is_a_draft(current):
        uow.after_commit_async(lambda: delete_retell_objects(retell, current))


async def review_flow(uow: UnitOfWork, *, flow_id: str, approve: bool, note: str, now: datetime) -> Any:
    current = await get_flow(uow, flow_id, customer_id=None, for_update=True)
    if current.status != PENDING_REVIEW:
        raise FailedPrecondition(f"this flow is {current.status.replace('_', ' ')}, not waiting for review",
                                 reason="FLOW_NOT_PENDING")
    approval: dict[str, Any] = {}
    if approve:  # the draft is promoted; the version it replaces keeps serving calls placed with it
        approval = _approved_version(current, current.spec, version=current.version, now=now)
        await retire_approved_version(uow, current, now)
    return (await uow.connection.execute(update(flows).where(flows.c.id == flow_id).values(
        status=APPROVED if approve else REJECTED, review_note=note, updated_at=now, **approval,
    ).returning(*flows.c))).one()


async def list_flows(uow: UnitOfWork, *, customer_id: str | None, status: str | None, offset: int,
                     limit: int) -> list[Any]:
    query = select(flows).where(flows.c.deleted_at.is_(None))
    if customer_id is not None:
        query = query.where(flows.c.customer_id == customer_id)
    if status is not None:
        query = query.where(flows.c.status == status)
    query = query.order_by(flows.c.created_at.desc(), flows.c.id).offset(offset).limit(limit)
    return list((await uow.connection.execute(query)).all())
