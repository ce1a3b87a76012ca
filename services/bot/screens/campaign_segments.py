"""Re-calling a segment of a campaign: from a completed, paused or cancelled campaign, "🔁 Re-call…"
→ which callees (a button per segment with its count: no answer, busy, voicemail, not called,
answered, pressed a key, a custom field's answer) → the same flow or another → a new draft campaign
on the usual confirm screen (its import report, estimate, forecast, Start or Schedule).

The bot names the campaign and the segment; the calls service builds the list (campaign_recalls.py),
so no callee's number passes through the chat, and the counts and the list follow one rule
(campaign_segments.py). The new campaign keeps the old one's retry rules, caller ID and longest call.

When the calls service refuses (the segment emptied since its count was shown, no number in it can be
called now, the flow lacks a variable the callees' list gave no value for or waits for review, the
campaign calls again, a daily limit), the screen says why in the customer's words, what to do next,
and offers the ways on: other callees, another flow, the same again, the campaign. Money is not among
them: the new campaign is a draft, and its confirm screen says when the money falls short.
"""

from __future__ import annotations

import grpc

from services.bot.i18n import Words
from services.bot.outgoing import Button, Keyboard, button
from services.bot.routing import router
from services.bot.screens.campaign_variables import braced
from services.bot.screens.campaigns import list_campaigns, show_new_campaign
from services.bot.screens.flows import approved_flows_keyboard
from services.bot.turn import Turn
from services.calls.flow_variables import LIST_LACKS_VARIABLES
from services.runtime.grpc_client import refusal_metadata, refusal_reason
from speechcue.calls.v1 import calls_pb2

# Buttons on the segment screen, at most (five outcomes, then keys and answers).
MAX_SEGMENT_BUTTONS = 16


def segment_words(turn: Turn, segment: calls_pb2.CampaignSegment) -> str:
    """A segment in the customer's words: "No answer", "Pressed 2", "interested: yes"."""
    words = turn.words
    if segment.kind == "key":
        return words("recall.segment.key", key=segment.key)
    if segment.kind == "field":
        return words("recall.segment.field", field=segment.field, value=segment.value)
    return words(SEGMENT_IDS.get(segment.kind, "recall.segment.answered"))


SEGMENT_IDS = {"no_answer": "recall.segment.no_answer", "busy": "recall.segment.busy",
               "voicemail": "recall.segment.voicemail", "not_called": "recall.segment.not_called",
               "answered": "recall.segment.answered"}


# A re-call the calls service refuses, by the refusal's reason (campaign_recalls.py, and CreateCampaign's
# checks of the list it builds): the words (what happened, what to do next) and the ways on. Any other
# refusal is answered as every refusal is (updates.py).
RECALL_REFUSALS: dict[str, tuple[str, tuple[str, ...]]] = {
    "SEGMENT_EMPTY": ("recall.refused.segment_empty", ("segments", "campaign")),
    "LIST_UNUSABLE": ("recall.refused.none_callable", ("segments", "campaign")),
    LIST_LACKS_VARIABLES: ("recall.refused.lacks_variables", ("flows", "campaign")),
    "FLOW_NOT_APPROVED": ("recall.refused.flow_in_review", ("flows", "campaign")),
    "CAMPAIGN_STATE": ("recall.refused.campaign_state", ("campaign",)),
    "DAILY_CAP_REACHED": ("error.DAILY_CAP_REACHED", ("campaign",)),
    "LIST_IMPORT_IN_PROGRESS": ("error.LIST_IMPORT_IN_PROGRESS", ("again", "campaign")),
}
WAY_LABELS = {"segments": "recall.way.segments", "flows": "recall.way.flows", "again": "recall.way.again",
              "campaign": "recall.way.campaign"}


def refusal_variables(error: grpc.aio.AioRpcError) -> list[str]:
    """The variables a LIST_LACKS_VARIABLES refusal names: the columns missing, else those the lines lack."""
    metadata = refusal_metadata(error)
    names = [name for name in metadata.get("missing", "").split(",") if name]
    if names:
        return names
    for entry in metadata.get("lines", "").split(";"):  # "4:amount;7:amount,due_date"
        for name in entry.partition(":")[2].split(","):
            if name and name not in names:
                names.append(name)
    return names


def recall_refusal(words: Words, error: grpc.aio.AioRpcError, *, campaign: str,
                   segment: str) -> tuple[str, tuple[str, ...]] | None:
    """A refused re-call in the customer's words and the ways on from it; None for a refusal without
    words of its own here (it is then the caller's to raise)."""
    found = RECALL_REFUSALS.get(refusal_reason(error) or "")
    if found is None:
        return None
    text_id, ways = found
    return words(text_id, name=campaign, segment=segment, variables=braced(refusal_variables(error))), ways


