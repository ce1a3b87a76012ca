"""Re-calling a segment of a campaign: the segments with their counts, and the list of a new campaign
made of one segment's callees. Which callee is in which segment is campaign_segments.py's rule; this
module reads the callees for it and writes nothing.

Why the list is built here and goes through CreateCampaign like any list: the numbers never leave the
calls service (the bot names a campaign and a segment), and the list meets every check a pasted list
meets (screen_list: do-not-call lists as they are now, the countries the new caller ID can reach,
every value screened), so a re-call can call no one a new list could not.

A campaign can be re-called once it is completed, paused or cancelled: a running or scheduled one is
still deciding its callees' outcomes. A paused campaign's callees that it may still call are in no
segment (campaign_segments.py), so resuming it never calls one of them twice.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from sqlalchemy import exists

from services.calls.callee_reports import report_category
from services.calls.campaign_report import callee_outcome
from services.calls.campaign_segments import (
    CalleeResult,
    Segment,
    countable_answers,
    in_segment,
    menu_choices,
    segment_counts,
    segment_of_code,
)
from services.calls.campaigns import get_campaign, report_lines
from services.calls.tables import calls, campaign_callees, do_not_call
from services.runtime.database import UnitOfWork
from services.runtime.errors import FailedPrecondition, InvalidArgument
from speechcue.calls.v1 import calls_pb2

RECALLABLE = frozenset({"completed", "paused", "cancelled"})
# What the new list's header names: call_lists.PHONE_HEADERS and NAME_HEADERS.
LIST_HEADER = ("number", "name")


def _lines(campaign_id: str, customer_id: str) -> Any:
    """The campaign's callees with their last call's outcome facts (report_lines), the keys that call
    kept and where, and whether the number is on the platform's or the customer's do-not-call list."""
    blocked = exists().where(do_not_call.c.number == campaign_callees.c.number,
                             do_not_call.c.scope.in_(["", customer_id]))
    return report_lines(campaign_id).add_columns(
        calls.c.digits.label("call_keys"), calls.c.key_places.label("call_key_places"),
        calls.c.menu_keys.label("call_menu_keys"), calls.c.opt_out_key.label("call_opt_out_key"),
        blocked.label("blocked"))


def callee_result(line: Any, campaign_status: str) -> CalleeResult:
    """One callee as the segment rule reads it."""
    return CalleeResult(
        category=report_category(line.status, line.attempts, campaign_status, line.outcome),
        outcome=callee_outcome(line),
        menu_choices=menu_choices(line.call_keys or (), line.call_key_places or (), line.call_menu_keys or "",
                                  line.call_opt_out_key or ""),
        answers=countable_answers(line.call_custom_answers, line.call_custom_fields),
        blocked=bool(line.blocked))


async def _recallable(uow: UnitOfWork, campaign_id: str, customer_id: str) -> Any:
    campaign = await get_campaign(uow, campaign_id, customer_id)
    if campaign.status not in RECALLABLE:
        raise FailedPrecondition(f"a {campaign.status} campaign cannot be re-called yet: pause it, or wait "
                                 "until it is over", reason="CAMPAIGN_STATE")
    return campaign


async def _results(uow: UnitOfWork, campaign: Any) -> list[tuple[Any, CalleeResult]]:
    lines = (await uow.connection.execute(_lines(campaign.id, campaign.customer_id))).all()
    return [(line, callee_result(line, campaign.status)) for line in lines]


async def campaign_segments(uow: UnitOfWork, *, campaign_id: str,
                            customer_id: str) -> calls_pb2.CampaignSegmentsResponse:
    """The campaign's segments that hold anyone, each with its count, in the buttons' order."""
    campaign = await _recallable(uow, campaign_id, customer_id)
    counts = segment_counts(result for _, result in await _results(uow, campaign))
    return calls_pb2.CampaignSegmentsResponse(campaign_id=campaign.id, segments=[
        segment_message(segment, count) for segment, count in counts])


def segment_message(segment: Segment, callees: int) -> calls_pb2.CampaignSegment:
    return calls_pb2.CampaignSegment(code=segment.code, kind=segment.kind.value, key=segment.key,
                                     field=segment.field, value=segment.value, callees=callees)


def list_of(lines: Sequence[Any]) -> bytes:
    """The callees as a list CreateCampaign reads: a header (number, name, then each variable the
    callees' list gave them), then each callee's number, name and values, so a flow that uses
    {{first_name}} finds it again (call_lists.py reads the header's columns as variables)."""
    variables: dict[str, None] = {}
    for line in lines:
        variables.update(dict.fromkeys(name for name in line.variables or {} if name not in LIST_HEADER))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow((*LIST_HEADER, *variables))
    for line in lines:
        values = line.variables or {}
        writer.writerow((line.number, line.name, *(values.get(name, "") for name in variables)))
    return buffer.getvalue().encode()


async def recall_request(uow: UnitOfWork, request: calls_pb2.CreateCampaignRequest) -> calls_pb2.CreateCampaignRequest:
    """The request with the segment's callees as its list: InvalidArgument for an unknown segment,
    FailedPrecondition when the campaign cannot be re-called or the segment holds no one now."""
    segment = segment_of_code(request.segment)
    if segment is None:
        raise InvalidArgument("segment must be one of the codes CampaignSegments gives", reason="BAD_SEGMENT",
                              field="segment")
    if request.list:
        raise InvalidArgument("a re-call's list is the segment's: send no list", reason="LIST_WITH_SEGMENT",
                              field="list")
    campaign = await _recallable(uow, request.from_campaign_id, request.customer_id)
    members = [line for line, result in await _results(uow, campaign) if in_segment(segment, result)]
    if not members:
        raise FailedPrecondition("no callee of that campaign is in this segment now", reason="SEGMENT_EMPTY")
    built = calls_pb2.CreateCampaignRequest()
    built.CopyFrom(request)
    built.list = list_of(members)
    built.default_region = ""
    return built