def ways_on(words: Words, ways: tuple[str, ...], *, campaign_id: str, segment: int = -1,
            flow_id: str = "") -> Keyboard:
    """The buttons of a refused re-call: other callees, another flow, the same again, the campaign."""
    targets: dict[str, tuple[str | int, ...]] = {
        "segments": ("rcall", campaign_id), "flows": ("rcseg", segment), "again": ("rcflow", flow_id),
        "campaign": ("camp", "view", campaign_id)}
    buttons: list[Button] = [button(words(WAY_LABELS[way]), *targets[way]) for way in ways]
    keyboard = Keyboard()
    for start in range(0, len(buttons), 2):
        keyboard.row(*buttons[start:start + 2])
    return keyboard


async def _campaign(turn: Turn, campaign_id: str) -> calls_pb2.Campaign:
    return await turn.services.calls.GetCampaign(calls_pb2.GetCampaignRequest(
        customer_id=turn.customer_id, campaign_id=campaign_id), timeout=turn.timeout)


@router.button("rcall")
async def choose_segment(turn: Turn, args: list[str]) -> None:
    """Re-call, step 1: which callees, a button per segment with its count (`rcall:<campaign id>`)."""
    campaign_id = args[0] if args else ""
    campaign = await _campaign(turn, campaign_id)
    words = turn.words
    try:
        answer = await turn.services.calls.CampaignSegments(calls_pb2.GetCampaignRequest(
            customer_id=turn.customer_id, campaign_id=campaign.id), timeout=turn.timeout)
    except grpc.aio.AioRpcError as error:  # it calls again: resumed since its screen was shown
        if (refused := recall_refusal(words, error, campaign=campaign.name, segment="")) is None:
            raise
        turn.show(refused[0], ways_on(words, refused[1], campaign_id=campaign.id))
        return
    segments = list(answer.segments)[:MAX_SEGMENT_BUTTONS]
    turn.conversation.reset()
    turn.conversation.data.update(recall_from=campaign.id, recall_segments=[segment.code for segment in segments],
                                  recall_labels=[segment_words(turn, segment) for segment in segments],
                                  recall_counts=[segment.callees for segment in segments])
    keyboard = Keyboard()
    for index, segment in enumerate(segments):
        keyboard.row(button(words.plural("recall.segment_button", segment.callees,
                                         segment=segment_words(turn, segment)), "rcseg", index))
    keyboard.row(button(words("menu.back"), "camp", "view", campaign.id))
    turn.show(words("recall.choose_segment", name=campaign.name) if segments
              else words("recall.nothing", name=campaign.name), keyboard)


@router.button("rcseg")
async def choose_recall_flow(turn: Turn, args: list[str]) -> None:
    """Re-call, step 2: the same flow or another approved one (`rcseg:<segment's place on step 1>`)."""
    data = turn.conversation.data
    codes = list(data.get("recall_segments", []))
    index = int(args[0]) if args and args[0].isdigit() else -1
    if "recall_from" not in data or not 0 <= index < len(codes):
        await list_campaigns(turn, [])
        return
    data["recall_segment"] = index
    campaign = await _campaign(turn, str(data["recall_from"]))
    words = turn.words
    listed, _ = await approved_flows_keyboard(turn, "rcflow")
    same = [row for row in listed.rows if row[0].data == f"rcflow:{campaign.flow_id}"]
    keyboard = Keyboard()
    if same:
        keyboard.row(button(words("recall.same_flow", flow=same[0][0].label), "rcflow", campaign.flow_id))
    for row in listed.rows:
        if row not in same:
            keyboard.row(*row)
    keyboard.row(button(words("menu.back"), "rcall", campaign.id))
    callees = words.plural("count.callees", int(data.get("recall_counts", [0] * len(codes))[index]))
    turn.show(words("recall.choose_flow", segment=data["recall_labels"][index], callees=callees)
              if listed.rows else words("call.no_flows"), keyboard)


@router.button("rcflow")
async def create_recall(turn: Turn, args: list[str]) -> None:
    """Re-call, step 3: the new campaign as a draft, on the usual confirm screen (`rcflow:<flow id>`)."""
    data = turn.conversation.data
    if "recall_segment" not in data or not args:
        await list_campaigns(turn, [])
        return
    index = int(data["recall_segment"])
    source = await _campaign(turn, str(data["recall_from"]))
    name = turn.words("recall.default_name", name=source.name, segment=data["recall_labels"][index])
    request = calls_pb2.CreateCampaignRequest(
        idempotency_key=turn.key("recall"), customer_id=turn.customer_id, name=name[:80], flow_id=args[0],
        from_campaign_id=source.id, segment=str(data["recall_segments"][index]), caller_id=source.caller_id,
        max_minutes_per_call=source.max_minutes_per_call, retry=source.retry,
        # A draft: the customer sees its estimate and forecast, then starts it.
        as_draft=True)
    try:
        campaign = await turn.services.calls.CreateCampaign(request, timeout=turn.timeout)
    except grpc.aio.AioRpcError as error:
        # Why, and the ways on; the choices made so far stay, so "another flow" asks only that again.
        segment = str(data["recall_labels"][index])
        if (refused := recall_refusal(turn.words, error, campaign=source.name, segment=segment)) is None:
            raise
        turn.show(refused[0], ways_on(turn.words, refused[1], campaign_id=source.id, segment=index, flow_id=args[0]))
        return
    await show_new_campaign(turn, campaign)
